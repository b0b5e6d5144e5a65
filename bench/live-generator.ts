/**
 * The event generator of the live fan-out bench: a worker thread of the client process (one
 * clock, `process.hrtime`, shared with the clients), so parsing 10,000 clients' messages on
 * other threads never delays the moment an ack is seen. It posts EventBridge batches of BATCH
 * `routingStatus` envelopes over minimal keep-alive HTTP/1.1 (pre-opened sockets, answers read
 * by Content-Length) and writes each event's due time and ack time into shared arrays.
 *
 * - `{ cmd: 'paced', rate, events, graceSec }`: open loop: request i is due at start + i·BATCH/rate
 *   whatever the server does (queueing behind slow answers counts; no coordinated omission).
 *   What a server too slow to take has not been sent `graceSec` after the schedule ends, never is.
 * - `{ cmd: 'closed', sec }`: closed loop through the whole pipeline: every idle connection sends
 *   at once, as long as fewer than WINDOW events are ahead of the slowest wallboard (wallboards
 *   receive every agent; the client threads record the highest event each has seen), so the rate
 *   is what ingest, fan-out and the clients sustain together, without a backlog piling up.
 * Each command answers `{ sent, acked, non2xx }` when done; `{ cmd: 'report' }` answers at once.
 */
import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { takeResponse } from './http-wire.js';
import { API_KEY, buildOrg, routingEnvelope } from './live-org.js';
import {
  BATCH,
  nowMs,
  type GeneratorCommand,
  type GeneratorData,
  type GeneratorReport,
} from './live-threads.js';

// Enough connections that the sender is never what limits a run (acks can take hundreds of ms).
const HTTP_CONNECTIONS = 128;
/** Events the closed loop may have ahead of the slowest wallboard (~1–2 s of pipeline). */
const WINDOW = 2000;

interface Conn {
  socket: Socket;
  from: number;
  to: number;
  buffer: Buffer;
}

const port = parentPort!;
const data = workerData as GeneratorData;
const org = buildOrg();
const dueAt = new Float64Array(data.dueAt);
const ackAt = new Float64Array(data.ackAt);
const maxSeq = new Int32Array(data.maxSeq);
const target = new URL(data.url);
const idle: Conn[] = [];
let nextSeq = 0;
let acked = 0;
let non2xx = 0;
let onAck: () => void = () => undefined;

const send = (conn: Conn, due: number) => {
  const from = nextSeq;
  const to = (nextSeq += BATCH);
  const parts: string[] = [];
  for (let s = from; s < to; s++) {
    parts.push(routingEnvelope(org, s, data.runId));
    dueAt[s] = due;
  }
  const body = `[${parts.join(',')}]`;
  conn.from = from;
  conn.to = to;
  conn.socket.write(
    `POST /ingest/eventbridge HTTP/1.1\r\nhost: ${target.host}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-api-key: ${API_KEY}\r\n\r\n${body}`,
  );
};

const onData = (conn: Conn, chunk: Buffer) => {
  const status = takeResponse(conn, chunk);
  if (status === undefined) return;
  const now = nowMs();
  if (status === 200) {
    for (let s = conn.from; s < conn.to; s++) ackAt[s] = now;
    acked += conn.to - conn.from;
  } else non2xx++;
  idle.push(conn);
  onAck();
};

const open = async (): Promise<Conn> => {
  const socket = connect(Number(target.port), target.hostname);
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) =>
    socket.once('connect', resolve).once('error', reject),
  );
  const conn: Conn = { socket, from: 0, to: 0, buffer: Buffer.alloc(0) };
  socket.on('data', (chunk: Buffer) => onData(conn, chunk));
  return conn;
};

const report = () => port.postMessage({ sent: nextSeq, acked, non2xx } satisfies GeneratorReport);

const paced = (rate: number, events: number, graceSec: number) => {
  const interval = (1000 * BATCH) / rate;
  const total = Math.ceil(events / BATCH);
  const queue: number[] = [];
  const dispatch = () => {
    while (queue.length > 0 && idle.length > 0) send(idle.pop()!, queue.shift()!);
  };
  onAck = dispatch;
  const start = nowMs();
  // A server that falls behind has `graceSec` to take what is due; the rest is never sent.
  const end = start + total * interval + graceSec * 1000;
  let scheduled = 0;
  const tick = setInterval(() => {
    const now = nowMs();
    const due = Math.min(total, Math.floor((now - start) / interval) + 1);
    while (scheduled < due) queue.push(start + scheduled++ * interval);
    dispatch();
    if ((scheduled >= total && queue.length === 0) || now > end) {
      queue.length = 0;
      clearInterval(tick);
      report();
    }
  }, 1);
};

const closed = (sec: number) => {
  const gate = () => {
    let min = Infinity;
    for (const k of data.walls) min = Math.min(min, maxSeq[k]!);
    return data.walls.length === 0 ? nextSeq : min;
  };
  let running = true;
  const pump = () => {
    while (running && idle.length > 0 && nextSeq - gate() < WINDOW) send(idle.pop()!, nowMs());
  };
  onAck = pump;
  const tick = setInterval(pump, 1);
  setTimeout(() => {
    running = false;
    clearInterval(tick);
    report();
  }, sec * 1000);
};

const ready = Promise.all(Array.from({ length: HTTP_CONNECTIONS }, open)).then((conns) => {
  idle.push(...conns);
});
port.on('message', (c: GeneratorCommand) => {
  void ready.then(() => {
    if (c.cmd === 'paced') paced(c.rate, c.events, c.graceSec);
    else if (c.cmd === 'closed') closed(c.sec);
    else report();
  });
});
