/**
 * A gateway that follows the in-process emulator over the Notification API stream, as a user
 * points one at an org (`credentialsEnv`: emulator credentials only), for the end-to-end fault
 * tests: the emulator's floor moves in real time, every message the emulator sends on a followed
 * topic is known by its log id (topic name + `metadata.CorrelationId`, the same rule as the
 * ingest routes), and once a fault is over the floor is paused and compared with
 * `/emulator/truth`. The payloads are the emulator's own, already SDK-shaped (its renderers
 * follow MyPureCloud/platform-client-sdk-javascript's notification models): nothing is built here.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import type { Emulator, EmulatorOptions } from '../../src/emulator/emulator.js';
import { startGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import type { Reconciler } from '../../src/sources/reconcile/reconciler.js';
import type { StreamSource } from '../../src/sources/stream/stream-source.js';
import { credentialsEnv, postFault, startTestEmulator } from './emulator.js';
import { logIds } from './events.js';
import { tempDir, waitFor } from './helpers.js';
import { compareWithTruth, pauseAndSettle } from './truth.js';

export const SPEED = 30;

/**
 * How soon after a fault the floor must equal the truth again. The target is 2 s, which the
 * recovery bench measures on a quiet machine (`npm run bench -- stream`); a test that shares two
 * cores with the rest of the suite only bounds it, so a regression that waits for a periodic
 * timer (a 5-minute re-plan, a 15 s watchdog) still fails here, and load does not.
 */
export const WITHIN_MS = 8000;

export interface Ready {
  state?: string;
  sources: Record<
    string,
    {
      state: string;
      detail?: string;
      counts: Record<string, number | undefined>;
      /** The reconciler's activations by cause (gap reasons, `stale`, …). */
      activationsByCause?: Record<string, number>;
    }
  >;
  /** The shared REST client's counters. */
  genesys?: Record<string, number>;
}

/** The value of one sample on /metrics (`name{labels}` exactly as written), or undefined. */
export function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * A message on a topic the stream follows by default (`userTopics` activity and conversations, every
 * queue topic) as the emulator renders it: its topic and CorrelationId.
 */
const FOLLOWED =
  /^\{"topicName":"(v2\.users\.[^".]+\.(?:activity|conversations)|v2\.routing\.queues\.[^".]+\.(?:conversations|users)|v2\.analytics\.queues\.[^".]+\.observations)".*"CorrelationId":"([^"]+)"\}\}$/;

/** Config overrides the fault tests use (merged into the rig's own). */
export interface RigOverrides {
  reconcile?: Record<string, unknown>;
  source?: { stream?: Record<string, unknown> };
}

export interface RigOptions {
  overrides?: RigOverrides;
  /** Runs once the emulator listens and before the gateway starts (a floor already busy). */
  beforeGateway?: (emu: Emulator) => Promise<void> | void;
  /** Runs as soon as the stream is running (before the seed run and the first messages). */
  onRunning?: (emu: Emulator) => void;
  /** Stream messages to wait for before the rig is handed over (default 100). */
  minMessages?: number;
  /** Record (see `record`) from the moment the stream runs: a handover during the set-up. */
  recordFromRunning?: boolean;
}

