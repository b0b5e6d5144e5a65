import type { Logger } from 'pino';
import { SwitchboardError } from '../../errors.js';
import type { AppendResult } from '../../log/event-log.js';
import {
  ROSTER_CHANGED,
  TOKEN_REVOKED,
  type Gap,
  type Source,
  type SourceContext,
  type SourceHealth,
} from '../source.js';
import { SourceLifecycle } from '../source-lifecycle.js';
import { buildEvents, defaultRunId } from './reconcile-events.js';
import { fetchSnapshot, type ReconcileClient } from './reconcile-fetch.js';

export {
  RECONCILE_KINDS,
  buildEvents,
  defaultRunId,
  type ReconcileComplete,
  type ReconcileSnapshot,
} from './reconcile-events.js';
export { USER_EXPAND, type ReconcileClient } from './reconcile-fetch.js';

/**
 * An activation's reason as one of few causes (the `cause` label of
 * `switchboard_reconcile_activations_total`): `stale` (no event while agents are logged in),
 * `impossible` (a ring or a conversation too old to be true), `roster` (the followed users
 * changed), `gap` (a source may have missed events).
 */
export function activationCause(reason: string): 'stale' | 'impossible' | 'roster' | 'gap' {
  if (reason.startsWith('stale')) return 'stale';
  if (reason.startsWith('impossible')) return 'impossible';
  if (reason.endsWith(ROSTER_CHANGED)) return 'roster';
  return 'gap';
}

/** The reconciler's health: `/readyz` and the health page show `activationsByCause` as it is. */
export interface ReconcilerHealth extends SourceHealth {
  /** Activations of the last hour by cause (`activationCause`). */
  activationsByCause: Record<string, number>;
}

/**
 * The reconcile Source: one run reads presence definitions, queues with their members and users
 * (with presence, routing status and team) from REST, then appends them to the log as
 * `reconcile.*` events, `reconcile.complete` last. Runs are on demand (`run()`: the CLI's seed
 * after start, `POST /api/v1/reconcile`); `start` only lets runs append. It is also where every
 * source's gaps go (`receiveGap`). Shapes and guarantees: docs/reconcile.md.
 */

export interface ReconcileResult {
  runId: string;
  startedAt: string;
  finishedAt: string;
  users: number;
  queues: number;
  presenceDefinitions: number;
  /** Queue memberships (sum over queues). */
  members: number;
  /** Events handed to the log (all kinds, `reconcile.complete` included). */
  events: number;
  /** Events of the snapshot left out because live state already agreed with them. */
  unchanged: number;
  /** Of those, stored now / already present (a retried run with the same id). */
  appended: number;
  duplicates: number;
  durationMs: number;
  /** Offsets of the run's first and last event (`reconcile.complete`). */
  firstOffset: number;
  lastOffset: number;
}

/** How far back a gateway's first run reads agents' own calls (calls in no queue). */
const START_BACKFILL_MS = 3_600_000;

export interface ReconcilerOptions {
  /**
   * The REST client, or how to get one once it can be built (demo mode: the emulator's address
   * is known only after the gateway listens); undefined from the function means not yet.
   */
  client: ReconcileClient | (() => ReconcileClient | undefined);
  logger: Logger;
  now?: () => number;
  /** Called once per run with its result, or with the `ReconcileError` it failed with. */
  onRun?: (outcome: ReconcileResult | ReconcileError) => void;
  /** Run ids (tests; a retried run reuses its id). Default: time-based + random. */
  newRunId?: (startedAtMs: number) => string;
  /** Events per `append` (default 500). */
  chunkSize?: number;
  /** Queues whose members are fetched at once (default 4). */
  memberConcurrency?: number;
  /** Gaps kept for inspection (default 100; older ones are only counted). */
  keepGaps?: number;
  /**
   * Runs the reconciler starts by itself (a gap, a quiet stream): how long to wait for more
   * gaps to arrive before the run (default 2 000), and how many such activations in an hour
   * are normal (default 2; more marks the source degraded: something keeps breaking).
   */
  activation?: { debounceMs?: number; maxPerHour?: number };
  /** Told of every activation (metrics). */
  onActivation?: (reason: string) => void;
  /**
   * The org's clock: the latest event time seen, never behind ours (the gateway's). A gap's
   * interval is this machine's time; conversation details are asked for in the org's, which may
   * be skewed from ours (or, in the emulator, run faster). Default: this machine's clock.
   */
  orgNow?: () => number;
  /**
   * Live state, to append only what differs from it. `changes` says whether folding an event
   * of the run (kind, body, the run's start) would change anything; `settle` resolves once live
   * state has folded what the log held when it was called (an event still on its way is not a
   * difference; false: it could not in time, and the run appends everything). Without it a
   * run appends the whole snapshot.
   */
  projected?: ProjectedState;
}

