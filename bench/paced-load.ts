// Open-loop load at a fixed rate: request i is due at start + i/rate whatever the server is
// doing, and its latency runs from when it was due (queueing behind a slow answer counts; no
// coordinated omission). autocannon's rate limit sends each second's quota in one burst, and
// node:http's client costs the server's CPU on this two-core machine, so this is a minimal
// HTTP/1.1 keep-alive client: pre-signed requests written to idle sockets, answers read by
// Content-Length. The first WARMUP_SEC seconds run at the same rate but are not measured.
// Usage: paced-load.ts '{"url","connections","durationSec","rate","secret"}' → one JSON line.
import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { takeResponse } from './http-wire.js';
import { signedEvent } from './signed-event.js';

interface Spec {
  url: string;
  connections: number;
  durationSec: number;
  rate: number;
  secret: string;
}

const WARMUP_SEC = 2;
const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const target = new URL(spec.url);

interface Conn {
  socket: Socket;
  busy: boolean;
  dueAt: number;
  buffer: Buffer;
}

const latencies: number[] = [];
const queue: number[] = []; // due times of requests waiting for an idle connection
const idle: Conn[] = [];
let ok2xx = 0;
let non2xx = 0;
let errors = 0;
let completed = 0;
let bodyBytes = 0;
let measureFrom = Infinity;

function requestBytes(): Buffer {
  const body = signedEvent();
  bodyBytes = Buffer.byteLength(body);
  const signature = createHmac('sha256', spec.secret).update(body).digest('hex');
  return Buffer.from(
    `POST /ingest/webhook HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: application/json\r\n` +
      `content-length: ${bodyBytes}\r\nx-genesys-webhook-signature: ${signature}\r\n\r\n${body}`,
  );
}

function dispatch(): void {
  while (queue.length > 0 && idle.length > 0) {
    const conn = idle.pop()!;
    conn.busy = true;
    conn.dueAt = queue.shift()!;
    conn.socket.write(requestBytes());
  }
}

function onData(conn: Conn, chunk: Buffer): void {
  const status = takeResponse(conn, chunk);
  if (status === undefined) return;
  if (status >= 200 && status < 300) ok2xx++;
  else non2xx++;
  if (conn.dueAt >= measureFrom) latencies.push(performance.now() - conn.dueAt);
  completed++;
  conn.busy = false;
  idle.push(conn);
  dispatch();
}

async function open(): Promise<Conn> {
  const socket = connect(Number(target.port), target.hostname);
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) =>
    socket.once('connect', resolve).once('error', reject),
  );
  const conn: Conn = { socket, busy: false, dueAt: 0, buffer: Buffer.alloc(0) };
  socket.on('data', (chunk: Buffer) => onData(conn, chunk));
  socket.on('error', () => errors++);
  return conn;
}

idle.push(...(await Promise.all(Array.from({ length: spec.connections }, open))));
const start = performance.now();
measureFrom = start + WARMUP_SEC * 1000;
const total = Math.round(spec.rate * (spec.durationSec + WARMUP_SEC));
let scheduled = 0;
await new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * spec.rate));
    while (scheduled < due) queue.push(start + (scheduled++ * 1000) / spec.rate);
    dispatch();
    if (scheduled >= total) {
      clearInterval(tick);
      resolve();
    }
  }, 1);
});
const deadline = performance.now() + 30_000;
while (completed + errors < total && performance.now() < deadline) {
  await new Promise((r) => setTimeout(r, 5));
}
for (const conn of idle) conn.socket.destroy();

latencies.sort((a, b) => a - b);
const pick = (q: number) =>
  Number(
    (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1),
  );
console.log(
  JSON.stringify({
    rps: latencies.length / spec.durationSec,
    total: scheduled,
    ok2xx,
    non2xx,
    errors,
    timeouts: total - completed - errors,
    p50: pick(0.5),
    p99: pick(0.99),
    bodyBytes,
  }),
);
