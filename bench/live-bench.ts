/**
 * Live fan-out (`npm run bench -- live`): 10,000 concurrent live clients with mixed filters on
 * one gateway process, against Socket.IO rooms doing the same filtered broadcast, in the same run.
 *
 * Per round and system: the server in its own process (Switchboard: bench/live-gateway.ts,
 * `startGateway` with SQLite and fsync on; Socket.IO: bench/peers/socketio-fanout.ts), seeded
 * with the same 5,000-agent org; the clients and the event generator in another
 * (bench/live-clients.ts). Measured: latency from the ingest ack to each interested client at
 * 1,000 events/s; delivered updates/s at saturation; the server's peak RSS (VmHWM); CPU of the
 * server, the clients and everything else on the machine; and, from inside the server
 * (bench/live-server-stats.ts), how long each fan-out blocks its event loop. Rounds are
 * interleaved (the order alternates) and ratios are taken within a round.
 *
 * Knobs: BENCH_LIVE_CLIENTS (10000), BENCH_LIVE_ROUNDS (2), BENCH_LIVE_RATE (1000 events/s),
 * BENCH_LIVE_LATENCY_SEC (10), BENCH_LIVE_SATURATION_SEC (8), BENCH_LIVE_CLIENT_THREADS (2),
 * BENCH_LIVE_PROFILE=<dir> (CPU profiles of each server phase and of the client process).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LiveClientsResult, Usage } from './live-clients.js';
import type { Spec } from './live-threads.js';
import { liveFloor } from './live-floor.js';
import { MIXES, type Mix } from './live-org.js';

const CLIENTS = Number(process.env.BENCH_LIVE_CLIENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 2);
const RATE = Number(process.env.BENCH_LIVE_RATE ?? 1000);
const LATENCY_SEC = Number(process.env.BENCH_LIVE_LATENCY_SEC ?? 10);
const SATURATION_SEC = Number(process.env.BENCH_LIVE_SATURATION_SEC ?? 8);
const WARMUP_SEC = 2;
const MIX_LIST = (process.env.BENCH_LIVE_MIX ?? 'floor,boards').split(',') as Mix[];
const GIB = 1024 ** 3;
/** `BENCH_LIVE_CAPACITY=boards:250,500,750;floor:1500`: extra latency-only runs (or `none`). */
const CAPACITY: [Mix, number[]][] = (process.env.BENCH_LIVE_CAPACITY ?? 'boards:250,500,750')
  .split(';')
  .filter((part) => part !== '' && part !== 'none')
  .map((part) => {
    const [mix, rates] = part.split(':') as [Mix, string | undefined];
    if (!(mix in MIXES) || !rates) throw new Error(`BENCH_LIVE_CAPACITY: bad part "${part}"`);
    return [mix, rates.split(',').map(Number)];
  });

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

type System = Spec['system'];

interface Run extends LiveClientsResult {
  /** Peak resident set of the server process (VmHWM), bytes. */
  peakRss: number;
}

const SERVERS: Record<System, { script: string; name: string }> = {
  switchboard: { script: './live-gateway.ts', name: 'Switchboard (SQLite, fsync on)' },
  socketio: { script: './peers/socketio-fanout.ts', name: 'Socket.IO 4.8 rooms (no log)' },
};

