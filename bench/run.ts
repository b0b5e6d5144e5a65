/**
 * `npm run bench`: every performance goal, measured as ratios against baselines taken in the
 * same run on the same machine. Prints a Markdown table to stdout (progress goes to stderr).
 *
 * Ingest (issue 2): signed ~1 KiB events over keep-alive HTTP from a separate load process
 * (autocannon) against (a) a bare node:http server that answers 200 and does nothing — the
 * ceiling — (b) the integration guides' Express handler, no persistence — the naive peer — and
 * (c) Switchboard with fsync on, at offered rates of 500/s, 5,000/s and maximum.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { dataTargetsSection } from './data-targets.js';
import { emulatorBench } from './emulator-bench.js';
import { liveSection } from './live-bench.js';
import { rulesSection } from './rules-match.js';
import { streamRecoverySection } from './stream-recovery.js';

const SECRET = 'bench-secret';
const DURATION_SEC = Number(process.env.BENCH_DURATION_SEC ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

interface LoadResult {
  rps: number;
  total: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50: number;
  p99: number;
  bodyBytes: number;
}

interface Server {
  url: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Starts a server process and waits for the line that gives its address. */
async function startServer(
  args: string[],
  env: Record<string, string>,
  pattern: RegExp,
): Promise<Server> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server ${args.join(' ')} did not start`)),
      30_000,
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = pattern.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1].startsWith('http') ? m[1] : `http://127.0.0.1:${m[1]}`);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function runLoad(url: string, rate?: number): Promise<LoadResult> {
  const spec = {
    url,
    connections: CONNECTIONS,
    durationSec: DURATION_SEC,
    secret: SECRET,
    ...(rate ? { rate } : {}),
  };
  // Fixed rates use the open-loop paced generator (autocannon's rate limit sends each second's
  // quota in one burst); maximum throughput uses autocannon's closed loop.
  const script = rate ? './paced-load.ts' : './load.ts';
  const child = spawn(process.execPath, ['--import', 'tsx', here(script), JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on('exit', r));
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as LoadResult;
}

