/**
 * `npm run soak -- --minutes N` (default 10; CI runs 2): the gateway as shipped, in a child
 * process, under steady signed ingest and a churning crowd of live clients, sampled every 5 s
 * from outside, and asserted flat (bench/soak/verdict.ts).
 *
 * - Ingest: the emulator's floor (bench/soak/floor.ts) at `--rate` events/s (default 500), as
 *   single signed webhook POSTs; 1 % resent a few seconds later, which must be duplicates.
 * - Live: `--clients` (default 1,000) connected at any time, each for 1–20 s, WebSocket and SSE,
 *   filtered and not, some pinging, some resuming; plus `--slow-readers` that never read.
 * - Samples: RSS, open files and CPU (/proc), heap and Buffers after a full collection (the
 *   inspector), event-loop delay p99 and live clients (/metrics), /healthz latency, ingest.
 * - At the end, with every client gone: open files back where they started, every acked event
 *   stored exactly once (read back through GET /api/v1/events), a clean shutdown.
 *
 * Prints a summary, writes soak-result.json (every sample) and exits 1 when a check failed.
 * Options: --rate, --clients, --slow-readers, --agents, --queues; --keep keeps the data
 * directory; --snapshots writes heap snapshots after the warm-up and at the end (to diff a
 * leak in Chrome DevTools; each one pauses the gateway).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fixed } from './soak/analysis.js';
import { Floor } from './soak/floor.js';
import { openFds, startGatewayChild, type GatewayChild } from './soak/gateway-child.js';
import { Ingest } from './soak/ingest.js';
import { LivePool } from './soak/live-pool.js';
import { Sampler, metric, type Sample } from './soak/sampler.js';
import { boundsFor, verdict, type SoakRun } from './soak/verdict.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '500' },
    clients: { type: 'string', default: '1000' },
    'slow-readers': { type: 'string', default: '3' },
    agents: { type: 'string', default: '1000' },
    queues: { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    snapshots: { type: 'boolean', default: false },
  },
});
const num = (name: 'minutes' | 'rate' | 'clients' | 'slow-readers' | 'agents' | 'queues') => {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0`);
  return n;
};
const MINUTES = num('minutes');
if (MINUTES < 0.5) throw new Error('--minutes must be at least 0.5');
const RATE = num('rate');
const CLIENTS = num('clients');
const SLOW_READERS = num('slow-readers');
const AGENTS = num('agents');
const QUEUES = num('queues');
const SAMPLE_MS = 5000;
const DURATION_MS = MINUTES * 60_000;
const WARMUP_MS = DURATION_MS * 0.2;
/** Resends come 1–5 s after the ack; the horizon leaves room for a slow commit on top. */
const DEDUPE_HORIZON_MS = 20_000;

