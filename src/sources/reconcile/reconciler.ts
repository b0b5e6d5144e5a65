import { randomBytes } from 'node:crypto';
import { isPlainObject } from '../../util/objects.js';
import type { Logger } from 'pino';
import type { GenesysRestClient } from '../../genesys/rest-client.js';
import type { AppendResult, EventInput, EventKind, EventLog } from '../../log/event-log.js';

/**
 * Seeds live state from REST: one run reads presence definitions, queues with their members
 * and users (with presence, routing status and team), then appends them to the event log as
 * `reconcile.*` events, `reconcile.complete` last. Shapes and guarantees: docs/reconcile.md.
 */

export const RECONCILE_KINDS = {
  presenceDefinitions: 'reconcile.presence-definitions',
  queue: 'reconcile.queue',
  user: 'reconcile.user',
  complete: 'reconcile.complete',
} as const;

/** Users are read with these expands (FACTS §3.1). */
export const USER_EXPAND = ['presence', 'routingStatus', 'team'] as const;

/** Body of `reconcile.complete`. */
export interface ReconcileComplete {
  runId: string;
  /** When fetching began (also every event's `occurredAt`). */
  startedAt: string;
  /** When fetching ended: the snapshot lies between the two. */
  finishedAt: string;
  userIds: string[];
  queueIds: string[];
}

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
  /** Of those, stored now / already present (a retried run with the same id). */
  appended: number;
  duplicates: number;
  durationMs: number;
  /** Offsets of the run's first and last event (`reconcile.complete`). */
  firstOffset: number;
  lastOffset: number;
}

/** What the reconciler needs from the REST client. */
export type ReconcileClient = Pick<GenesysRestClient, 'pages'>;

export interface ReconcilerOptions {
  client: ReconcileClient;
  log: EventLog;
  logger: Logger;
  now?: () => number;
  /** Called once per run with its result, or with the `ReconcileError` it failed with. */
  onRun?: (outcome: ReconcileResult | ReconcileError) => void;
  /** Run ids (tests; a retried run reuses its id). Default: time-based + random. */
  newRunId?: (startedAtMs: number) => string;
  /** Events per `log.append` (default 500). */
  chunkSize?: number;
  /** Queues whose members are fetched at once (default 4). */
  memberConcurrency?: number;
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

/** What one run read, before it becomes events. */
export interface ReconcileSnapshot {
  presenceDefinitions: unknown[];
  queues: { id: string; entity: Record<string, unknown>; members: unknown[] }[];
  users: { id: string; entity: Record<string, unknown> }[];
}

export class Reconciler {
  readonly #client: ReconcileClient;
  readonly #log: EventLog;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #onRun: ReconcilerOptions['onRun'];
  readonly #newRunId: (startedAtMs: number) => string;
  readonly #chunkSize: number;
  readonly #memberConcurrency: number;
  #inflight: Promise<ReconcileResult> | undefined;
  #last: ReconcileResult | undefined;

  constructor(options: ReconcilerOptions) {
    this.#client = options.client;
    this.#log = options.log;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#onRun = options.onRun;
    this.#newRunId = options.newRunId ?? defaultRunId;
    this.#chunkSize = Math.max(1, Math.floor(options.chunkSize ?? 500));
    this.#memberConcurrency = Math.max(1, Math.floor(options.memberConcurrency ?? 4));
  }

  /** True while a run is in flight. */
  get running(): boolean {
    return this.#inflight !== undefined;
  }

  /** The last successful run's result. */
  get lastResult(): ReconcileResult | undefined {
    return this.#last;
  }