export interface ProjectedState {
  changes(kind: string, body: Record<string, unknown>, at: number): boolean;
  settle(): Promise<boolean>;
}

export type ReconcilePhase = 'fetch' | 'append';

/**
 * A failed run. `phase` `fetch`: nothing was appended. `append`: the first `appended` events
 * of the run are in the log, but not `reconcile.complete`, so consumers ignore the run.
 */
export class ReconcileError extends Error {
  readonly runId: string;
  readonly phase: ReconcilePhase;
  readonly appended: number;

  constructor(
    init: { runId: string; phase: ReconcilePhase; step: string; appended: number },
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const partial =
      init.phase === 'append'
        ? ` (${init.appended} events of the run were appended; the run has no reconcile.complete)`
        : '';
    super(`reconcile run ${init.runId} failed while ${init.step}: ${why}${partial}`, { cause });
    this.name = 'ReconcileError';
    this.runId = init.runId;
    this.phase = init.phase;
    this.appended = init.appended;
  }
}

export class Reconciler implements Source {
  readonly name = 'reconcile';
  readonly kind = 'reconcile' as const;
  readonly #client: ReconcilerOptions['client'];
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #onRun: ReconcilerOptions['onRun'];
  readonly #newRunId: (startedAtMs: number) => string;
  readonly #chunkSize: number;
  readonly #memberConcurrency: number;
  readonly #keepGaps: number;
  readonly #life: SourceLifecycle;
  #resolved: ReconcileClient | undefined;
  #inflight: Promise<ReconcileResult> | undefined;
  #last: ReconcileResult | undefined;
  #lastError: ReconcileError | undefined;
  #runs = 0;
  #failedRuns = 0;
  #gapsReceived = 0;
  readonly #gaps: Gap[] = [];
  readonly #debounceMs: number;
  readonly #maxPerHour: number;
  readonly #onActivation: ((reason: string) => void) | undefined;
  readonly #orgNow: () => number;
  readonly #projected: ProjectedState | undefined;
  /**
   * Activations of the last hour: each is one run asked for, with every reason that asked for
   * it while it was pending (a drop of several channels at once is one activation, not one per
   * channel).
   */
  #activations: { at: number; reasons: string[] }[] = [];
  #pending: NodeJS.Timeout | undefined;
  /** A gap arrived while a run was fetching: the run may predate it, so one more follows. */
  #again = false;
  #activatedRuns = 0;
  /** When the earliest gap not yet repaired began (epoch ms): the next run backfills from it. */
  #gapFrom: number | undefined;
  /**
   * The same without the margin for skew (org clock): queue conversations begun since then and
   * over are counted; live state may have seen one begun before (and forgotten it since).
   */
  #countFrom: number | undefined;
  /** Backfills cut at their page cap (conversations after it were not read). */
  #backfillTruncated = 0;
  #firstRun = true;

