/**
 * A worker thread of the live-bench client process holding a share of the clients: `ws`
 * WebSockets on Switchboard's `/api/v1/live`, or socket.io-client (WebSocket transport only) on
 * the Socket.IO peer. Every message is JSON-parsed (here for `ws`, by socket.io-client's decoder
 * for Socket.IO); each agent view is matched to the bench event it carries by `routingSince`,
 * and its receive time recorded while the coordinator says so. Counts go to shared memory.
 *
 * Commands (each answered once): `'connect'` (opens the clients a few hundred at a time and
 * answers when every snapshot is in), `'elu'` (the thread's event-loop utilization so far),
 * `'recorded'` (the (seq, time) pairs recorded, transferred, then forgotten), `'close'`.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { io, type Socket as IoSocket } from 'socket.io-client';
import WebSocket from 'ws';
import type { AgentView, LiveMessage } from '../src/protocol/live-messages.js';
import { clientFilters, seqOfRoutingSince } from './live-org.js';
import {
  COUNTERS,
  COUNTER_SLOTS,
  MEASURE_FROM,
  RECORDING,
  nowMs,
  type ClientThreadCommand,
  type ClientThreadData,
} from './live-threads.js';

const CONNECT_CONCURRENCY = 100;
const RECORD_CAP = 4_000_000;

const data = workerData as ClientThreadData;
const { spec } = data;
const port = parentPort!;
const filters = clientFilters(spec.clients, spec.mix);
const counters = new Float64Array(data.counters).subarray(
  data.row * COUNTER_SLOTS,
  (data.row + 1) * COUNTER_SLOTS,
);
const control = new Int32Array(data.control);
const maxSeq = new Int32Array(data.maxSeq);
let recSeq = new Int32Array(RECORD_CAP);
let recAt = new Float64Array(RECORD_CAP);
let recN = 0;

function onAgent(k: number, a: { routingSince?: string | null }, now: number): void {
  counters[COUNTERS.agentUpdates]!++;
  const seq = seqOfRoutingSince(a.routingSince ?? undefined);
  if (!(seq >= 0)) return;
  if (seq > maxSeq[k]!) maxSeq[k] = seq;
  if (seq >= control[MEASURE_FROM]!) counters[COUNTERS.measured]!++;
  if (control[RECORDING] === 1 && recN < RECORD_CAP) {
    recSeq[recN] = seq;
    recAt[recN++] = now;
  }
}

const closers: (() => void)[] = [];

function openSwitchboard(k: number, done: (ok: boolean) => void): void {
  const base = spec.url.replace(/^http/, 'ws');
  const query = filters[k]!.query;
  const ws = new WebSocket(`${base}/api/v1/live${query ? `?${query}` : ''}`, {
    perMessageDeflate: false,
  });
  let snapshot = false;
  ws.on('message', (raw: Buffer) => {
    const msg = JSON.parse(raw.toString('utf8')) as LiveMessage;
    if (msg.type === 'delta') {
      counters[COUNTERS.messages]!++;
      const now = nowMs();
      if (msg.agents) for (const a of msg.agents) onAgent(k, a, now);
      // Known agents come as patches: the changed fields, routingSince among them.
      if (msg.patches?.agents) for (const a of msg.patches.agents) onAgent(k, a, now);
      if (msg.queues) counters[COUNTERS.queueUpdates]! += msg.queues.length;
      if (msg.patches?.queues) counters[COUNTERS.queueUpdates]! += msg.patches.queues.length;
    } else if (msg.type === 'snapshot' && !snapshot) {
      snapshot = true;
      done(true);
    }
  });
  const fail = () => {
    if (snapshot) return;
    snapshot = true;
    done(false);
  };
  ws.on('error', fail);
  ws.on('close', fail);
  closers.push(() => ws.terminate());
}

function openSocketIo(k: number, done: (ok: boolean) => void): void {
  const socket: IoSocket = io(spec.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    query: Object.fromEntries(new URLSearchParams(filters[k]!.query)),
  });
  let snapshot = false;
  socket.on('snapshot', () => {
    if (snapshot) return;
    snapshot = true;
    done(true);
  });
  socket.on('agent', (a: AgentView) => {
    counters[COUNTERS.messages]!++;
    onAgent(k, a, nowMs());
  });
  socket.on('queue', () => {
    counters[COUNTERS.messages]!++;
    counters[COUNTERS.queueUpdates]!++;
  });
  const fail = () => {
    if (snapshot) return;
    snapshot = true;
    done(false);
  };
  socket.on('connect_error', fail);
  socket.on('disconnect', fail);
  closers.push(() => socket.disconnect());
}

async function connectAll(): Promise<void> {
  const open = spec.system === 'switchboard' ? openSwitchboard : openSocketIo;
  const mine: number[] = [];
  for (let k = data.row; k < spec.clients; k += data.threads) mine.push(k);
  let next = 0;
  let settled = 0;
  await new Promise<void>((resolve) => {
    const more = () => {
      if (settled === mine.length) return resolve();
      if (next < mine.length) open(mine[next++]!, onDone);
    };
    const onDone = (ok: boolean) => {
      settled++;
      counters[ok ? COUNTERS.ready : COUNTERS.failed]!++;
      more();
    };
    for (let i = 0; i < CONNECT_CONCURRENCY; i++) more();
  });
}

port.on('message', (cmd: ClientThreadCommand) => {
  if (cmd === 'connect') {
    void connectAll().then(() => port.postMessage('connected'));
  } else if (cmd === 'elu') {
    port.postMessage(performance.eventLoopUtilization());
  } else if (cmd === 'recorded') {
    const seq = recSeq.slice(0, recN);
    const at = recAt.slice(0, recN);
    recSeq = new Int32Array(0);
    recAt = new Float64Array(0);
    recN = 0;
    port.postMessage({ seq, at }, [seq.buffer, at.buffer]);
  } else {
    for (const close of closers) close();
    port.postMessage('closed');
  }
});