async function runOnce(
  system: System,
  mix: Mix,
  log: (m: string) => void,
  phases: { rate: number; saturationSec: number } = { rate: RATE, saturationSec: SATURATION_SEC },
): Promise<Run> {
  log(`live: ${system}, ${CLIENTS} clients, ${mix} mix, ${phases.rate} events/s`);
  // BENCH_LIVE_PROFILE=<dir>: the servers write a CPU profile of each measured phase there
  // (bench/live-server-stats.ts), the client process one of its whole run.
  const profile = process.env.BENCH_LIVE_PROFILE;
  // BENCH_LIVE_PIN=1 (analysis only): the server on CPU 0, the clients on CPU 1 (taskset), to
  // tell the server's own latency from the two sides competing for the same cores.
  const pin = process.env.BENCH_LIVE_PIN === '1';
  const server = spawn(
    pin ? 'taskset' : process.execPath,
    [
      ...(pin ? ['-c', '0', process.execPath] : []),
      '--import',
      'tsx',
      here(SERVERS[system].script),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((r) => server.on('exit', () => r()));
  try {
    const { url, stats } = await new Promise<{ url: string; stats: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${system} did not start`)), 60_000);
      createInterface({ input: server.stdout }).on('line', (line) => {
        const m = /^listening (\S+) stats (\d+)$/.exec(line);
        if (!m?.[1] || !m[2]) return;
        clearTimeout(timer);
        resolve({
          url: m[1].startsWith('http') ? m[1] : `http://127.0.0.1:${m[1]}`,
          stats: `http://127.0.0.1:${m[2]}/`,
        });
      });
      server.on('exit', (code) => reject(new Error(`${system} exited with ${code}`)));
    });
    const spec: Spec = {
      system,
      mix,
      url,
      statsUrl: stats,
      serverPid: server.pid!,
      clients: CLIENTS,
      rate: phases.rate,
      warmupSec: WARMUP_SEC,
      latencySec: LATENCY_SEC,
      saturationSec: phases.saturationSec,
      runId: randomBytes(4).toString('hex'),
    };
    // BENCH_LIVE_CLIENT_NICE=N runs the load at a lower CPU priority: an analysis knob, to see
    // how much of the latency is the server competing with its own load generator.
    const nice = process.env.BENCH_LIVE_CLIENT_NICE;
    const clients = spawn(
      pin ? 'taskset' : nice ? 'nice' : process.execPath,
      [
        ...(pin ? ['-c', '1', process.execPath] : nice ? ['-n', nice, process.execPath] : []),
        ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
        // The clients allocate a parsed object per view: a larger young generation means fewer
        // scavenges on the load side (the servers run with Node's defaults).
        '--max-semi-space-size=64',
        '--import',
        'tsx',
        here('./live-clients.ts'),
        JSON.stringify(spec),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    clients.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => clients.on('exit', r));
    if (code !== 0) throw new Error(`live clients (${system}) exited with ${code}`);
    const result = JSON.parse(out.trim().split('\n').pop() ?? '') as LiveClientsResult;
    const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
    const run = { ...result, peakRss: Number(hwm?.[1] ?? NaN) * 1024 };
    log(`live: ${JSON.stringify(run)}`);
    return run;
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number | null) =>
  x === null || !Number.isFinite(x) ? 'n/a' : x >= 1e8 ? 'lost' : x.toFixed(1);
const pct = (x: number) => `${Math.round(x * 100)} %`;
const mib = (b: number) => `${n(b / 1024 ** 2)} MiB`;

export async function liveSection(log: (m: string) => void): Promise<string[]> {
  const out: string[] = [];
  for (const mix of MIX_LIST) {
    if (!(mix in MIXES)) throw new Error(`BENCH_LIVE_MIX: unknown mix "${mix}"`);
    out.push(...(await mixSection(mix, log)));
  }
  for (const [mix, rates] of CAPACITY) out.push(...(await capacitySection(mix, rates, log)));
  return out;
}

/**
 * Where the target holds: the gateway alone at lower event rates for a mix (the latency phase
 * only; a 2 s saturation phase is run and ignored).
 */