  /** Runs a reconcile; a call while one is in flight gets that run's promise. */
  run(): Promise<ReconcileResult> {
    this.#inflight ??= this.#run().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #run(): Promise<ReconcileResult> {
    const started = this.#now();
    const runId = this.#newRunId(started);
    const startedAt = new Date(started).toISOString();
    this.#logger.info({ runId }, 'reconcile run started');
    let appended = 0;
    let step = 'fetching presence definitions';
    let phase: ReconcilePhase = 'fetch';
    try {
      const snapshot = await this.#fetch((s) => (step = s));
      const finished = this.#now();
      const finishedAt = new Date(finished).toISOString();
      const events = buildEvents(runId, startedAt, finishedAt, snapshot);
      phase = 'append';
      step = 'appending to the event log';
      const results: AppendResult[] = [];
      for (let i = 0; i < events.length; i += this.#chunkSize) {
        const chunk = events.slice(i, i + this.#chunkSize);
        results.push(...(await this.#log.append(chunk)));
        appended += chunk.length;
      }
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
        appended: events.length - duplicates,
        duplicates,
        durationMs: this.#now() - started,
        firstOffset: results[0]?.offset ?? 0,
        lastOffset: results[results.length - 1]?.offset ?? 0,
      };
      this.#last = result;
      this.#logger.info(result, 'reconcile run finished');
      this.#report(result);
      return result;
    } catch (err) {
      const error = new ReconcileError({ runId, phase, step, appended }, err);
      this.#logger.error({ err: error, runId, phase, appended }, 'reconcile run failed');
      this.#report(error);
      throw error;
    }
  }

  async #fetch(at: (step: string) => void): Promise<ReconcileSnapshot> {
    const definitions = await collect(this.#client.pages<unknown>('/api/v2/presencedefinitions'));

    at('fetching queues');
    const queueEntities = await collect(
      this.#client.pages<Record<string, unknown>>('/api/v2/routing/queues'),
    );
    const queues = withIds(queueEntities, 'queue', this.#logger).map(({ id, entity }) => ({
      id,
      entity,
      members: [] as unknown[],
    }));

    at('fetching queue members');
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < queues.length && !failed) {
        const queue = queues[next++]!;
        try {
          queue.members = await collect(
            this.#client.pages<unknown>(
              `/api/v2/routing/queues/${encodeURIComponent(queue.id)}/members`,
            ),
          );
        } catch (err) {
          failed = true;
          at(`fetching members of queue ${queue.id}`);
          throw err;
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.#memberConcurrency, queues.length) }, worker),
    );

    at('fetching users');
    const userEntities = await collect(
      this.#client.pages<Record<string, unknown>>('/api/v2/users', { expand: USER_EXPAND }),
    );
    const users = withIds(userEntities, 'user', this.#logger);
    return { presenceDefinitions: definitions, queues, users };
  }

  #report(outcome: ReconcileResult | ReconcileError): void {
    try {
      this.#onRun?.(outcome);
    } catch (err) {
      this.#logger.warn({ err }, 'reconcile onRun hook threw');
    }
  }
}

/** The run's events in append order: definitions, queues, users, complete. */
export function buildEvents(
  runId: string,
  startedAt: string,
  finishedAt: string,
  snapshot: ReconcileSnapshot,
): EventInput[] {
  const receivedAt = finishedAt;
  const event = (
    key: string,
    kind: EventKind,
    topic: string,
    subject: EventInput['subject'],
    body: unknown,
  ): EventInput => ({
    id: `reconcile:${runId}:${key}`,
    source: 'reconcile',
    topic,
    kind,
    subject,
    occurredAt: startedAt,
    receivedAt,
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  });
  const events: EventInput[] = [
    event(
      'presence-definitions',
      RECONCILE_KINDS.presenceDefinitions,
      'v2.presencedefinitions',
      {},
      { entities: snapshot.presenceDefinitions },
    ),
  ];
  for (const q of snapshot.queues) {
    events.push(
      event(
        `queue:${q.id}`,
        RECONCILE_KINDS.queue,
        `v2.routing.queues.${q.id}`,
        { queueId: q.id },
        { queue: q.entity, members: q.members },
      ),
    );
  }
  for (const u of snapshot.users) {
    events.push(
      event(`user:${u.id}`, RECONCILE_KINDS.user, `v2.users.${u.id}`, { userId: u.id }, u.entity),
    );
  }
  const complete: ReconcileComplete = {
    runId,
    startedAt,
    finishedAt,
    userIds: snapshot.users.map((u) => u.id),
    queueIds: snapshot.queues.map((q) => q.id),
  };
  events.push(event('complete', RECONCILE_KINDS.complete, 'reconcile.complete', {}, complete));
  return events;
}

/** `20261123T100000123Z-1f2e3d4c`: sortable by start time, unique across runs. */
export function defaultRunId(startedAtMs: number): string {
  const stamp = new Date(startedAtMs).toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Entities with a string id, first copy of each id; others are logged and skipped. */
function withIds(
  entities: readonly Record<string, unknown>[],
  what: string,
  logger: Logger,
): { id: string; entity: Record<string, unknown> }[] {
  const seen = new Set<string>();
  const out: { id: string; entity: Record<string, unknown> }[] = [];
  for (const entity of entities) {
    const id = isPlainObject(entity) ? entity.id : undefined;
    if (typeof id !== 'string' || id === '') {
      logger.warn({ what }, `reconcile: skipped a ${what} without an id`);
      continue;
    }
    // Paging over a list that changes while it is read can repeat an entity.
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ id, entity });
  }
  return out;
}