export async function gatewayRig(
  t: TestContext,
  emuOptions: EmulatorOptions = {},
  options: RigOptions = {},
) {
  // The id of the last message the emulator sent on a topic the stream follows while a socket
  // was open (what it sends while the stream is down is lost: the reconcile repairs it).
  let lastSent: string | undefined;
  /** Every followed message sent while recording (planned handovers: all must be in the log). */
  let recorded: string[] | undefined;
  const emu = await startTestEmulator(t, {
    realtime: true,
    agents: 60,
    queues: 4,
    seed: 23,
    speed: SPEED,
    heartbeatSec: 1,
    ...emuOptions,
    sink: (text) => {
      const m = FOLLOWED.exec(text);
      if (!m) return;
      recorded?.push(`${m[1]}:${m[2]}`);
      const open = [...emu.channels.channels.values()].some((c) => c.socket?.readyState === 1);
      if (open) lastSent = `${m[1]}:${m[2]}`;
    },
  });
  await options.beforeGateway?.(emu);
  const o = options.overrides ?? {};
  const config = loadConfig({
    env: credentialsEnv(emu, tempDir(t)),
    // A gap's run starts at once, so that a fault's repair is not held by the debounce. Rings
    // that age past the ring limit while a storm holds a run are the impossible-state watch's
    // business (tested in reconcile-activation), not these tests'.
    overrides: {
      reconcile: { activationDebounceMs: 100, maxRingMs: 600_000, ...o.reconcile },
      ...(o.source ? { source: o.source } : {}),
    },
  });
  assert.equal(config.source.mode, 'stream');
  const gw = await startGateway(config, { logger: createLogger('silent'), defaultMetrics: false });
  t.after(() => gw.close());
  const stream = gw.sources.find((s) => s.name === 'stream') as StreamSource | undefined;
  const reconcile = gw.sources.find((s) => s.name === 'reconcile') as Reconciler | undefined;
  assert.ok(stream && reconcile, 'a stream and a reconcile source');
  await waitFor(() => stream.health().state === 'running', {
    timeoutMs: 15_000,
    what: 'the stream running',
  });
  options.onRunning?.(emu);
  if (options.recordFromRunning) recorded = [];
  const started = emu.sim.now;
  await gw.reconcile();
  const streamCounts = () => stream.health().counts!;
  // A floor that moves: calls waiting, ringing and talking before any fault.
  const minMessages = options.minMessages ?? 100;
  await waitFor(() => streamCounts().messages! >= minMessages, {
    timeoutMs: 20_000,
    what: `${minMessages} stream messages`,
  });
  const reconcileCounts = () => reconcile.health().counts!;
  return {
    emu,
    gw,
    stream,
    reconcile,
    started,
    streamCounts,
    reconcileCounts,
    async fault(body: Record<string, unknown>) {
      const res = await postFault(emu, body);
      assert.equal(res.status, 200, JSON.stringify(res.body));
    },
    /** From now on, every followed message the emulator sends is kept (see `missing`). */
    record() {
      recorded = [];
    },
    /** Stops recording; what was recorded. */
    recorded(): string[] {
      const all = recorded ?? [];
      recorded = undefined;
      return all;
    },
    /** Of `ids`, those not in the log (once `still()`: a planned handover must lose none). */
    async missing(ids: readonly string[]): Promise<string[]> {
      const have = await logIds(gw.log);
      return ids.filter((id) => !have.has(id));
    },
    /**
     * A gap reported after `gapsBefore` has been repaired: the reconciler is idle and its last
     * run started after the last gap's end (a run the staleness watchdog started during a long
     * silence does not count).
     */
    gapRepaired(gapsBefore: number): boolean {
      if (reconcile.gaps.length <= gapsBefore || reconcile.running) return false;
      const gap = reconcile.gaps[reconcile.gaps.length - 1]!;
      const run = reconcile.lastResult;
      return run !== undefined && Date.parse(run.startedAt) >= Date.parse(gap.to);
    },
    /** Simulated time stops; resolves once the last message sent is in the log and folded. */
    still: () => pauseAndSettle(gw, emu, () => lastSent),
    /** Every event of the log, and whether an id is there twice. */
    async duplicateIds(): Promise<{ events: number; duplicates: string[] }> {
      const seen = new Set<string>();
      const duplicates: string[] = [];
      let events = 0;
      for (let after = 0; ;) {
        const page = await gw.log.read(after, 1000);
        if (page.length === 0) break;
        for (const e of page) {
          events++;
          if (seen.has(e.id)) duplicates.push(e.id);
          seen.add(e.id);
        }
        after = page[page.length - 1]!.offset;
      }
      return { events, duplicates };
    },
    async metrics() {
      return (await fetch(`${gw.url}/metrics`)).text();
    },
    async ready() {
      return (await (await fetch(`${gw.url}/readyz`)).json()) as Ready;
    },
  };
}

export type Rig = Awaited<ReturnType<typeof gatewayRig>>;

/**
 * Once the fault is over: the floor equals the truth within `WITHIN_MS` of its end, and the log
 * holds every id once. Returns how long after the end the floor was right (ms).
 */
export async function truthAfterFault(
  t: TestContext,
  r: Rig,
  faultEnd: number,
  minAnswered = 1,
): Promise<number> {
  await r.still();
  try {
    t.diagnostic(`after the fault: ${await compareWithTruth(r.gw, r.emu, r.started, minAnswered)}`);
  } catch (err) {
    // What the runs said the org had, for a mismatch.
    const runs = (await r.gw.log.read(0, 100_000))
      .filter((e) => e.kind === 'reconcile.complete')
      .map((e) => {
        const body = JSON.parse(Buffer.from(e.body).toString('utf8')) as Record<string, unknown[]>;
        return `@${e.offset}: ${body.userIds?.length} users, ${body.queueIds?.length} queues`;
      });
    t.diagnostic(`reconcile runs: ${runs.join('; ')}; projector at ${r.gw.projector.offset}`);
    throw err;
  }
  const late = Date.now() - faultEnd;
  t.diagnostic(`the floor equalled the truth ${late} ms after the fault ended`);
  assert.ok(late <= WITHIN_MS, `equal to the truth ${late} ms after the fault (${WITHIN_MS} max)`);
  const { events, duplicates } = await r.duplicateIds();
  assert.ok(events > 0);
  assert.deepEqual(duplicates, [], 'no id twice in the log');
  return late;
}
