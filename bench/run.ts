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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', here('./load.ts'), JSON.stringify(spec)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
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

async function ingestBench(): Promise<{ rows: Row[]; summary: string[] }> {
  const rows: Row[] = [];

  log('ceiling: bare node:http');
  const bare = await startServer(
    ['--import', 'tsx', here('./peers/bare-http.ts')],
    {},
    /^listening (\d+)$/,
  );
  const ceiling = await runLoad(bare.url);
  await bare.stop();
  rows.push({ scenario: 'bare node:http (ceiling)', offered: 'max', r: ceiling });

  log('naive peer: Express + express.json + HMAC of JSON.stringify');
  const naive = await startServer(
    ['--import', 'tsx', here('./peers/naive-express.ts')],
    { BENCH_SECRET: SECRET },
    /^listening (\d+)$/,
  );
  const naiveMax = await runLoad(naive.url);
  await naive.stop();
  rows.push({ scenario: 'guides’ Express handler (no persistence)', offered: 'max', r: naiveMax });

  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  try {
    log('switchboard: fsync on');
    const sb = await startServer(
      [here('../bin/switchboard.js'), 'start'],
      {
        PORT: '0',
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_WEBHOOK_SECRETS: SECRET,
        SWITCHBOARD_DEMO: '0',
        SWITCHBOARD_LOG_LEVEL: 'warn',
      },
      /^switchboard listening on (http\S+)$/,
    );
    for (const rate of [500, 5000, undefined]) {
      log(`switchboard at ${rate ?? 'max'}/s`);
      const before = await countStored(sb.url);
      const r = await runLoad(sb.url, rate);
      const stored = (await countStored(sb.url)) - before;
      rows.push({
        scenario: 'Switchboard (SQLite, fsync on)',
        offered: rate ? `${rate}/s` : 'max',
        r,
        note: `${stored} stored = ${r.ok2xx} acked: ${stored === r.ok2xx ? 'yes' : 'NO'}`,
      });
    }
    await sb.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const sbMax = rows.find((x) => x.scenario.startsWith('Switchboard') && x.offered === 'max')!.r;
  const sb5k = rows.find((x) => x.offered === '5000/s')!.r;
  const ratio = sbMax.rps / ceiling.rps;
  return {
    rows,
    summary: [
      `- Switchboard max throughput / bare ceiling: **${pct(ratio)}** (target ≥ 60 %): ${ratio >= 0.6 ? 'met' : 'NOT met'}`,
      `- Switchboard max throughput / guides’ Express handler: **${(sbMax.rps / naiveMax.rps).toFixed(2)}×** (the Express handler persists nothing)`,
      `- Switchboard p99 ack at 5,000/s: **${sb5k.p99} ms** (target ≤ 25 ms): ${sb5k.p99 <= 25 ? 'met' : 'NOT met'}`,
    ],
  };
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

const started = Date.now();
const ingest = await ingestBench();
const ceilingRps = ingest.rows[0]!.r.rps;
const out = [
  `## Ingest (${DURATION_SEC} s per row, ${CONNECTIONS} keep-alive connections, ~${ingest.rows[0]!.r.bodyBytes} B signed events)`,
  '',
  table(ingest.rows, ceilingRps),
  '',
  ...ingest.summary,
  '',
  `_${new Date().toISOString()}, node ${process.version}, ${Math.round((Date.now() - started) / 1000)} s_`,
];
process.stdout.write(`${out.join('\n')}\n`);
