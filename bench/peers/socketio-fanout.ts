/**
 * The Socket.IO baseline for the live fan-out bench (the integration guides' choice for pushing
 * to browsers): a plain node:http server takes the same EventBridge batches as Switchboard's
 * `POST /ingest/eventbridge` (same API-key header), folds them with the same projection code
 * (LiveState, so views are byte-for-byte the same shape and size), and emits every changed entity
 * once per request with rooms: an agent to `user:<id>`, `team:<t>`, `queue:<q>` for each of its
 * queues and `agents:all`; a queue tile to `qtile:<q>` and `queues:all`. A client joins the rooms
 * its filter (the live hub's query string, sent as the handshake query) asks for, and gets a
 * snapshot of what it follows on connect. No durable log: the 200 comes after the emits.
 * Prints `listening <port> stats <port>` (bench/live-server-stats.ts, each request's emits timed).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { scanJson } from '../../src/sources/normalize/json-scan.js';
import { normalizeEvent } from '../../src/sources/normalize/normalize.js';
import { LiveState } from '../../src/projection/live-state.js';
import type { AgentView, QueueView } from '../../src/protocol/live-messages.js';
import { API_KEY, buildOrg, seedEvents } from '../live-org.js';
import { startStatsServer } from '../live-server-stats.js';

const stats = await startStatsServer();
const state = new LiveState({ serviceLevelThresholdSec: 20, windowMinutes: 30, now: Date.now });
let offset = 0;
for (const e of seedEvents(buildOrg())) state.apply({ ...e, offset: ++offset });
state.drainChanges();

// Current views for snapshots, kept up to date from each request's changes.
const agents = new Map<string, AgentView>(state.agents().map((a) => [a.id, a]));
const queues = new Map<string, QueueView>(state.queues().map((q) => [q.id, q]));
const byTeam = new Map<string, string[]>();
const byQueue = new Map<string, string[]>();
for (const a of agents.values()) {
  if (a.teamId !== undefined) push(byTeam, a.teamId, a.id);
  for (const q of a.queueIds) push(byQueue, q, a.id);
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function answer(res: ServerResponse, status: number, body: string): void {
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    })
    .end(body);
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/ingest/eventbridge') {
    answer(res, 404, '{"code":"not found"}');
    return;
  }
  void readBody(req).then((body) => {
    if (req.headers['x-api-key'] !== API_KEY) {
      answer(res, 401, '{"code":"unauthorized"}');
      return;
    }
    const scan = scanJson(body, 64);
    if (!scan.ok || !scan.array) {
      answer(res, 400, '{"code":"bad body"}');
      return;
    }
    const ctx = {
      source: 'eventbridge' as const,
      receivedAt: new Date().toISOString(),
      idKeys: [],
    };
    for (const [start, end] of scan.elements) {
      const raw = body.subarray(start, end);
      const event = normalizeEvent(raw, JSON.parse(raw.toString('utf8')) as never, ctx);
      state.apply({ ...event, offset: ++offset });
    }
    const changes = state.drainChanges();
    stats.time(() => {
      for (const a of changes.agents) {
        agents.set(a.id, a);
        const rooms = [`user:${a.id}`, 'agents:all', ...a.queueIds.map((q) => `queue:${q}`)];
        if (a.teamId !== undefined) rooms.push(`team:${a.teamId}`);
        io.to(rooms).emit('agent', a);
      }
      for (const q of changes.queues) {
        queues.set(q.id, q);
        io.to([`qtile:${q.id}`, 'queues:all']).emit('queue', q);
      }
    });
    answer(res, 200, `{"accepted":${scan.elements.length},"duplicates":0}`);
  });
});

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  httpCompression: false,
});

const list = (v: unknown): string[] | undefined =>
  typeof v === 'string' && v !== '' ? v.split(',') : undefined;

io.on('connection', (socket: Socket) => {
  const query = socket.handshake.query;
  const kinds = new Set(list(query.kinds) ?? ['agents', 'queues', 'toasts']);
  const users = list(query.users);
  const teams = list(query.teams);
  const queueIds = list(query.queues);
  const rooms: string[] = [];
  const snapAgents = new Set<string>();
  if (kinds.has('agents')) {
    if (!users && !teams && !queueIds) {
      rooms.push('agents:all');
      for (const id of agents.keys()) snapAgents.add(id);
    }
    for (const u of users ?? []) {
      rooms.push(`user:${u}`);
      snapAgents.add(u);
    }
    for (const t of teams ?? []) {
      rooms.push(`team:${t}`);
      for (const id of byTeam.get(t) ?? []) snapAgents.add(id);
    }
    for (const q of queueIds ?? []) {
      rooms.push(`queue:${q}`);
      for (const id of byQueue.get(q) ?? []) snapAgents.add(id);
    }
  }
  const snapQueues: QueueView[] = [];
  if (kinds.has('queues')) {
    if (queueIds) {
      for (const q of queueIds) {
        rooms.push(`qtile:${q}`);
        const view = queues.get(q);
        if (view) snapQueues.push(view);
      }
    } else {
      rooms.push('queues:all');
      snapQueues.push(...queues.values());
    }
  }
  void socket.join(rooms);
  socket.emit('snapshot', {
    type: 'snapshot',
    offset,
    agents: [...snapAgents].flatMap((id) => agents.get(id) ?? []),
    queues: snapQueues,
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`listening ${port} stats ${stats.port}\n`);
});
process.on('SIGTERM', () => {
  void io.close();
  server.close();
  process.exit(0);
});
