/**
 * Data targets while ingesting (`node --import tsx bench/run.ts targets`): the same maximum
 * ingest (closed loop, bench/load.ts) against the built gateway with no target, the lake alone
 * (the default target), PostgreSQL alone, AMQP (RabbitMQ) alone, and all three behind one route.
 * Per run: ingest req/s, each target's delivered/s during the load, lag at the end, drain time,
 * the gateway process's CPU per stored event (all threads, load and drain), and for the lake how
 * long after its drain the silver watermark reaches the log's last offset.
 *
 * Needs PostgreSQL at BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test) and RabbitMQ
 * at BENCH_AMQP_URL (default amqp://guest:guest@127.0.0.1:5672). Each run gets its own schema,
 * exchange and queue, removed afterwards. BENCH_TARGETS_PROFILE=<dir>: a `--cpu-prof` of the
 * gateway in the all-targets run (its figures then include the profiler's cost).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import pg from 'pg';

const SECRET = 'bench-secret';
const DURATION_SEC = Number(process.env.BENCH_DURATION_SEC ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const PROFILE_DIR = process.env.BENCH_TARGETS_PROFILE;
/** Silver runs this often in the lake runs (the default is 30 s), so its catch-up is measurable. */
const SILVER_INTERVAL_MS = 2000;
const DRAIN_LIMIT_MS = 180_000;
/** Clock ticks per second in /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const CLK_TCK = 100;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const k = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

interface LoadResult {
  rps: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface Gateway {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

async function startGateway(
  dataDir: string,
  config: string,
  nodeArgs: string[] = [],
): Promise<Gateway> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, here('../bin/switchboard.js'), 'start'],
    {
      env: {
        ...process.env,
        PORT: '0',
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_WEBHOOK_SECRETS: SECRET,
        SWITCHBOARD_DEMO: '0',
        SWITCHBOARD_LOG_LEVEL: 'warn',
        SWITCHBOARD_CONFIG: config,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('switchboard did not start')), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^switchboard listening on (http\S+)$/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`switchboard exited with ${code}`)));
  });
  // Targets connect (and PostgreSQL migrates) after the listener is up: wait until ready.
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`${url}/readyz`)).ok) break;
    await sleep(100);
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function runLoad(url: string): Promise<LoadResult> {
  const spec = { url, connections: CONNECTIONS, durationSec: DURATION_SEC, secret: SECRET };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', here('./load.ts'), JSON.stringify(spec)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on('exit', r));
  return JSON.parse(out.trim().split('\n').pop() ?? '') as LoadResult;
}

/** User + system CPU seconds of a process, all its threads. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Busy CPU seconds of the whole machine (every core; idle and iowait left out). */
function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const ticks = cpu.map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return (total - ticks[3]! - ticks[4]!) / CLK_TCK;
}

/** CPU seconds per pid of the PostgreSQL and RabbitMQ server processes (`postgres`, `beam.smp`). */
function serviceCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'postgres' || comm === 'beam.smp')
        out.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      // gone
    }
  }
  return out;
}

/** CPU seconds the service processes used between two snapshots (new ones from zero). */
function serviceDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, cpu] of after) sum += cpu - (before.get(pid) ?? 0);
  return sum;
}

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

