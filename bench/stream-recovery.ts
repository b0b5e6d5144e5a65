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
 * The faults are those of issue 12's test list: planned (socket-closing, a channel's expiry ahead
 * of time, revoked and expired tokens), unplanned (drops, expired channels, heartbeats stopping,
 * maintenance silences, 1,500 topics over two channels dropped together), 429 storms on the
 * token and REST endpoints, and a gateway started while calls are waiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator, type EmulatorOptions } from '../src/emulator/emulator.js';
import { CHANNEL_TTL_MS } from '../src/emulator/notifications/channel-manager.js';
import { loadConfig } from '../src/config/index.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import type { Reconciler } from '../src/sources/reconcile/reconciler.js';
import type { StreamSource } from '../src/sources/stream/stream-source.js';
import { createLogger } from '../src/ops/logger.js';

const RUNS = Number(process.env.BENCH_RECOVERY_RUNS ?? 3);
const SPEED = 10;

/** What a fault's hooks get: the pair under test. */
interface RunContext {
  emu: Emulator;
  gw: Gateway;
  stream: StreamSource;
  reconcile: Reconciler;
  /** The stream's channel before the fault. */
  first: string | undefined;
  /** When the first channel's handover ahead of expiry is due (epoch ms). */
  dueAt: number;
}

interface Fault {
  name: string;
  /** Posted to /emulator/faults in order (none: `apply` does it all). */
  body?: Record<string, unknown> | Record<string, unknown>[];
  /** How long the fault lasts after it is applied (ms; the emulator's window); 0: an instant. */
  lastsMs: number;
  /** Whether it opens a gap (unplanned): recovery then includes the reconcile run. */
  gap: boolean;
  /**
   * A planned handover, or a fault that keeps the socket: every event the emulator sent on a
   * followed topic meanwhile must be in the log (the "events lost" column).
   */
  lossless?: boolean;
  /** Emulator options for this fault (merged over the floor's). */
  emu?: Partial<EmulatorOptions>;
  /** `source.stream` settings for this fault. */
  stream?: Record<string, unknown>;
  /** Before the fault is posted (the floor paused, …). */
  before?: (c: RunContext) => Promise<void> | void;
  /** After it is posted; returns when the fault ended (default: posted + `lastsMs`). */
  after?: (c: RunContext, posted: number) => Promise<number | void>;
  /** Planned: recovered once the stream has handed its channel over to a new one. */
  handover?: boolean;
  /** Recovered also needs this (besides running again, a handover done, a gap repaired). */
  recovered?: (c: RunContext, ended: number) => boolean;
  /** The gateway starts while the floor is busy, and the fault is its start (see `oneRun`). */
  startsLate?: boolean;
}

/** The heartbeat watchdog's limit in the stop-heartbeats run (heartbeats every 2 s). */
const HEARTBEAT_TIMEOUT_MS = 5000;
/** The ahead-of-expiry run: channels live 20 s, handed over 12 s ahead. */
const SHORT_CHANNEL_MS = 20_000;
const RENEW_AHEAD_MS = 12_000;

