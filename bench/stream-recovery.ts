/**
 * `npm run bench -- stream`: how long the live state takes to be right again after each
 * Notification API fault, and how many events a planned handover loses (must be 0). A gateway
 * given only emulator credentials streams a 150-agent floor running at ×10; each fault is
 * applied several times, each on a fresh pair (so the reconciler's hourly activation count
 * starts at 0 in every run). Recovery is measured from the fault's end (for a window such as
 * `maintenance`, the end of the emulator's window) to the moment the stream is running again
 * and, when the fault was a gap, a reconcile run that started after the gap was reported has
 * finished (a run the staleness watchdog started during a long silence does not count); the
 * floor is then paused and compared with `/emulator/truth` (every agent's presence, routing
 * status and conversations, every queue's waiting, alerting and interacting), so a recovery
 * that is fast but wrong is reported as wrong. The reconciler keeps its default hourly
 * activation limit (2), so the table shows whether a fault's activations would raise the alert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator } from '../src/emulator/emulator.js';
import { loadConfig } from '../src/config/index.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import type { Reconciler } from '../src/sources/reconcile/reconciler.js';
import { createLogger } from '../src/ops/logger.js';

const RUNS = Number(process.env.BENCH_RECOVERY_RUNS ?? 3);
const SPEED = 10;

interface Fault {
  name: string;
  body: Record<string, unknown>;
  /** How long the fault lasts after it is applied (ms; the emulator's window); 0: an instant. */
  lastsMs: number;
  /** Whether it opens a gap (unplanned): recovery then includes the reconcile run. */
  gap: boolean;
}

const FAULTS: Fault[] = (
  [
    {
      name: 'socket-closing (planned)',
      body: { fault: 'socket-closing', seconds: 1 },
      lastsMs: 1000,
      gap: false,
    },
    { name: 'revoke-tokens', body: { fault: 'revoke-tokens' }, lastsMs: 0, gap: false },
    {
      name: 'drop-sockets 1006',
      body: { fault: 'drop-sockets', code: 1006 },
      lastsMs: 0,
      gap: true,
    },
    {
      name: 'drop-sockets 4001',
      body: { fault: 'drop-sockets', code: 4001 },
      lastsMs: 0,
      gap: true,
    },
    { name: 'expire-channels', body: { fault: 'expire-channels' }, lastsMs: 0, gap: true },
    // Shorter than reconcile.staleAfterMs (15 s): only the gap activates the reconciler.
    {
      name: 'maintenance 5 s',
      body: { fault: 'maintenance', seconds: 5 },
      lastsMs: 5000,
      gap: true,
    },
    // Longer than reconcile.staleAfterMs: the staleness watchdog runs once during the silence
    // (its run cannot repair what is still being dropped), the gap once it ends.
    {
      name: 'maintenance 60 s',
      body: { fault: 'maintenance', seconds: 60 },
      lastsMs: 60_000,
      gap: true,
    },
  ] satisfies Fault[]
).filter(
  (f) => !process.env.BENCH_RECOVERY_ONLY || f.name.includes(process.env.BENCH_RECOVERY_ONLY),
);

const FOLLOWED =
  /^\{"topicName":"(v2\.users\.[^".]+\.(?:activity|conversations)|v2\.routing\.queues\.[^".]+\.(?:conversations|users)|v2\.analytics\.queues\.[^".]+\.observations)".*"CorrelationId":"([^"]+)"\}\}$/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ms: number, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

interface RunResult {
  recoveryMs: number;
  correct: boolean;
  mismatches: number;
  lost: number;
  sent: number;
  /** Reconciler activations during the run (gap, stale, impossible), and whether they alerted. */
  activations: number;
  alert: boolean;
}