  constructor(options: ReconcilerOptions) {
    this.#client = options.client;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#onRun = options.onRun;
    this.#newRunId = options.newRunId ?? defaultRunId;
    this.#chunkSize = Math.max(1, Math.floor(options.chunkSize ?? 500));
    this.#memberConcurrency = Math.max(1, Math.floor(options.memberConcurrency ?? 4));
    this.#keepGaps = Math.max(0, Math.floor(options.keepGaps ?? 100));
    this.#debounceMs = Math.max(0, options.activation?.debounceMs ?? 2000);
    this.#maxPerHour = Math.max(0, options.activation?.maxPerHour ?? 2);
    this.#onActivation = options.onActivation;
    this.#orgNow = options.orgNow ?? this.#now;
    this.#projected = options.projected;
    // A failed run is not a gap: the reconciler is where gaps go, and its next run repairs it.
    this.#life = new SourceLifecycle({
      kind: 'reconcile',
      gapOnAppendFailure: false,
      now: this.#now,
    });
  }

  /** True while a run is in flight. */
  get running(): boolean {
    return this.#inflight !== undefined;
  }

  /** True once there is a REST client to run against (see `ReconcilerOptions.client`). */
  get available(): boolean {
    return this.#clientNow() !== undefined;
  }

  /** The last successful run's result. */
  get lastResult(): ReconcileResult | undefined {
    return this.#last;
  }

  /** The most recent gaps received, oldest first. */
  get gaps(): readonly Gap[] {
    return this.#gaps;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#life.start(ctx);
  }

  /**
   * Refuses new runs; waits for a run that is appending. A run still fetching is not waited
   * for: it is abandoned before it appends anything.
   */
  stop(): Promise<void> {
    if (this.#pending) clearTimeout(this.#pending);
    this.#pending = undefined;
    return this.#life.stop();
  }

  /**
   * `degraded` while the last run failed (live state may lack what it would have brought), or
   * after more activations in the last hour than `activation.maxPerHour`.
   */
  health(): ReconcilerHealth {
    const recent = this.#recentActivations();
    const activationsByCause: Record<string, number> = {};
    for (const a of recent) {
      const cause = activationCause(a.reasons[0]!);
      activationsByCause[cause] = (activationsByCause[cause] ?? 0) + 1;
    }
    const tooMany =
      recent.length > this.#maxPerHour
        ? `${recent.length} reconcile activations in the last hour (normal: ${this.#maxPerHour}): ` +
          summarize(recent.flatMap((a) => a.reasons))
        : undefined;
    const degradedBy = this.#lastError?.message ?? tooMany;
    const health = this.#life.health({
      ...(degradedBy !== undefined ? { degradedBy } : {}),
      counts: {
        runs: this.#runs,
        failedRuns: this.#failedRuns,
        gapsReceived: this.#gapsReceived,
        activations: this.#activatedRuns,
        activationsLastHour: recent.length,
        maxActivationsPerHour: this.#maxPerHour,
        activationAlert: tooMany === undefined ? 0 : 1,
        backfillTruncated: this.#backfillTruncated,
      },
    });
    return { ...health, activationsByCause };
  }

  /** Activations within the last hour (older ones dropped). */
  #recentActivations(): { at: number; reasons: string[] }[] {
    const since = this.#now() - 3_600_000;
    this.#activations = this.#activations.filter((a) => a.at > since);
    return this.#activations;
  }

  /**
   * Something says live state may be wrong (`reason`: a gap's, or `stale`): a run starts after
   * `activation.debounceMs`, one for any number of activations meanwhile. While a run is in
   * flight another follows it, since it may have read the directory before the gap began.
   * Nothing happens before `start`, after `stop`, or without a client.
   */
  activate(reason: string, options: { now?: boolean } = {}): void {
    if (this.#life.refusal() !== undefined || this.#clientNow() === undefined) return;
    const joins = this.#pending !== undefined || (this.#inflight !== undefined && this.#again);
    const last = this.#activations.at(-1);
    if (joins && last) {
      last.reasons.push(reason);
    } else {
      this.#activations.push({ at: this.#now(), reasons: [reason] });
      this.#activatedRuns++;
      this.#onActivation?.(reason);
    }
    if (this.#inflight) {
      this.#again = true;
      return;
    }
    // `now`: the cause is one settled fact (a roster change), not the first of a burst.
    if (options.now) {
      if (this.#pending) clearTimeout(this.#pending);
      this.#pending = undefined;
      this.#runActivated();
      return;
    }
    if (this.#pending) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      this.#runActivated();
    }, this.#debounceMs);
    this.#pending.unref();
  }

  #runActivated(): void {
    this.run().then(
      () => {},
      () => {
        // Logged and in health by the run; the next activation tries again.
      },
    );
  }

  /**
   * A source may have missed events in `gap`. Counted and kept for now; runs are still on
   * demand (the staleness watchdog that turns gaps into runs comes later).
   */
  receiveGap(gap: Gap): void {
    this.#gapsReceived++;
    this.#gaps.push(gap);
    if (this.#gaps.length > this.#keepGaps) this.#gaps.shift();
    if (gap.reason === ROSTER_CHANGED) {
      // Nothing was missed, so nothing to backfill: the run's roster drops who left.
      this.#logger.info({ gap }, 'reconcile: the followed users changed');
      this.activate(`${gap.source} ${gap.reason}`, { now: true });
      return;
    }
    // `topics`: what was not followed during it (absent: everything). A run repairs everything
    // it reads either way; the topics say what it repairs for, in the log and in `gaps`.
    this.#logger.warn(
      { gap: gapSummary(gap) },
      gap.topics === undefined
        ? 'reconcile: a source reported a gap'
        : `reconcile: a source reported a gap in ${gap.topics.length} topics`,
    );
    // Where the gap began on the org's clock: as long before the org's now as it began before
    // ours, and ten minutes more for skew (a call already going then is read too, harmlessly).
    // A gap of unknown start is taken as ten minutes long; none older than a day is read.
    const lengthMs =
      gap.from === undefined ? 600_000 : Math.max(0, this.#now() - Date.parse(gap.from));
    if (Number.isFinite(lengthMs)) {
      const began = this.#orgNow() - Math.min(lengthMs, 24 * 3600_000);
      const from = began - 600_000;
      this.#gapFrom = Math.min(this.#gapFrom ?? from, from);
      // Only a gap that knows when it began says which conversations live state cannot have
      // seen begin. (A gap of some topics only: the others' conversations were seen, and are
      // remembered as ended, so they are not counted again.)
      if (gap.from !== undefined) this.#countFrom = Math.min(this.#countFrom ?? began, began);
    }
    // Genesys revoked the org's tokens (`v2.system.token_revoked.{id}`): the cached one would
    // fail the next run's first request, so the next run signs in again from the start.
    if (gap.reason === TOKEN_REVOKED) this.#clientNow()?.invalidateToken?.();
    this.activate(`${gap.source} ${gap.reason}`);
  }

  /**
   * Runs a reconcile; a call while one is in flight gets that run's promise. Rejects at once
   * with SB_NOT_READY before `start`, SB_SHUTTING_DOWN after `stop`, and
   * SB_RECONCILE_UNAVAILABLE while there is no client; otherwise a failure is a ReconcileError.
   */
  run(): Promise<ReconcileResult> {
    const refused = this.#life.refusal();
    if (refused) return Promise.reject(refused);
    const client = this.#clientNow();
    if (client === undefined) {
      return Promise.reject(new SwitchboardError('SB_RECONCILE_UNAVAILABLE'));
    }
    this.#inflight ??= this.#run(client).finally(() => {
      this.#inflight = undefined;
      if (this.#again) {
        this.#again = false;
        this.#runActivated();
      }
    });
    return this.#inflight;
  }

  #clientNow(): ReconcileClient | undefined {
    if (typeof this.#client !== 'function') return this.#client;
    this.#resolved ??= this.#client();
    return this.#resolved;
  }

  async #run(client: ReconcileClient): Promise<ReconcileResult> {
    const started = this.#now();
    const runId = this.#newRunId(started);
    const startedAt = new Date(started).toISOString();
    // The run's start on the org's clock (for the roster: reconcile-events.ts), which may run
    // ahead of ours (an emulator's virtual time); never behind ours, since the snapshot is read
    // now. Just after the latest event live state has: all of it happened before the read.
    const asOf = this.#orgNow === this.#now ? started : Math.max(started, this.#orgNow() + 1);
    this.#logger.info({ runId }, 'reconcile run started');
    let appended = 0;
    let step = 'fetching presence definitions';
    let phase: ReconcilePhase = 'fetch';
    try {
      // The gaps received until now are this run's to repair; later ones, the next run's.
      // A gateway that starts knows nothing of what happened before: its first run reads the
      // last hour's conversations in no queue too (an agent already on a call they placed).
      const backfillFrom =
        this.#gapFrom ?? (this.#firstRun ? this.#orgNow() - START_BACKFILL_MS : undefined);
      const countFrom = this.#countFrom;
      this.#gapFrom = undefined;
      this.#countFrom = undefined;
      this.#firstRun = false;
      const snapshot = await fetchSnapshot(
        client,
        this.#logger,
        this.#memberConcurrency,
        (s) => (step = s),
        backfillFrom === undefined
          ? undefined
          : // An hour past the latest event seen: after a silence that event is old, and the
            // org's now unknown; Genesys answers with what has happened so far.
            {
              from: backfillFrom,
              to: this.#orgNow() + 3_600_000,
              ...(countFrom !== undefined ? { countFrom } : {}),
            },
      ).catch((err: unknown) => {
        // Not repaired: the next run reads the interval again.
        if (backfillFrom !== undefined)
          this.#gapFrom = Math.min(this.#gapFrom ?? backfillFrom, backfillFrom);
        if (countFrom !== undefined)
          this.#countFrom = Math.min(this.#countFrom ?? countFrom, countFrom);
        throw err;
      });
      if (snapshot.gapConversations?.truncated) this.#backfillTruncated++;
      const finished = this.#now();
      const finishedAt = new Date(finished).toISOString();
      step = 'comparing with live state';
      const projected =
        this.#projected && (await this.#projected.settle()) ? this.#projected : undefined;
      const { events, unchanged } = buildEvents(
        runId,
        startedAt,
        finishedAt,
        snapshot,
        projected && ((kind, body) => projected.changes(kind, body, started)),
        new Date(asOf).toISOString(),
      );
      step = 'appending to the event log';
      // One delivery for stop(): it waits for every chunk, so a run is never cut short.
      const results = await this.#life.run(async ({ append }) => {
        phase = 'append';
        const out: AppendResult[] = [];
        for (let i = 0; i < events.length; i += this.#chunkSize) {
          const chunk = events.slice(i, i + this.#chunkSize);
          out.push(...(await append.append(chunk)));
          appended += chunk.length;
        }
        return out;
      });
      const duplicates = results.filter((r) => r.duplicate).length;
      const result: ReconcileResult = {
        runId,
        startedAt,
        finishedAt,
        users: snapshot.users.length,
        queues: snapshot.queues.length,
        presenceDefinitions: snapshot.presenceDefinitions.length,
        members: snapshot.queues.reduce((n, q) => n + q.members.length, 0),
        events: events.length,
        unchanged,
        appended: events.length - duplicates,
        duplicates,
        durationMs: this.#now() - started,
        firstOffset: results[0]?.offset ?? 0,
        lastOffset: results[results.length - 1]?.offset ?? 0,
      };
      this.#last = result;
      this.#lastError = undefined;
      this.#runs++;
      this.#logger.info(result, 'reconcile run finished');
      this.#report(result);
      return result;
    } catch (err) {
      const error = new ReconcileError({ runId, phase, step, appended }, err);
      this.#runs++;
      this.#failedRuns++;
      if (this.#life.refusal() === undefined) {
        this.#lastError = error;
        this.#logger.error({ err: error, runId, phase, appended }, 'reconcile run failed');
      } else {
        this.#logger.info({ runId, phase, appended }, 'reconcile run abandoned: source stopped');
      }
      this.#report(error);
      throw error;
    }
  }

  #report(outcome: ReconcileResult | ReconcileError): void {
    try {
      this.#onRun?.(outcome);
    } catch (err) {
      this.#logger.warn({ err }, 'reconcile onRun hook threw');
    }
  }
}

/** A gap for the log: its topics counted, with the first few named (a channel has 1,000). */
function gapSummary(gap: Gap): Record<string, unknown> {
  if (gap.topics === undefined) return { ...gap };
  const { topics, ...rest } = gap;
  return { ...rest, topicCount: topics.length, topics: topics.slice(0, 10) };
}

/** `reason ×n, …` for the health detail, most frequent first. */
function summarize(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => (n > 1 ? `${r} ×${n}` : r))
    .join(', ');
}
