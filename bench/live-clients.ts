/**
 * The client side of the live fan-out bench, in its own process. The clients are split over
 * CLIENT_THREADS worker threads (bench/live-client-thread.ts: `ws` on Switchboard, socket.io-client
 * on the Socket.IO peer, every message JSON-parsed) so that parsing is not capped at one core; the
 * event generator is another worker (bench/live-generator.ts), so a busy client thread never
 * delays the moment an ack is seen. All threads read the same monotonic clock.
 *
 * 1. Latency: open loop at `rate` events/s. Each event moves one agent to a new routing status
 *    at a unique `startTime`, which comes back as the view's `routingSince` and names the event;
 *    a delivery's latency is its receive time minus the ack time (the 200) of the request that
 *    carried the event. The first `warmupSec` are not measured; afterwards the run waits until
 *    every interested client has every measured event (or 5 s pass) and reports the count.
 * 2. Saturation: closed loop gated by the slowest wallboard (see the generator). Counted over
 *    `saturationSec` after `warmupSec`: agent views delivered (one agent view reaching one
 *    client), all entity views (agents + queue tiles), and WebSocket messages.
 *
 * Usage: live-clients.ts '<Spec JSON>' → one JSON line (LiveClientsResult) on stdout.
 */
import { readFileSync } from 'node:fs';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { ServerStats } from './live-server-stats.js';
import { agentOfSeq, buildOrg, clientFilters, interestedClients } from './live-org.js';
import {
  BATCH,
  COUNTERS,
  COUNTER_SLOTS,
  MEASURE_FROM,
  RECORDING,
  nowMs,
  tsWorker,
  type ClientThreadCommand,
  type ClientThreadData,
  type GeneratorCommand,
  type GeneratorData,
  type GeneratorReport,
  type Recorded,
  type Spec,
} from './live-threads.js';

/** Cores used during a phase, and how busy the client threads' event loops were (0–1). */
export interface Usage {
  serverCpu: number;
  /** This process: client threads and generator. */
  clientCpu: number;
  /** The busiest client thread's event-loop utilization. */
  clientLoop: number;
  /** Cores busy with other processes on the machine meanwhile. */
  otherCpu: number;
}

export interface LiveClientsResult {
  system: Spec['system'];
  clients: number;
  connectSec: number;
  latency: Usage & {
    /** Events in the measured window, and how many of them were sent (the rest: too slow). */
    events: number;
    sent: number;
    non2xx: number;
    deliveries: number;
    expected: number;
    p50: number;
    p99: number;
    max: number;
    /** From when the request was due (open loop) instead of its ack. */
    dueP99: number;
    /** Due → ack of the ingest requests. */
    ackP99: number;
    agentUpdatesPerSec: number;
    entityUpdatesPerSec: number;
    messagesPerSec: number;
    server: ServerStats;
  };
  saturation: Usage & {
    sec: number;
    eventsPerSec: number;
    agentUpdatesPerSec: number;
    entityUpdatesPerSec: number;
    messagesPerSec: number;
    non2xx: number;
    server: ServerStats;
  };
}

const CLIENT_THREADS = Number(process.env.BENCH_LIVE_CLIENT_THREADS ?? 2);
const CAP = 1_000_000;
/** Latency of a delivery that never happened. */
const LOST = 1e9;

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const log = (m: string) => process.stderr.write(`bench: live ${spec.system}: ${m}\n`);
checkFdLimit(spec.clients + 1000);

const org = buildOrg();
const filters = clientFilters(spec.clients, spec.mix);
const interested = interestedClients(org, filters);
const counters = new Float64Array(new SharedArrayBuffer(CLIENT_THREADS * COUNTER_SLOTS * 8));
const control = new Int32Array(new SharedArrayBuffer(8));
control[MEASURE_FROM] = 2 ** 31 - 1;
const maxSeq = new Int32Array(new SharedArrayBuffer(spec.clients * 4)).fill(-1);
const dueAt = new Float64Array(new SharedArrayBuffer(CAP * 8));
const ackAt = new Float64Array(new SharedArrayBuffer(CAP * 8)).fill(NaN);

// Clients are dealt round-robin, so every thread gets its share of each filter kind.
const threads: Worker[] = [];
for (let row = 0; row < CLIENT_THREADS; row++) {
  threads.push(
    tsWorker(new URL('./live-client-thread.ts', import.meta.url), {
      spec,
      threads: CLIENT_THREADS,
      row,
      counters: counters.buffer,
      control: control.buffer,
      maxSeq: maxSeq.buffer,
    } satisfies ClientThreadData),
  );
}
const generator = tsWorker(new URL('./live-generator.ts', import.meta.url), {
  url: spec.url,
  runId: spec.runId,
  dueAt: dueAt.buffer,
  ackAt: ackAt.buffer,
  maxSeq: maxSeq.buffer,
  walls: filters.flatMap((f, k) => (f.kind === 'wall' ? [k] : [])),
} satisfies GeneratorData);
for (const w of [...threads, generator]) {
  w.on('error', (err) => {
    process.stderr.write(`${err.stack ?? String(err)}\n`);
    process.exit(1);
  });
}