function metric(text: string, name: string, labels = ''): number {
  const escaped = labels.replace(/[{}"]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${name}${escaped} (\\S+)$`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
}

const stored = (t: string) =>
  metric(t, 'switchboard_ingest_events_total', '{source="webhook",outcome="stored"}');
const delivered = (t: string, target: string) =>
  metric(t, 'switchboard_target_delivered_total', `{target="${target}"}`);
const lag = (t: string, target: string) =>
  metric(t, 'switchboard_target_lag_events', `{target="${target}"}`);

interface TargetResult {
  name: string;
  deliveredPerSec: number;
  lagAtEnd: number;
  drainSec: number;
  delivered: number;
}

interface RunResult {
  load: LoadResult;
  stored: number;
  lastOffset: number;
  targets: TargetResult[];
  cpuUsPerEvent: number;
  /** Cores busy during the load: the gateway, and everything else (load generator, PostgreSQL, RabbitMQ, …). */
  gatewayCores: number;
  serviceCores: number;
  otherCores: number;
  /** Lake runs: seconds from the lake's drain until silver's watermark reached the last offset. */
  silverSec?: number;
  /** PostgreSQL runs: rows in `<schema>.events` after the drain. */
  pgRows?: number;
}

type TargetType = 'lake' | 'postgres' | 'amqp';

let seq = 0;

/** One gateway with the given targets (one route `{}` to all of them), at maximum ingest. */
async function runWith(root: string, types: TargetType[], profile = false): Promise<RunResult> {
  const id = `${process.pid}_${++seq}`;
  const dir = join(root, `run-${seq}`);
  mkdirSync(dir);
  const lakePath = join(dir, 'lake');
  const schema = `bench_targets_${id}`;
  const exchange = `bench.targets.${id}`;
  const queue = `bench.targets.${id}`;
  const targets: string[] = [];
  if (types.includes('lake'))
    targets.push(
      `    - { name: lake, type: lake, path: "${lakePath}", silver: { intervalMs: ${SILVER_INTERVAL_MS} } }`,
    );
  if (types.includes('postgres'))
    targets.push(`    - { name: pg, type: postgres, url: "${PG_URL}", schema: ${schema} }`);
  if (types.includes('amqp'))
    targets.push(`    - { name: amqp, type: amqp, url: "${AMQP_URL}", exchange: "${exchange}" }`);
  const names = types.map((t) => (t === 'postgres' ? 'pg' : t));
  const config = join(dir, 'switchboard.yaml');
  writeFileSync(
    config,
    names.length === 0
      ? 'sinks:\n  targets: []\n'
      : `sinks:\n  targets:\n${targets.join('\n')}\n  routes:\n    - { name: all, pattern: {}, targets: [${names.join(', ')}] }\n`,
  );

  // The exchange and a bound queue exist before the gateway publishes: an unroutable message
  // comes back to a mandatory publish and fails. The queue keeps the newest 20,000 messages.
  const broker = types.includes('amqp') ? await amqp.connect(AMQP_URL) : undefined;
  const channel = await broker?.createChannel();
  await channel?.assertExchange(exchange, 'topic', { durable: true });
  await channel?.assertQueue(queue, { durable: false, arguments: { 'x-max-length': 20_000 } });
  await channel?.bindQueue(queue, exchange, '#');

  const profileArgs = profile && PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  log(`targets: max ingest with ${names.length ? names.join(' + ') : 'no target'}`);
  let sb: Gateway | undefined;
  try {
    sb = await startGateway(join(dir, 'data'), config, profileArgs);
    const before = await metrics(sb.url);
    const cpu0 = cpuSeconds(sb.pid);
    const began = Date.now();
    const machine0 = machineBusySeconds();
    const services0 = serviceCpu();
    const load = await runLoad(sb.url);
    const loadSec = (Date.now() - began) / 1000;
    const gatewayLoadCpu = cpuSeconds(sb.pid) - cpu0;
    const machineLoadCpu = machineBusySeconds() - machine0;
    const servicesLoadCpu = serviceDelta(services0, serviceCpu());
    const after = await metrics(sb.url);
    const end = Date.now();
    // Drain: each target until its lag is 0.
    const drainAt = new Map<string, number>();
    let text = after;
    while (drainAt.size < names.length && Date.now() - end < DRAIN_LIMIT_MS) {
      for (const n of names) if (!drainAt.has(n) && lag(text, n) === 0) drainAt.set(n, Date.now());
      if (drainAt.size < names.length) await sleep(100);
      text = await metrics(sb.url);
    }
    const lastOffset = metric(text, 'switchboard_log_last_offset');
    let silverSec: number | undefined;
    if (types.includes('lake')) {
      const lakeDrained = drainAt.get('lake') ?? Date.now();
      const mark = join(lakePath, 'silver', '_watermark.json');
      const watermark = () => {
        try {
          return (JSON.parse(readFileSync(mark, 'utf8')) as { offset: number }).offset;
        } catch {
          return 0;
        }
      };
      while (watermark() < lastOffset && Date.now() - lakeDrained < DRAIN_LIMIT_MS) await sleep(50);
      silverSec = watermark() >= lastOffset ? (Date.now() - lakeDrained) / 1000 : Infinity;
    }
    const cpu = cpuSeconds(sb.pid) - cpu0;
    const final = await metrics(sb.url);
    const storedNow = stored(final) - stored(before);
    let pgRows: number | undefined;
    if (types.includes('postgres')) {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        const r = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${pg.escapeIdentifier(schema)}.events`,
        );
        pgRows = Number(r.rows[0]?.n ?? 0);
      } finally {
        await client.end();
      }
    }
    return {
      load,
      stored: storedNow,
      lastOffset,
      cpuUsPerEvent: (cpu / Math.max(1, storedNow)) * 1e6,
      gatewayCores: gatewayLoadCpu / loadSec,
      serviceCores: servicesLoadCpu / loadSec,
      otherCores: (machineLoadCpu - gatewayLoadCpu - servicesLoadCpu) / loadSec,
      targets: names.map((n) => ({
        name: n,
        deliveredPerSec: (delivered(after, n) - delivered(before, n)) / loadSec,
        lagAtEnd: lag(after, n),
        drainSec: drainAt.has(n) ? (drainAt.get(n)! - end) / 1000 : Infinity,
        delivered: delivered(final, n),
      })),
      ...(silverSec === undefined ? {} : { silverSec }),
      ...(pgRows === undefined ? {} : { pgRows }),
    };
  } finally {
    await sb?.stop();
    if (types.includes('postgres')) {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      await client.end();
    }
    if (channel) {
      await channel.deleteQueue(queue);
      await channel.deleteExchange(exchange);
      await channel.close();
      await broker!.close();
    }
  }
}

export async function dataTargetsSection(): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'sb-bench-targets-'));
  try {
    // Two (no targets → all three) pairs, the first before and the second after the single-target
    // runs: the machine's speed drifts, so the all-targets drop is taken within each pair.
    const alone = await runWith(root, []);
    const all = await runWith(root, ['lake', 'postgres', 'amqp'], true);
    const lake = await runWith(root, ['lake']);
    const postgres = await runWith(root, ['postgres']);
    const rabbit = await runWith(root, ['amqp']);
    const alone2 = await runWith(root, []);
    const all2 = await runWith(root, ['lake', 'postgres', 'amqp']);

    const label: Record<string, string> = { lake: 'lake', pg: 'postgres', amqp: 'amqp' };
    const sec = (s: number) => (Number.isFinite(s) ? `${s.toFixed(1)} s` : 'not in 180 s');
    const each = (r: RunResult, f: (t: TargetResult) => string) =>
      r.targets.length ? r.targets.map((t) => `${label[t.name]} ${f(t)}`).join('<br>') : '—';
    const row = (scenario: string, r: RunResult) =>
      `| ${scenario} | ${k(r.load.rps)} | ${r.load.non2xx + r.load.errors + r.load.timeouts} | ${each(r, (t) => k(t.deliveredPerSec))} | ${each(r, (t) => k(t.lagAtEnd))} | ${each(r, (t) => sec(t.drainSec))} | ${r.silverSec === undefined ? '—' : sec(r.silverSec)} | ${r.targets.length ? `${each(r, (t) => k(t.delivered))} of ${k(r.stored)}` : `${k(r.stored)} stored`}${r.pgRows === undefined ? '' : ` (${k(r.pgRows)} rows)`} | ${r.cpuUsPerEvent.toFixed(0)} | ${r.gatewayCores.toFixed(2)} / ${r.serviceCores.toFixed(2)} / ${r.otherCores.toFixed(2)} |`;
    const drops = [1 - all.load.rps / alone.load.rps, 1 - all2.load.rps / alone2.load.rps];
    const dropText = (d: number) => (d >= 0 ? `${pct(d)} below` : `${pct(-d)} above`);
    const metIn = drops.filter((d) => d <= 0.25).length;
    const baseline = (alone.load.rps + alone2.load.rps) / 2;
    const vs = (r: RunResult) => pct(r.load.rps / baseline);
    const profiled = PROFILE_DIR
      ? ' (the first all-targets run ran under --cpu-prof, which costs throughput)'
      : '';
    return [
      `## Data targets while ingesting (${DURATION_SEC} s of load after 2 s warm-up, ${CONNECTIONS} connections, one run each)`,
      '',
      '| scenario | ingest req/s | non-2xx / errors | delivered/s during the load | lag at the end of the load | drained after | silver caught up after the lake drained | delivered of stored | gateway CPU µs per stored event | cores busy during the load: gateway / PostgreSQL + RabbitMQ servers / rest |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      row('1. no targets (`targets: []`), pair 1', alone),
      row('5. lake + postgres + amqp (one route `{}`), pair 1', all),
      row(`2. lake only (the default target; silver every ${SILVER_INTERVAL_MS / 1000} s)`, lake),
      row('3. postgres only', postgres),
      row('4. amqp only', rabbit),
      row('1. no targets, pair 2', alone2),
      row('5. lake + postgres + amqp, pair 2', all2),
      '',
      `- Ingest with one target, vs the mean of the two no-target runs: lake ${vs(lake)}, postgres ${vs(postgres)}, amqp ${vs(rabbit)}.`,
      `- All three targets vs no targets, within each pair: ingest **${drops.map(dropText).join('** and **')}** ingest alone (target ≤ 25 % below): ${metIn === 2 ? 'met in both pairs' : metIn === 1 ? 'met in 1 pair of 2' : 'NOT met'}${profiled}.`,
      '',
      `Command: \`node --import tsx bench/run.ts targets\`. Delivered/s counts \`switchboard_target_delivered_total\` over the whole load (warm-up included); drained after: from the end of the load until the target's \`switchboard_target_lag_events\` is 0; silver: from the lake's drain until \`<lake>/silver/_watermark.json\` reaches \`switchboard_log_last_offset\` (silver \`intervalMs\` ${SILVER_INTERVAL_MS} instead of the default 30,000, in both lake runs). CPU: the gateway process's user + system time (all threads) from the start of the load to the end of the drain (and silver), over the events stored; cores busy: during the load (warm-up included), from \`/proc\`: the gateway process, the \`postgres\` and \`beam.smp\` processes, and the rest of the machine (the load generator and anything else running). PostgreSQL: the default \`concurrency\` 2; AMQP: a topic exchange with one bound queue capped at 20,000 messages, publisher confirms.`,
      '',
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