async function oneRun(fault: Fault, seed: number): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-recovery-'));
  let recording = false;
  const sent: string[] = [];
  const emu = new Emulator({
    host: '127.0.0.1',
    port: 0,
    agents: 150,
    queues: 6,
    seed,
    speed: SPEED,
    realtime: true,
    heartbeatSec: 2,
    sink: (text) => {
      if (!recording) return;
      const m = FOLLOWED.exec(text);
      if (m) sent.push(`${m[1]}:${m[2]}`);
    },
  });
  await emu.start();
  let gw: Gateway | undefined;
  try {
    const config = loadConfig({
      env: {
        GENESYS_API_BASE: emu.url,
        GENESYS_CLIENT_ID: 'demo-client',
        GENESYS_CLIENT_SECRET: 'demo-secret',
        SWITCHBOARD_DEMO: '0',
        PORT: '0',
        SWITCHBOARD_DATA_DIR: dir,
        SWITCHBOARD_LOG_LEVEL: 'silent',
      },
      overrides: {
        reconcile: { activationDebounceMs: 250 },
        source: { stream: { pingIntervalMs: 1000, pongTimeoutMs: 1000 } },
      },
    });
    gw = await startGateway(config, { logger: createLogger('silent'), defaultMetrics: false });
    const stream = gw.sources.find((s) => s.name === 'stream')!;
    const reconcile = gw.sources.find((s) => s.name === 'reconcile') as Reconciler;
    await until('the stream running', 15_000, () => stream.health().state === 'running');
    await gw.reconcile();
    await sleep(2000);

    const gapsBefore = reconcile.health().counts!.gapsReceived!;
    const activationsBefore = reconcile.health().counts!.activations!;
    recording = true;
    // The emulator opens a window at its clock's now (this process's clock) while it handles
    // the request: taken from before the request, the end is at most that request's few ms
    // early, so recovery is never flattered.
    const posted = Date.now();
    const res = await fetch(`${emu.url}/emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fault.body),
    });
    if (res.status !== 200) throw new Error(`fault ${fault.name}: ${res.status}`);
    const ended = posted + fault.lastsMs;
    // Recovered: receiving again, and (after a gap) a run that started after the last gap was
    // reported has finished (not one the staleness watchdog started during the silence).
    await until('recovery', fault.lastsMs + 60_000, () => {
      if (Date.now() < ended || emu.faults.silenced()) return false;
      if (stream.health().state !== 'running') return false;
      if (!fault.gap) return stream.health().counts!.handovers! > 0;
      if (reconcile.health().counts!.gapsReceived! <= gapsBefore || reconcile.running) return false;
      const gap = reconcile.gaps[reconcile.gaps.length - 1]!;
      const run = reconcile.lastResult;
      return run !== undefined && Date.parse(run.startedAt) >= Date.parse(gap.to);
    });
    const recoveryMs = Math.max(0, Date.now() - ended);
    const rh = reconcile.health().counts!;
    const activations = rh.activations! - activationsBefore;
    const alert = rh.activationAlert === 1;
    if (process.env.BENCH_RECOVERY_DEBUG) {
      const run = reconcile.lastResult!;
      const at = (iso: string) => `${Date.parse(iso) - ended} ms`;
      process.stderr.write(
        `${fault.name} seed ${seed}: recovered ${recoveryMs} ms after the end; ` +
          `gaps ${JSON.stringify(reconcile.gaps.slice(gapsBefore).map((g) => ({ ...g, to: at(g.to) })))}; ` +
          `last run from ${at(run.startedAt)} to ${at(run.finishedAt)}; runs ${rh.runs}, ` +
          `activations ${activations}, alert ${rh.activationAlert}; ` +
          `stream ${JSON.stringify(stream.health().counts)}\n`,
      );
    }
    await sleep(1000);
    recording = false;
    emu.pause();
    const last = sent[sent.length - 1];
    await until('the last sent message in the log', 15_000, async () => {
      if (last === undefined) return true;
      const tail = await gw!.log.read(Math.max(0, (await gw!.log.stats()).lastOffset - 2000), 2000);
      return tail.some((e) => e.id === last);
    });
    const end = (await gw.log.stats()).lastOffset;
    await until('the projector', 15_000, () => gw!.projector.offset >= end);
    const ids = new Set<string>();
    for (let after = 0; ;) {
      const page = await gw.log.read(after, 5000);
      if (page.length === 0) break;
      for (const e of page) ids.add(e.id);
      after = page[page.length - 1]!.offset;
    }
    const lost = fault.gap ? 0 : sent.filter((id) => !ids.has(id)).length;
    if (process.env.BENCH_RECOVERY_DEBUG) {
      for (let after = 0; ;) {
        const page = await gw.log.read(after, 5000);
        if (page.length === 0) break;
        for (const e of page)
          if (e.kind === 'reconcile.gap-conversations')
            process.stderr.write(
              `gap-conversations: ${Buffer.from(e.body).toString('utf8').slice(0, 400)}\n`,
            );
        after = page[page.length - 1]!.offset;
      }
    }
    const mismatches = await compare(gw, emu);
    return {
      recoveryMs,
      correct: mismatches === 0,
      mismatches,
      lost,
      sent: sent.length,
      activations,
      alert,
    };
  } finally {
    await gw?.close();
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function compare(gw: Gateway, emu: Emulator): Promise<number> {
  const truth = emu.truth();
  const get = async <T>(path: string) => (await (await fetch(`${gw.url}${path}`)).json()) as T;
  const { agents } = await get<{
    agents: {
      id: string;
      presence: string;
      routingStatus: string;
      conversations: { id: string }[];
    }[];
  }>('/api/v1/agents');
  const { queues } = await get<{
    queues: { id: string; waiting: number; alerting: number; interacting: number }[];
  }>('/api/v1/queues');
  const byId = new Map(agents.map((a) => [a.id, a]));
  const queueById = new Map(queues.map((q) => [q.id, q]));
  let wrong = 0;
  for (const real of truth.agents) {
    const a = byId.get(real.id);
    const same =
      a !== undefined &&
      a.presence === real.presence &&
      a.routingStatus === real.routingStatus &&
      a.conversations
        .map((c) => c.id)
        .sort()
        .join() ===
        real.conversations
          .map((c) => c.id)
          .sort()
          .join();
    if (!same) {
      wrong++;
      if (process.env.BENCH_RECOVERY_DEBUG) {
        process.stderr.write(
          `mismatch ${real.name}: ${JSON.stringify({ got: a && [a.presence, a.routingStatus, a.conversations.map((c) => c.id)], want: [real.presence, real.routingStatus, real.conversations.map((c) => [c.id, c.state])] })}\n`,
        );
        const ids = new Set([
          ...(a?.conversations.map((c) => c.id) ?? []),
          ...real.conversations.map((c) => c.id),
        ]);
        await traceConversations(gw, ids);
      }
    }
  }
  for (const real of truth.queues) {
    const q = queueById.get(real.id);
    if (
      !q ||
      q.waiting !== real.waiting ||
      q.alerting !== real.alerting ||
      q.interacting !== real.interacting
    ) {
      wrong++;
      if (process.env.BENCH_RECOVERY_DEBUG)
        process.stderr.write(
          `mismatch queue ${real.name}: ${JSON.stringify({ got: q && [q.waiting, q.alerting, q.interacting], want: [real.waiting, real.alerting, real.interacting] })}\n`,
        );
    }
  }
  return wrong;
}

/** Debug: every logged event that names one of `ids` (kind, time, the part that names it). */
async function traceConversations(gw: Gateway, ids: Set<string>): Promise<void> {
  const { lastOffset } = await gw.log.stats();
  for (let after = 0; after < lastOffset;) {
    const page = await gw.log.read(after, 1000);
    if (page.length === 0) break;
    for (const e of page) {
      const text = Buffer.from(e.body).toString('utf8');
      for (const id of ids) {
        const at = text.indexOf(id);
        if (at < 0) continue;
        process.stderr.write(
          `   ${id.slice(0, 8)} @${e.offset} ${e.kind} ${e.occurredAt} …${text.slice(Math.max(0, at - 150), at + 250)}…\n`,
        );
      }
    }
    after = page[page.length - 1]!.offset;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

export async function streamRecoverySection(log: (m: string) => void): Promise<string[]> {
  const rows: string[] = [];
  for (const fault of FAULTS) {
    const results: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      log(`stream recovery: ${fault.name}, run ${i + 1} of ${RUNS}`);
      results.push(await oneRun(fault, 100 + i));
    }
    const times = results.map((r) => r.recoveryMs);
    const lost = fault.gap ? '—' : String(results.reduce((n, r) => n + r.lost, 0));
    const correct = results.filter((r) => r.correct).length;
    const activations = Math.max(...results.map((r) => r.activations));
    const alerts = results.filter((r) => r.alert).length;
    rows.push(
      `| ${fault.name} | ${median(times)} | ${Math.max(...times)} | ${correct} of ${RUNS} | ${lost} | ${activations}${alerts > 0 ? ` (alert in ${alerts} of ${RUNS})` : ''} |`,
    );
  }
  return [
    '## Stream: recovery per fault',
    '',
    `Gateway with emulator credentials only, 150 agents, 6 queues, floor at ×${SPEED}; ${RUNS} runs per fault, each on a fresh gateway and emulator. Recovery: from the fault's end (a maintenance: the end of the emulator's silence window) until the stream runs again and, after a gap, a reconcile run started after the gap was reported has finished. Right: the paused floor then equals \`/emulator/truth\` (every agent's presence, routing status and conversations; every queue's waiting, alerting, interacting). Lost: events the emulator sent on followed topics during a planned handover that are not in the log. Activations: the most reconcile activations in one run (gap and stale), against the default limit of 2 an hour (\`reconcile.maxActivationsPerHour\`); more raises the alert.`,
    '',
    '| fault | recovery median (ms) | worst (ms) | right after | events lost | activations |',
    '| --- | ---: | ---: | --- | ---: | ---: |',
    ...rows,
    '',
  ];
}