function ask<T>(w: Worker, message: ClientThreadCommand | GeneratorCommand): Promise<T> {
  return new Promise((resolve) => {
    w.once('message', resolve);
    w.postMessage(message);
  });
}

const total = (slot: number) => {
  let n = 0;
  for (let row = 0; row < CLIENT_THREADS; row++) n += counters[row * COUNTER_SLOTS + slot]!;
  return n;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * CPU seconds used so far by the server process, by this one and by the whole machine, from
 * /proc in 1/100 s ticks (what other processes take shows how noisy a measurement was), and the
 * client threads' event-loop counters.
 */
async function usage() {
  const ticks = (file: string) => {
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const all = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  // cpu user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
  const busy = [1, 2, 3, 6, 7, 8].reduce((sum, i) => sum + Number(all[i]), 0) / 100;
  return {
    server: ticks(`/proc/${spec.serverPid}/stat`),
    client: ticks('/proc/self/stat'),
    machine: busy,
    elu: await Promise.all(threads.map((w) => ask<EventLoopUtilization>(w, 'elu'))),
    at: nowMs(),
  };
}

type Sample = Awaited<ReturnType<typeof usage>>;

function share(a: Sample, b: Sample): Usage {
  const sec = (b.at - a.at) / 1000;
  const server = (b.server - a.server) / sec;
  const client = (b.client - a.client) / sec;
  const loops = b.elu.map((e, i) => {
    const active = e.active - a.elu[i]!.active;
    return active / (active + e.idle - a.elu[i]!.idle);
  });
  return {
    serverCpu: round2(server),
    clientCpu: round2(client),
    clientLoop: round2(Math.max(...loops)),
    otherCpu: round2(Math.max(0, (b.machine - a.machine) / sec - server - client)),
  };
}

/**
 * The server's fan-out timings since the last call (which it resets); `profile` names a CPU
 * profile of the server to take until the next call (when BENCH_LIVE_PROFILE is set).
 */
async function serverStats(profile?: string): Promise<ServerStats> {
  const res = await fetch(`${spec.statsUrl}${profile ? `?profile=${spec.system}-${profile}` : ''}`);
  return (await res.json()) as ServerStats;
}

function pick(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
}

/** Open loop at spec.rate events/s; latency of every delivery of the measured events. */
async function latencyPhase(): Promise<LiveClientsResult['latency']> {
  const firstMeasured = Math.round((spec.rate * spec.warmupSec) / BATCH) * BATCH;
  const lastSeq = Math.round((spec.rate * (spec.warmupSec + spec.latencySec)) / BATCH) * BATCH;
  const expectedUpTo = (end: number) => {
    let n = 0;
    for (let s = firstMeasured; s < end; s++) n += interested[agentOfSeq(org, s)]!;
    return n;
  };
  control[MEASURE_FROM] = firstMeasured;
  control[RECORDING] = 1;
  const counts = () => [COUNTERS.messages, COUNTERS.agentUpdates, COUNTERS.queueUpdates].map(total);
  const warm = sleep(spec.warmupSec * 1000).then(async () => ({
    usage: await usage(),
    counts: counts(),
    server: await serverStats('latency'),
  }));
  const report = await ask<GeneratorReport>(generator, {
    cmd: 'paced',
    rate: spec.rate,
    events: lastSeq,
    graceSec: 3,
  });
  const from = await warm;
  const to = { usage: await usage(), counts: counts(), server: await serverStats() };
  // Wait for what was sent to be acked and delivered everywhere it should be.
  const sentExpected = expectedUpTo(Math.min(lastSeq, report.sent));
  const deadline = nowMs() + 5000;
  while (
    (report.acked < report.sent || total(COUNTERS.measured) < sentExpected) &&
    nowMs() < deadline
  ) {
    await sleep(50);
    Object.assign(report, await ask(generator, { cmd: 'report' }));
  }
  control[RECORDING] = 0;
  const fromAck: number[] = [];
  const fromDue: number[] = [];
  for (const { seq, at } of await Promise.all(threads.map((w) => ask<Recorded>(w, 'recorded')))) {
    for (let i = 0; i < seq.length; i++) {
      const s = seq[i]!;
      if (s < firstMeasured || s >= lastSeq) continue;
      fromAck.push(at[i]! - ackAt[s]!);
      fromDue.push(at[i]! - dueAt[s]!);
    }
  }
  const acks: number[] = [];
  for (let s = firstMeasured; s < lastSeq; s += BATCH) acks.push(ackAt[s]! - dueAt[s]!);
  // Deliveries that never happened (the event was not sent, acked or delivered in time) count
  // as lost: they sort last, so a p99 over fewer than 99 % of the expected deliveries is "lost".
  const expected = expectedUpTo(lastSeq);
  const deliveries = fromAck.length;
  const sorted = (xs: number[], n: number) => {
    const out = new Float64Array(Math.max(n, xs.length)).fill(LOST);
    xs.forEach((x, i) => (out[i] = Number.isNaN(x) ? LOST : x));
    return out.sort();
  };
  const a = sorted(fromAck, expected);
  const sec = (to.usage.at - from.usage.at) / 1000;
  const rate = (i: number) => Math.round((to.counts[i]! - from.counts[i]!) / sec);
  return {
    events: lastSeq - firstMeasured,
    sent: Math.max(0, Math.min(lastSeq, report.sent) - firstMeasured),
    non2xx: report.non2xx,
    deliveries,
    expected,
    p50: pick(a, 0.5),
    p99: pick(a, 0.99),
    max: pick(a, 1),
    dueP99: pick(sorted(fromDue, expected), 0.99),
    ackP99: pick(sorted(acks, acks.length), 0.99),
    agentUpdatesPerSec: rate(1),
    entityUpdatesPerSec: rate(1) + rate(2),
    messagesPerSec: rate(0),
    server: to.server,
    ...share(from.usage, to.usage),
  };
}

/** Events acked so far: acks fill the array batch by batch. */
function ackedEvents(): number {
  let n = 0;
  for (let s = 0; s < CAP; s += BATCH) if (!Number.isNaN(ackAt[s]!)) n += BATCH;
  return n;
}

/** Closed loop through the pipeline, gated by the slowest wallboard. */
async function saturationPhase(): Promise<LiveClientsResult['saturation']> {
  const non2xxBefore = (await ask<GeneratorReport>(generator, { cmd: 'report' })).non2xx;
  const done = ask<GeneratorReport>(generator, {
    cmd: 'closed',
    sec: spec.warmupSec + spec.saturationSec,
  });
  await sleep(spec.warmupSec * 1000);
  const counts = () => [COUNTERS.messages, COUNTERS.agentUpdates, COUNTERS.queueUpdates].map(total);
  const from = await usage();
  const before = counts();
  const ackedBefore = ackedEvents();
  // A saturated server may answer its stats port late: never wait for it inside the window.
  const reset = serverStats('saturation');
  await sleep(spec.saturationSec * 1000);
  const to = await usage();
  const after = counts();
  const ackedAfter = ackedEvents();
  await reset;
  const server = await serverStats();
  const report = await done;
  const sec = (to.at - from.at) / 1000;
  const rate = (i: number) => Math.round((after[i]! - before[i]!) / sec);
  return {
    sec: round(sec),
    eventsPerSec: Math.round((ackedAfter - ackedBefore) / sec),
    agentUpdatesPerSec: rate(1),
    entityUpdatesPerSec: rate(1) + rate(2),
    messagesPerSec: rate(0),
    non2xx: report.non2xx - non2xxBefore,
    server,
    ...share(from, to),
  };
}

function checkFdLimit(need: number): void {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const m = /^Max open files\s+(\d+)/m.exec(limits);
  if (m && Number(m[1]) < need) {
    throw new Error(
      `open-file limit ${m[1]} < ${need}: raise it (ulimit -n / prlimit) before running the bench`,
    );
  }
}

const t0 = nowMs();
const progress = setInterval(() => log(`${total(COUNTERS.ready)}/${spec.clients} snapshots`), 5000);
await Promise.all(threads.map((w) => ask(w, 'connect')));
clearInterval(progress);
const connectSec = round((nowMs() - t0) / 1000);
const ready = total(COUNTERS.ready);
const failed = total(COUNTERS.failed);
log(`${ready} clients ready in ${connectSec} s (${failed} failed)`);
if (failed > 0) throw new Error(`${failed} clients failed to connect`);
log(`latency at ${spec.rate} events/s`);
const latency = await latencyPhase();
log('saturation');
const saturation = await saturationPhase();
const result: LiveClientsResult = {
  system: spec.system,
  clients: ready,
  connectSec,
  latency,
  saturation,
};
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