async function capacitySection(
  mix: Mix,
  rates: number[],
  log: (m: string) => void,
): Promise<string[]> {
  const rows: string[] = [];
  for (const rate of rates) {
    const r = await runOnce('switchboard', mix, log, { rate, saturationSec: 2 });
    const st = r.latency.server;
    rows.push(
      `| ${n(rate)} | ${ms(r.latency.p50)} / ${ms(r.latency.p99)} / ${ms(r.latency.max)} ` +
        `| ${r.latency.p99 <= 50 ? 'yes' : 'no'} | ${n(r.latency.deliveries)} / ${n(r.latency.expected)} ` +
        `| ${n(r.latency.agentUpdatesPerSec)} | ${n(r.latency.messagesPerSec)} ` +
        `| ${(st.fanouts / st.sec).toFixed(1)} | ${ms(st.fanoutP50)} | ${pct(st.loopBusy)} ` +
        `| ${r.latency.serverCpu.toFixed(2)} / ${r.latency.clientCpu.toFixed(2)} |`,
    );
  }
  return [
    `## Live fan-out capacity, ${mix} mix (Switchboard alone, one run per rate)`,
    '',
    `Clients: ${mixLabel(mix)}.`,
    '',
    '| events/s | ms ack→client: p50 / p99 / max | p99 ≤ 50 ms | deliveries / expected | agent updates/s | WS messages/s | fan-outs/s | ms per fan-out p50 | loop busy | CPU server / clients |',
    '| ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ];
}

function mixLabel(mix: Mix): string {
  const m = MIXES[mix];
  const c = (share: number) => n(CLIENTS * share);
  const walls =
    CLIENTS -
    Math.round(CLIENTS * m.desktops) -
    Math.round(CLIENTS * m.teams) -
    Math.round(CLIENTS * m.queues);
  return `${c(m.desktops)} agent desktops, ${c(m.teams)} team boards, ${c(m.queues)} queue boards, ${n(walls)} wallboards`;
}

async function mixSection(mix: Mix, log: (m: string) => void): Promise<string[]> {
  const runs: Record<System, Run[]> = { switchboard: [], socketio: [] };
  for (let r = 0; r < ROUNDS; r++) {
    log(`live: ${mix} mix, round ${r + 1}/${ROUNDS}`);
    const order: System[] = r % 2 === 0 ? ['switchboard', 'socketio'] : ['socketio', 'switchboard'];
    for (const system of order) runs[system].push(await runOnce(system, mix, log));
  }
  // Throughput: the median round. Latency and memory: the worst round.
  const row = (system: System) => {
    const rs = runs[system];
    const med = (f: (r: Run) => number) => median(rs.map(f));
    const worst = (f: (r: Run) => number) => Math.max(...rs.map(f));
    const delivered = rs.reduce((sum, r) => sum + r.latency.deliveries, 0);
    const expected = rs.reduce((sum, r) => sum + r.latency.expected, 0);
    return (
      `| ${SERVERS[system].name} | ${n(med((r) => r.clients))} ` +
      `| ${n(med((r) => r.saturation.agentUpdatesPerSec))} ` +
      `| ${n(med((r) => r.saturation.messagesPerSec))} ` +
      `| ${ms(med((r) => r.latency.p50))} / ${ms(worst((r) => r.latency.p99))} / ` +
      `${ms(worst((r) => r.latency.max))} | ${ms(worst((r) => r.latency.dueP99))} ` +
      `| ${n(delivered)} / ${n(expected)} | ${mib(worst((r) => r.peakRss))} |`
    );
  };
  const cores = (u: Usage) =>
    `${u.serverCpu.toFixed(2)} / ${u.clientCpu.toFixed(2)} / ${u.otherCpu.toFixed(2)}`;
  const detail = (system: System, r: Run, i: number) =>
    `| ${i + 1} | ${SERVERS[system].name} | ${n(r.saturation.eventsPerSec)} ` +
    `| ${n(r.saturation.agentUpdatesPerSec)} | ${n(r.saturation.entityUpdatesPerSec)} ` +
    `| ${n(r.saturation.messagesPerSec)} | ${cores(r.saturation)} ` +
    `| ${n(r.latency.sent)} / ${n(r.latency.events)} | ${ms(r.latency.ackP99)} ` +
    `| ${ms(r.latency.p99)} | ${n(r.latency.agentUpdatesPerSec)} | ${n(r.latency.messagesPerSec)} ` +
    `| ${cores(r.latency)} | ${r.latency.clientLoop.toFixed(2)} | ${r.connectSec} | ${mib(r.peakRss)} |`;
  const inside = (r: Run, i: number) => {
    const st = r.latency.server;
    return (
      `| ${i + 1} | ${(st.fanouts / st.sec).toFixed(1)} ` +
      `| ${ms(st.fanoutP50)} / ${ms(st.fanoutP99)} / ${ms(st.fanoutMax)} ` +
      `| ${pct(st.fanoutBusy)} | ${pct(st.loopBusy)} | ${ms(st.loopDelayP99)} |`
    );
  };
  const sb = runs.switchboard;
  const ratios = sb.map(
    (r, i) => r.saturation.agentUpdatesPerSec / runs.socketio[i]!.saturation.agentUpdatesPerSec,
  );
  const ratio = median(ratios);
  // Socket.IO delivers faster while draining what piled up in its overloaded 1,000/s phase.
  const conservative = sb.map((r, i) => {
    const sio = runs.socketio[i]!;
    const best = Math.max(sio.saturation.agentUpdatesPerSec, sio.latency.agentUpdatesPerSec);
    return r.saturation.agentUpdatesPerSec / best;
  });
  // The same message rate written by a server that does nothing else (bench/live-floor.ts).
  const rate = median(sb.map((r) => r.latency.messagesPerSec));
  log(`live: raw write floor at ${n(rate)} messages/s`);
  const floor = await liveFloor(CLIENTS, rate);
  const allIn = median(sb.map((r) => (r.latency.serverCpu * 1e6) / r.latency.messagesPerSec));
  const p99 = Math.max(...sb.map((r) => r.latency.p99));
  const rss = Math.max(...sb.map((r) => r.peakRss));
  const non2xx = [...sb, ...runs.socketio].reduce(
    (sum, r) => sum + r.latency.non2xx + r.saturation.non2xx,
    0,
  );
  return [
    `## Live fan-out, ${mix} mix (${n(CLIENTS)} clients, ${ROUNDS} interleaved rounds)`,
    '',
    `Clients: ${mixLabel(mix)}.`,
    '',
    `| server | clients | agent updates/s delivered (saturation) | WS messages/s (saturation) | ms ack→client at ${n(RATE)} events/s: p50 / p99 / max | p99 ms due→client | deliveries / expected at ${n(RATE)}/s | peak RSS |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('switchboard'),
    row('socketio'),
    '',
    `- Switchboard / Socket.IO agent updates delivered per second, per round: ${ratios.map((x) => `${x.toFixed(2)}×`).join(', ')}; median **${ratio.toFixed(2)}×** (target ≥ 3×): ${ratio >= 3 ? 'met' : 'NOT met'}`,
    `- Against Socket.IO's best agent-update rate in either phase, per round: ${conservative.map((x) => `${x.toFixed(2)}×`).join(', ')}`,
    `- Switchboard p99 ack→client at ${n(RATE)} events/s, worst round: **${ms(p99)} ms** (target ≤ 50 ms): ${p99 <= 50 ? 'met' : 'NOT met'}`,
    `- Switchboard peak RSS with ${n(CLIENTS)} clients: **${mib(rss)}** (target ≤ 1 GiB): ${rss <= GIB ? 'met' : 'NOT met'}`,
    `- Server CPU per WebSocket message at ${n(RATE)} events/s: Switchboard all-in (ingest, fsync'd log, projection, fan-out) **${allIn.toFixed(1)} µs**; a bare \`ws\` server only writing pre-framed messages to the same ${n(CLIENTS)} parsing clients at ${n(floor.writesPerSec)}/s: **${floor.cpuUsPerWrite.toFixed(1)} µs** (${pct(floor.systemShare)} in the kernel, ${floor.serverCores.toFixed(2)} cores) → ${(allIn / floor.cpuUsPerWrite).toFixed(2)}× the floor`,
    `- Non-2xx ingest answers, all runs: ${non2xx}`,
    '',
    'Per round (CPU in cores: server / client process / other processes on the machine):',
    '',
    `| round | server | saturation: events/s acked | agent updates/s | entity updates/s | WS messages/s | CPU | ${n(RATE)}/s: events sent / due | p99 ms due→ack | p99 ms ack→client | agent updates/s | WS messages/s | CPU | busiest client thread | connect s | peak RSS |`,
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...sb.flatMap((r, i) => [
      detail('switchboard', r, i),
      detail('socketio', runs.socketio[i]!, i),
    ]),
    '',
    `Inside the Switchboard process at ${n(RATE)} events/s (a fan-out is one \`LiveHub.publish\`; the Socket.IO peer's loop is too starved for its stats port to answer in time):`,
    '',
    '| round | fan-outs/s | ms per fan-out: p50 / p99 / max | loop share in fan-out | loop busy | loop delay p99 ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...sb.map(inside),
    '',
  ];
}