async function countStored(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /switchboard_ingest_events_total\{source="webhook",outcome="stored"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

interface Row {
  scenario: string;
  offered: string;
  r: LoadResult;
  note?: string;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The result whose throughput is the median of the rounds (latencies come with it). */
function medianRun(runs: LoadResult[]): LoadResult {
  const m = median(runs.map((r) => r.rps));
  return runs.find((r) => r.rps === m)!;
}

async function startSwitchboard(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<Server> {
  return startServer(
    [here('../bin/switchboard.js'), 'start'],
    {
      PORT: '0',
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_WEBHOOK_SECRETS: SECRET,
      SWITCHBOARD_DEMO: '0',
      SWITCHBOARD_LOG_LEVEL: 'warn',
      ...env,
    },
    /^switchboard listening on (http\S+)$/,
  );
}

/** Runs one load against a fresh server process and checks every 2xx was stored. */
async function measure(
  name: string,
  start: () => Promise<Server>,
  rate?: number,
  countStoredEvents = false,
): Promise<{ r: LoadResult; stored?: number }> {
  log(`${name} at ${rate ?? 'max'}/s`);
  const server = await start();
  try {
    const r = await runLoad(server.url, rate);
    return countStoredEvents ? { r, stored: await countStored(server.url) } : { r };
  } finally {
    await server.stop();
  }
}

async function ingestBench(): Promise<{ rows: Row[]; summary: string[] }> {
  const dataRoot = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  let runId = 0;
  const sb = () => startSwitchboard(join(dataRoot, `run-${runId++}`));
  const bare = () =>
    startServer(['--import', 'tsx', here('./peers/bare-http.ts')], {}, /^listening (\d+)$/);
  const naive = () =>
    startServer(
      ['--import', 'tsx', here('./peers/naive-express.ts')],
      { BENCH_SECRET: SECRET },
      /^listening (\d+)$/,
    );
  const storedCheck = (r: LoadResult, stored: number | undefined) => {
    // Requests in flight when a closed-loop run stops (warm-up and measured run: up to one per
    // connection each) are stored but never answered to the client.
    const ok = stored !== undefined && stored >= r.ok2xx && stored - r.ok2xx <= 2 * CONNECTIONS;
    return `${r.ok2xx} acked, ${stored} stored: ${ok ? 'ok' : 'MISMATCH'}`;
  };

  try {
    // Machine speed drifts between runs here (a shared VM), so the max-rate runs are interleaved
    // in rounds and each row reports the median round; ratios are taken within each round.
    const rounds: { bare: LoadResult; naive: LoadResult; sb: LoadResult; stored?: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      log(`round ${i + 1}/${ROUNDS}`);
      const b = await measure('bare node:http', bare);
      const n = await measure('Express handler', naive);
      const s = await measure('switchboard', sb, undefined, true);
      rounds.push({
        bare: b.r,
        naive: n.r,
        sb: s.r,
        ...(s.stored === undefined ? {} : { stored: s.stored }),
      });
    }
    const at500 = await measure('switchboard', sb, 500, true);
    const at5k = await measure('switchboard', sb, 5000, true);

    const ceiling = medianRun(rounds.map((x) => x.bare));
    const naiveMax = medianRun(rounds.map((x) => x.naive));
    const sbMax = medianRun(rounds.map((x) => x.sb));
    const sbRound = rounds.find((x) => x.sb === sbMax)!;
    const ratios = rounds.map((x) => x.sb.rps / x.bare.rps);
    const ratio = median(ratios);
    const rows: Row[] = [
      { scenario: 'bare node:http (ceiling)', offered: 'max', r: ceiling },
      { scenario: 'guides’ Express handler (no persistence)', offered: 'max', r: naiveMax },
      {
        scenario: 'Switchboard (SQLite, fsync on)',
        offered: '500/s',
        r: at500.r,
        note: storedCheck(at500.r, at500.stored),
      },
      {
        scenario: 'Switchboard (SQLite, fsync on)',
        offered: '5000/s',
        r: at5k.r,
        note: storedCheck(at5k.r, at5k.stored),
      },
      {
        scenario: 'Switchboard (SQLite, fsync on)',
        offered: 'max',
        r: sbMax,
        note: storedCheck(sbMax, sbRound.stored),
      },
    ];
    return {
      rows,
      summary: [
        `- Switchboard max / bare ceiling, per round: ${ratios.map(pct).join(', ')}; median **${pct(ratio)}** (target ≥ 60 %): ${ratio >= 0.6 ? 'met' : 'NOT met'}`,
        `- Switchboard max / guides’ Express handler (which persists nothing): **${(sbMax.rps / naiveMax.rps).toFixed(2)}×**`,
        `- Switchboard p99 ack at 5,000/s: **${at5k.r.p99} ms** (target ≤ 25 ms): ${at5k.r.p99 <= 25 ? 'met' : 'NOT met'}`,
      ],
    };
  } finally {
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)} %`;
}

function table(rows: Row[], ceilingRps: number): string {
  const head =
    '| scenario | offered | achieved req/s | vs ceiling | p50 ms | p99 ms | non-2xx | errors | check |\n' +
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |';
  const lines = rows.map(
    ({ scenario, offered, r, note }) =>
      `| ${scenario} | ${offered} | ${Math.round(r.rps)} | ${pct(r.rps / ceilingRps)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors + r.timeouts} | ${note ?? ''} |`,
  );
  return [head, ...lines].join('\n');
}

async function emulatorSection(): Promise<string[]> {
  const receiver = await startServer(
    ['--import', 'tsx', here('./peers/bare-http.ts')],
    {},
    /^listening (\d+)$/,
  );
  try {
    const r = await emulatorBench(receiver.url, log);
    const k = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
    return [
      '## Emulator',
      '',
      '| measure | result | baseline in the same run | ratio | target |',
      '| --- | ---: | ---: | ---: | --- |',
      `| generated Genesys messages, 5,000 agents, in-process | ${k(r.generatedPerSec)} | bare model: ${k(r.modelEventsPerSec)} domain events | ${(r.generatedPerSec / r.modelEventsPerSec).toFixed(2)}× | ≥ 50,000/s: ${r.generatedPerSec >= 50_000 ? 'met' : 'NOT met'} |`,
      `| signed webhook pushes to a fast receiver | ${k(r.pushPerSec)} | unsigned undici pool: ${k(r.baselinePushPerSec)} | ${pct(r.pushPerSec / r.baselinePushPerSec)} | ≥ 10,000/s: ${r.pushPerSec >= 10_000 ? 'met' : 'NOT met'} |`,
      '',
    ];
  } finally {
    await receiver.stop();
  }
}

const started = Date.now();
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);
const sections: string[] = [];
if (want('emulator')) sections.push(...(await emulatorSection()));
if (want('ingest')) sections.push(...(await ingestSection()));
if (want('live')) sections.push(...(await liveSection(log)));
if (want('stream')) sections.push(...(await streamRecoverySection(log)));
if (want('rules')) sections.push(...(await rulesSection(log)));
if (want('delivery')) sections.push(...(await deliverySection()));
if (want('targets')) sections.push(...(await dataTargetsSection()));
sections.push(
  `_${new Date().toISOString()}, node ${process.version}, ${Math.round((Date.now() - started) / 1000)} s_`,
);
process.stdout.write(`${sections.join('\n')}\n`);

async function ingestSection(): Promise<string[]> {
  const ingest = await ingestBench();
  const ceilingRps = ingest.rows[0]!.r.rps;
  return [
    `## Ingest (${DURATION_SEC} s per run, ${CONNECTIONS} keep-alive connections, ~${ingest.rows[0]!.r.bodyBytes} B signed events; max rows are the median of ${ROUNDS} interleaved rounds)`,
    '',
    table(ingest.rows, ceilingRps),
    '',
    ...ingest.summary,
    '',
  ];
}

/**
 * HTTP delivery (issue 13): one HTTP target (a receiver that answers 200 and records each event's
 * delay from being stored to arriving) beside the same ingest with no target. At maximum ingest
 * the target trails and drains afterwards; at fixed rates it must keep up, and the delay says by
 * how much.
 */
async function deliverySection(): Promise<string[]> {
  const dataRoot = mkdtempSync(join(tmpdir(), 'sb-bench-delivery-'));
  const receiver = await startServer(
    ['--import', 'tsx', here('./peers/bare-http.ts'), '--record-delay'],
    {},
    /^listening (\d+)$/,
  );
  const lagRe = /switchboard_target_lag_events\{target="receiver"\} (\d+)/;
  const deliveredRe = /switchboard_target_delivered_total\{target="receiver"\} (\d+)/;
  const metric = async (url: string, re: RegExp) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(re.exec(text)?.[1] ?? 0);
  };
  const k = (n: number) => Math.round(n).toLocaleString('en-US');
  let run = 0;
  const withTarget = async (concurrency: number, rate?: number) => {
    const dir = join(dataRoot, `target-${++run}`);
    mkdirSync(dir);
    const config = join(dir, 'switchboard.yaml');
    writeFileSync(
      config,
      `sinks:\n  targets:\n    - { name: receiver, type: http, url: "${receiver.url}/hook", secret: bench-signing, concurrency: ${concurrency} }\n` +
        '  routes:\n    - { name: all, pattern: {}, targets: [receiver] }\n',
    );
    log(`delivery: ${rate ?? 'max'}/s with an HTTP target, concurrency ${concurrency}`);
    const sb = await startSwitchboard(join(dir, 'data'), { SWITCHBOARD_CONFIG: config });
    try {
      await fetch(`${receiver.url}/stats`); // reset
      let maxLag = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          maxLag = Math.max(maxLag, await metric(sb.url, lagRe));
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      })();
      const began = Date.now();
      const r = await runLoad(sb.url, rate);
      const loadSec = (Date.now() - began) / 1000;
      sampling = false;
      await sampler;
      const delivered = await metric(sb.url, deliveredRe);
      const lag = await metric(sb.url, lagRe);
      const stopped = Date.now();
      while ((await metric(sb.url, lagRe)) > 0 && Date.now() - stopped < 120_000)
        await new Promise((resolve) => setTimeout(resolve, 100));
      const drainSec = (Date.now() - stopped) / 1000;
      const total = await metric(sb.url, deliveredRe);
      const stored = await countStored(sb.url);
      const delay = (await (await fetch(`${receiver.url}/stats`)).json()) as {
        p50: number;
        p99: number;
      };
      return {
        cells: `${k(r.rps)} | ${k(delivered / loadSec)} | ${k(maxLag)} | ${k(lag)} | ${drainSec.toFixed(1)} s | ${delay.p50} / ${k(delay.p99)} | ${k(total)} of ${k(stored)}`,
        r,
      };
    } finally {
      await sb.stop();
    }
  };
  try {
    log('delivery: ingest alone');
    const alone = await measure('switchboard, no target', () =>
      startSwitchboard(join(dataRoot, 'alone')),
    );
    const max4 = await withTarget(4);
    const max16 = await withTarget(16);
    const paced1k = await withTarget(4, 1000);
    const paced2k = await withTarget(4, 2000);
    return [
      `## HTTP delivery while ingesting (${DURATION_SEC} s of load, ${CONNECTIONS} connections, one run each)`,
      '',
      '| scenario | ingest req/s | delivered/s during the load | most lag seen | lag at the end | drained after | delay stored → received, p50 / p99 ms | delivered of stored |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| maximum ingest, no target | ${k(alone.r.rps)} | — | — | — | — | — | — |`,
      `| maximum ingest + HTTP target, concurrency 4 (default) | ${max4.cells} |`,
      `| maximum ingest + HTTP target, concurrency 16 | ${max16.cells} |`,
      `| 1,000 events/s paced + HTTP target, concurrency 4 | ${paced1k.cells} |`,
      `| 2,000 events/s paced + HTTP target, concurrency 4 | ${paced2k.cells} |`,
      '',
      `Ingest with the target on at maximum: ${pct(max4.r.rps / alone.r.rps)} of ingest alone (concurrency 4), ${pct(max16.r.rps / alone.r.rps)} (16).`,
      '',
      "Command: `node --import tsx bench/run.ts delivery`. One signed request per event (Standard Webhooks). The receiver (bench/peers/bare-http.ts --record-delay) answers 200 at once and records each delay from the event's `receivedAt` to its arrival. Delivered of stored counts every delivery, so a figure above the stored count would be a double delivery.",
      '',
    ];
  } finally {
    await receiver.stop();
    rmSync(dataRoot, { recursive: true, force: true });
  }
}
