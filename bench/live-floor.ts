/**
 * The floor under live fan-out on this machine: what one WebSocket message costs the server
 * when it does nothing but write it. A bare `node:http` + `ws` server holding the same number
 * of connections writes one pre-framed ~300-byte text frame (a one-patch delta) per write, to
 * sockets taken in turn, in bursts every 20 ms at a given rate; the clients are `ws` clients in
 * two worker threads of another process that `JSON.parse` every message, as the live bench's
 * clients do. Reported: the server's CPU per write (user + system, from `process.cpuUsage`).
 * No log, no projection, no routing: any live server on this box pays at least this per message.
 *
 * Roles of this file: imported, `liveFloor()` runs a measurement; run with `--floor-server` or
 * `--floor-clients`, it is one of the two processes; as a worker thread, a share of the clients.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { WebSocket, WebSocketServer } from 'ws';
import { wsTextFrame } from '../src/hub/live-frames.js';
import { tsWorker } from './live-threads.js';

export interface FloorResult {
  writesPerSec: number;
  /** Server CPU (user + system) per write, microseconds. */
  cpuUsPerWrite: number;
  serverCores: number;
  /** Share of the server's CPU spent in the kernel. */
  systemShare: number;
}

const BURST_MS = 20;
const MEASURE_MS = 8000;
const THREADS = 2;
const self = fileURLToPath(import.meta.url);
const frame = wsTextFrame(
  Buffer.from(
    JSON.stringify({
      type: 'delta',
      offset: 123456,
      now: '2026-11-23T09:00:00.000Z',
      patches: {
        agents: [
          {
            id: 'a0000000-0000-4000-8000-000000000abc',
            routingStatus: 'INTERACTING',
            routingSince: '2026-11-23T09:00:00.000Z',
            label: 'Interacting',
            since: '2026-11-23T09:00:00.000Z',
            pad: 'x'.repeat(60),
          },
        ],
      },
    }),
  ),
);

/** Runs the floor: `clients` connections, `rate` writes per second for 8 s. */
export async function liveFloor(clients: number, rate: number): Promise<FloorResult> {
  const server = spawn(process.execPath, ['--import', 'tsx', self, '--floor-server', `${rate}`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = lineReader(server.stdout);
  const port = Number(await lines.next());
  const load = spawn(
    process.execPath,
    ['--import', 'tsx', self, '--floor-clients', `${port}`, `${clients}`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    if ((await lineReader(load.stdout).next()) !== 'connected') throw new Error('floor clients');
    server.stdin.write('go\n');
    return JSON.parse(await lines.next()) as FloorResult;
  } finally {
    load.kill('SIGTERM');
    server.kill('SIGTERM');
  }
}

/** The next lines of a child's stdout, one at a time. */
function lineReader(stream: NodeJS.ReadableStream): { next(): Promise<string> } {
  const lines = createInterface({ input: stream })[Symbol.asyncIterator]();
  return {
    next: async () => {
      const line: IteratorResult<string> = await lines.next();
      if (line.done) throw new Error('floor: a child process ended early');
      return line.value;
    },
  };
}

function runServer(rate: number): void {
  const sockets: Duplex[] = [];
  const http = createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  http.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, () => sockets.push(socket)),
  );
  http.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(http.address() as AddressInfo).port}\n`);
  });
  process.stdin.once('data', () => {
    const perBurst = Math.max(1, Math.round((rate * BURST_MS) / 1000));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let writes = 0;
    let k = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < perBurst; i++) {
        sockets[k]!.write(frame);
        k = (k + 1) % sockets.length;
        writes++;
      }
      const ms = performance.now() - t0;
      if (ms < MEASURE_MS) return;
      clearInterval(timer);
      const cpu = process.cpuUsage(cpu0);
      const used = cpu.user + cpu.system;
      const result: FloorResult = {
        writesPerSec: (writes / ms) * 1000,
        cpuUsPerWrite: used / writes,
        serverCores: used / 1000 / ms,
        systemShare: cpu.system / used,
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }, BURST_MS);
  });
}

async function runClients(port: number, clients: number): Promise<void> {
  const threads = Array.from({ length: THREADS }, (_, row) =>
    tsWorker(new URL(import.meta.url), { port, clients, row }),
  );
  await Promise.all(threads.map((w) => new Promise((r) => w.once('message', r))));
  process.stdout.write('connected\n');
}

function runThread(data: { port: number; clients: number; row: number }): void {
  let next = data.row;
  let open = 0;
  const more = () => {
    if (next >= data.clients) {
      if (open === 0) parentPort!.postMessage('connected');
      return;
    }
    next += THREADS;
    open++;
    const ws = new WebSocket(`ws://127.0.0.1:${data.port}/`, { perMessageDeflate: false });
    ws.on('open', () => {
      open--;
      more();
    });
    ws.on('message', (raw: Buffer) => JSON.parse(raw.toString('utf8')) as unknown);
    ws.on('error', () => {});
  };
  for (let i = 0; i < 100; i++) more();
}

if (!isMainThread && (workerData as { port?: number } | null)?.port !== undefined) {
  runThread(workerData as { port: number; clients: number; row: number });
} else if (process.argv[2] === '--floor-server') {
  runServer(Number(process.argv[3]));
} else if (process.argv[2] === '--floor-clients') {
  void runClients(Number(process.argv[3]), Number(process.argv[4]));
}