const FAULTS: Fault[] = (
  [
    {
      name: 'socket-closing (planned)',
      body: { fault: 'socket-closing', seconds: 1 },
      lastsMs: 1000,
      gap: false,
      lossless: true,
      handover: true,
    },
    {
      // The first channel lives 20 s and its successors a day: one handover, due 8 s after the
      // channel was made; recovery from when it was due to the new channel in place.
      name: 'channel expiry ahead (planned)',
      lastsMs: 0,
      gap: false,
      lossless: true,
      emu: { channelTtlMs: SHORT_CHANNEL_MS },
      stream: { renewAheadMs: RENEW_AHEAD_MS },
      handover: true,
      after: async (c) => {
        await until(
          'the handover ahead of expiry',
          30_000,
          () => c.stream.channels[0]?.id !== c.first,
        );
        return c.dueAt;
      },
    },
    {
      name: 'revoke-tokens',
      body: { fault: 'revoke-tokens' },
      lastsMs: 0,
      gap: false,
      lossless: true,
      handover: true,
    },
    {
      // Tokens live 3 s; the socket outlives them. Recovery: from the token's expiry to a REST
      // run on a new token (a reconcile run started after it finished); the socket is kept.
      name: 'token expiry (socket kept)',
      lastsMs: 0,
      gap: false,
      lossless: true,
      emu: { tokenTtlSec: 3 },
      after: async ({ emu, gw }) => {
        await until("the gateway's token to expire", 15_000, () =>
          [...emu.tokens.values()].every((x) => x.expiresAt < Date.now()),
        );
        const expired = Date.now();
        void gw.reconcile();
        return expired;
      },
      recovered: ({ reconcile }, ended) =>
        !reconcile.running &&
        reconcile.lastResult !== undefined &&
        Date.parse(reconcile.lastResult.startedAt) >= ended,
    },
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
    {
      // Nothing arrives (the floor stands still) and heartbeats stop while TCP stays open: the
      // watchdog ends the socket; the floor moves again once it has.
      name: 'stop-heartbeats 8 s',
      body: { fault: 'stop-heartbeats', seconds: 8 },
      lastsMs: 8000,
      gap: true,
      stream: { heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS },
      before: ({ emu }) => emu.pause(),
      after: async ({ emu, stream }) => {
        await until('the heartbeat watchdog', 20_000, () => {
          return stream.health().counts!.heartbeatTimeouts! > 0;
        });
        emu.resume();
      },
    },
    // Shorter than reconcile.staleAfterMs (15 s): only the gap activates the reconciler. At the
    // default ping interval (5 s) a silence of 7 s or more is always noticed; a 5 s one only
    // when a ping falls in its first 3 s, so that row pings every second.
    {
      name: 'maintenance 5 s (ping every 1 s)',
      body: { fault: 'maintenance', seconds: 5 },
      lastsMs: 5000,
      gap: true,
      stream: { pingIntervalMs: 1000 },
    },
    {
      name: 'maintenance 10 s',
      body: { fault: 'maintenance', seconds: 10 },
      lastsMs: 10_000,
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
    {
      // 372 members × 4 user topics + 4 queues × 3 = 1,500 topics: two channels, both dropped.
      name: '1,500 topics (2 channels), drop 1006',
      body: { fault: 'drop-sockets', code: 1006 },
      lastsMs: 0,
      gap: true,
      emu: { agents: 372, queues: 4 },
      stream: { userTopics: ['activity', 'presence', 'routingStatus', 'conversations'] },
    },
    {
      // A 5 s storm on the REST API, and a drop whose repair meets it.
      name: '429 storm on the API 5 s, drop 1006',
      body: [
        { fault: 'rate-limit', seconds: 5, retryAfterSeconds: 1, paths: 'api' },
        { fault: 'drop-sockets', code: 1006 },
      ],
      lastsMs: 5000,
      gap: true,
    },
    {
      // A 5 s storm on the token endpoint, and every token revoked: the handover and the
      // revocation's repair both need a new token.
      name: '429 storm on the token 5 s, revoke-tokens',
      body: [
        { fault: 'rate-limit', seconds: 5, retryAfterSeconds: 1, paths: 'token' },
        { fault: 'revoke-tokens' },
      ],
      lastsMs: 5000,
      gap: true,
      handover: true,
    },
    {
      // The gateway starts while callers wait (a burst); recovery: from its start to its
      // first run done and the stream running.
      name: 'start while calls wait',
      lastsMs: 0,
      gap: false,
      startsLate: true,
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

async function post(emu: Emulator, name: string, body: Record<string, unknown>) {
  const res = await fetch(`${emu.url}/emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`fault ${name}: ${res.status} ${await res.text()}`);
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
  let lastOpen: string | undefined;
  const emu = new Emulator({
    host: '127.0.0.1',
    port: 0,
    agents: 150,
    queues: 6,
    seed,
    speed: SPEED,
    realtime: true,
    heartbeatSec: 2,
    ...fault.emu,
    sink: (text) => {
      if (!recording) return;
      const m = FOLLOWED.exec(text);
      if (!m) return;
      sent.push(`${m[1]}:${m[2]}`);
      // Sent while a socket was open (what a gap drops is never in the log: not waited for).
      if ([...emu.channels.channels.values()].some((c) => c.socket?.readyState === 1))
        lastOpen = `${m[1]}:${m[2]}`;
    },
  });
  // The `expires` of each channel as created (the answer to the POST the stream times its
  // handover ahead of expiry from; a subscription later moves the emulator's own).
  const createdExpires: number[] = [];
  const create = emu.channels.create.bind(emu.channels);
  emu.channels.create = (clientId) => {
    const made = create(clientId);
    createdExpires.push(made.channel.expires);
    return made;
  };
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
      // Defaults throughout, but for what a fault's row names.
      overrides: { source: { stream: { ...fault.stream } } },
    });
    let startAt = 0;
    if (fault.startsLate) {
      // Callers waiting before the gateway exists (a burst on a moving floor).
      await post(emu, fault.name, { fault: 'burst', factor: 10, seconds: 600 });
      await until('callers waiting', 60_000, () => emu.truth().queues.some((q) => q.waiting >= 3));
      startAt = Date.now();
    }
    gw = await startGateway(config, { logger: createLogger('silent'), defaultMetrics: false });
    const stream = gw.sources.find((s) => s.name === 'stream') as StreamSource;
    const reconcile = gw.sources.find((s) => s.name === 'reconcile') as Reconciler;
    await until('the stream running', 15_000, () => stream.health().state === 'running');
    // Later channels live a day (the platform's), so the short-lived first one is handed over once.
    emu.channels.ttlMs = CHANNEL_TTL_MS;
    await gw.reconcile();
    const c: RunContext = {
      emu,
      gw,
      stream,
      reconcile,
      first: stream.channels[0]?.id,
      dueAt: (createdExpires[0] ?? 0) - RENEW_AHEAD_MS,
    };
    if (!fault.startsLate) await sleep(2000);

    const gapsBefore = reconcile.health().counts!.gapsReceived!;
    const activationsBefore = reconcile.health().counts!.activations!;
    recording = true;
    await fault.before?.(c);
    // The emulator opens a window at its clock's now (this process's clock) while it handles
    // the request: taken from before the request, the end is at most that request's few ms
    // early, so recovery is never flattered.
    const posted = fault.startsLate ? startAt : Date.now();
    const bodies = fault.body === undefined ? [] : [fault.body].flat();
    for (const body of bodies) await post(emu, fault.name, body);
    const ended = (await fault.after?.(c, posted)) ?? posted + fault.lastsMs;
    // Recovered: receiving again, a planned handover done, and (after a gap) a run that started
    // after the last gap was reported has finished (not one the staleness watchdog started
    // during the silence).
    await until('recovery', fault.lastsMs + 60_000, () => {
      if (Date.now() < ended || emu.faults.silenced()) return false;
      if (stream.health().state !== 'running') return false;
      if (fault.handover && stream.channels[0]?.id === c.first) return false;
      if (fault.recovered && !fault.recovered(c, ended)) return false;
      if (!fault.gap) return true;
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
          `gaps ${JSON.stringify(reconcile.gaps.slice(gapsBefore).map((g) => ({ ...g, to: at(g.to), topics: g.topics?.length })))}; ` +
          `last run from ${at(run.startedAt)} to ${at(run.finishedAt)}; runs ${rh.runs}, ` +
          `activations ${activations}, alert ${rh.activationAlert}; ` +
          `stream ${JSON.stringify(stream.health().counts)}; ` +
          `genesys ${JSON.stringify(((await (await fetch(`${gw.url}/readyz`)).json()) as { genesys?: unknown }).genesys)}\n`,
      );
    }
    await sleep(1000);
    recording = false;
    emu.pause();
    const last = lastOpen;
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
    const lost = fault.lossless ? sent.filter((id) => !ids.has(id)).length : 0;
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
    const lost = fault.lossless ? String(results.reduce((n, r) => n + r.lost, 0)) : '—';
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
    `Gateway with emulator credentials only, 150 agents, 6 queues (the 1,500-topic row: 372 agents, 4 queues, 4 user topics each), floor at ×${SPEED}; ${RUNS} runs per fault, each on a fresh gateway and emulator. Recovery: from the fault's end (a window such as a maintenance or a 429 storm: the end of the emulator's window; a channel's expiry: when its handover was due; token expiry: when the gateway's token expired; a start: the gateway's start) until the stream runs again, a planned handover has put the new channel in place, and, after a gap, a reconcile run started after the gap was reported has finished (token expiry: a run started after the expiry, on a new token; a start: the first run). Right: the paused floor then equals \`/emulator/truth\` (every agent's presence, routing status and conversations; every queue's waiting, alerting, interacting). Lost: for planned handovers and a kept socket, events the emulator sent on followed topics from the fault on that are not in the log. Activations: the most reconcile activations in one run (gap and stale), against the default limit of 2 an hour (\`reconcile.maxActivationsPerHour\`); more raises the alert. The fault tests (test/e2e/stream-faults.test.ts, stream-rate-limit.test.ts) bound the same recovery at 8 s on shared CI cores.`,
    '',
    '| fault | recovery median (ms) | worst (ms) | right after | events lost | activations |',
    '| --- | ---: | ---: | --- | ---: | ---: |',
    ...rows,
    '',
  ];
}