const log = (m: string) => process.stderr.write(`soak: ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const root = mkdtempSync(join(tmpdir(), 'sb-soak-'));
const dataDir = join(root, 'data');
mkdirSync(dataDir);
const secret = randomBytes(24).toString('base64url');
const runId = randomBytes(4).toString('hex');
const failures: string[] = [];
const server5xx: Record<string, number> = {};
const countStatus = (where: string, status: number) => {
  if (status >= 500) server5xx[where] = (server5xx[where] ?? 0) + 1;
};

/**
 * The gateway's settings: the shipped defaults, except that each bounded buffer that would
 * take longer than the warm-up to fill is made smaller, so that what the slopes measure is
 * growth without a bound, not a buffer filling up to its configured size.
 */
function gatewayConfig(floorUrl: string): unknown {
  return {
    server: { host: '127.0.0.1', port: 0 },
    dataDir,
    log: {
      // The dedupe index holds every id of the horizon (24 h by default): at 500 events/s it
      // grows for a day, by design. Pruned every 5 s instead of every minute.
      dedupeHorizonMs: DEDUPE_HORIZON_MS,
      retention: { intervalMs: 5000 },
    },
    live: {
      // The resume window (100,000 changes by default) would take many minutes to fill.
      historyChanges: 2000,
      // Queue windows hold 30 min of event time; the floor runs about 10× real time.
      windowMinutes: 2,
    },
    // Seeds agents, teams and queue memberships at start from the floor's REST API.
    genesys: { clientId: 'demo-client', clientSecret: 'demo-secret', apiBase: floorUrl },
    // The soak drives ingest itself (signed pushes at a set rate); the stream would add the
    // floor's own events on top and change the load it measures.
    source: { mode: 'push' },
    logging: { level: 'warn' },
  };
}

async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(250);
  }
  log(`gave up waiting for ${what} after ${ms / 1000} s`);
  return false;
}

/** Pages through the whole log: how many times each of this run's ids is stored. */
async function storedIds(url: string): Promise<Map<string, number>> {
  // Ids are `topic:soak-<run>-<n>` (the gateway's rule for notifications).
  const mark = `:soak-${runId}-`;
  const seen = new Map<string, number>();
  let after = 0;
  for (;;) {
    const res = await fetch(`${url}/api/v1/events?after=${after}&limit=1000`);
    countStatus('/api/v1/events', res.status);
    if (!res.ok) throw new Error(`GET /api/v1/events answered ${res.status}`);
    const page = (await res.json()) as { events: { id: string }[]; next: number };
    for (const e of page.events) {
      if (e.id.includes(mark)) seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
    }
    if (page.next <= after) return seen;
    after = page.next;
  }
}

async function snapshot(gw: GatewayChild, name: string): Promise<void> {
  const file = join(root, `${name}.heapsnapshot`);
  await gw.inspector.heapSnapshot(file);
  log(`heap snapshot ${file}`);
}

/** Ingest and clients for the run, sampled; then drained, read back and judged. */
async function soak(gw: GatewayChild, floor: Floor): Promise<SoakRun> {
  const { url, pid } = gw;
  log(`gateway ${url} (pid ${pid}); waiting for the reconcile to seed ${AGENTS} agents`);
  const seeded = await waitFor('the reconcile', 120_000, async () => {
    const res = await fetch(`${url}/api/v1/agents`);
    countStatus('/api/v1/agents', res.status);
    return res.ok && ((await res.json()) as { agents: unknown[] }).agents.length >= AGENTS;
  });
  if (!seeded) throw new Error('the gateway never showed the seeded agents');
  const fdsBefore = openFds(pid);

  const ingest = new Ingest({
    url,
    secret,
    rate: RATE,
    runId,
    next: () => floor.next(),
    resendRatio: 0.01,
    dedupeHorizonMs: DEDUPE_HORIZON_MS,
    maxInFlight: 2000,
  });
  const pool = new LivePool({
    url,
    org: floor.org,
    target: CLIENTS,
    slowReaders: SLOW_READERS,
    minLifeMs: 1000,
    maxLifeMs: 20_000,
  });
  const t0 = performance.now();
  const sampler = new Sampler(gw, t0, countStatus);
  await sampler.metrics(); // starts the first event-loop window now
  ingest.start();
  pool.start(Math.min(10_000, DURATION_MS / 10));

  const samples: Sample[] = [];
  for (let k = 1; k * SAMPLE_MS <= DURATION_MS; k++) {
    await sleep(Math.max(0, t0 + k * SAMPLE_MS - performance.now()));
    if (gw.exited()) throw new Error(`the gateway died:\n${gw.lastLogLines(20).join('\n')}`);
    const s = await sampler.sample({
      acked: ingest.counters.acked,
      ackLatencies: ingest.takeAckLatencies(),
      slowReaders: pool.slowConnected,
    });
    samples.push(s);
    log(
      `${fixed(s.t, 0)} s: rss ${fixed(s.rssMb)} MB, heap ${fixed(s.heapGcMb)} MB after gc ` +
        `(${fixed(s.heapRawMb)} before), fds ${s.fds}, loop p99 ${fixed(s.loopP99Ms)} ms, ` +
        `${fixed(s.ingestPerSec, 0)} ev/s, ${s.liveClients} live, ` +
        `cpu ${fixed(s.gatewayCores, 2)} gateway / ${fixed(s.driverCores, 2)} driver`,
    );
    if (args.snapshots && samples.length === Math.ceil(WARMUP_MS / SAMPLE_MS)) {
      await snapshot(gw, 'after-warmup');
    }
  }
  if (args.snapshots) await snapshot(gw, 'end');

  log('stopping ingest and clients');
  await ingest.stop();
  pool.stop();
  const drained = await waitFor('live clients to drain', 60_000, async () => {
    return metric(await sampler.metrics(), 'switchboard_live_clients') === 0;
  });
  // Sockets the clients closed are released by the gateway as it notices; wait for that.
  const fdsBound = fdsBefore + boundsFor(MINUTES, SLOW_READERS).fdsAboveBaseline;
  let fdsAfter = openFds(pid);
  await waitFor('open files to settle', 30_000, async () => (fdsAfter = openFds(pid)) <= fdsBound);
  log('reading the log back');
  const stored = await storedIds(url);
  const handlerErrors = metric(await sampler.metrics(), 'switchboard_handler_errors_total');
  return {
    minutes: MINUTES,
    rate: RATE,
    slowReaders: SLOW_READERS,
    warmupMs: WARMUP_MS,
    samples,
    ingest: ingest.counters,
    ackedIds: ingest.ackedIds,
    reStoredIds: ingest.reStoredIds,
    live: pool.counters,
    stored,
    fdsBefore,
    fdsAfter,
    drained,
    handlerErrors: handlerErrors || 0,
    server5xx,
    floorSpeed: floor.virtualMs / (samples.at(-1)?.t ?? 1) / 1000,
  };
}

async function main(): Promise<void> {
  log(
    `${MINUTES} min, ${RATE} events/s, ${CLIENTS} live clients + ${SLOW_READERS} slow readers, ` +
      `working in ${root}`,
  );
  const floor = await Floor.start({ agents: AGENTS, queues: QUEUES, seed: 1 });
  const configFile = join(root, 'switchboard.json');
  writeFileSync(configFile, JSON.stringify(gatewayConfig(floor.url), null, 2));
  let gateway: GatewayChild | undefined;
  let run: SoakRun | undefined;
  try {
    gateway = await startGatewayChild(configFile, { SWITCHBOARD_WEBHOOK_SECRETS: secret });
    run = await soak(gateway, floor);
  } finally {
    const code = await gateway?.stop();
    if (gateway && code !== 0) failures.push(`the gateway exited with ${code} on SIGTERM, not 0`);
    await floor.stop();
    if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
  }
  const judged = verdict(run);
  failures.unshift(...judged.failures);
  const resultFile = join(root, 'soak-result.json');
  writeFileSync(
    resultFile,
    JSON.stringify(
      {
        options: { minutes: MINUTES, rate: RATE, clients: CLIENTS, slowReaders: SLOW_READERS },
        ...judged.result,
        failures,
        samples: run.samples,
        node: process.version,
        at: new Date().toISOString(),
      },
      null,
      2,
    ),
  );
  process.stdout.write(`\n${judged.text}\nresult: ${resultFile}\n`);
}

try {
  await main();
} catch (err) {
  failures.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
}
process.stdout.write(
  failures.length > 0
    ? `\nSOAK FAILED:\n${failures.map((f) => `- ${f}`).join('\n')}\n`
    : '\nsoak passed\n',
);
process.exit(failures.length > 0 ? 1 : 0);
