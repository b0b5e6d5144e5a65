import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { toEventKind } from './event-kinds.js';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { LogUnavailableError } from '../errors.js';
import { spawnWorker } from '../util/spawn-worker.js';
import type {
  AppendResult,
  ConsumerInfo,
  EventInput,
  EventLog,
  LogProblem,
  LogProblemReason,
  LogStats,
  Quarantine,
  QuarantineEntry,
  QuarantinedItem,
  StoredEvent,
  SubscribeOptions,
  Subscription,
} from './event-log.js';
import { LogSubscription } from './log-subscription.js';
import { TailCache } from './tail-cache.js';
import {
  DEDUPE_PRESSURE,
  type WireBatch,
  type WriterLimits,
  type WriterOptions,
  type WriterReady,
  type WriterRequest,
  type WriterResponse,
  type WriterStats,
} from './sqlite-protocol.js';

export interface SqliteEventLogOptions {
  /** Database file; its directory is created if missing. */
  path: string;
  fsync?: boolean;
  dedupeHorizonMs?: number;
  groupCommit?: { maxBatch?: number; maxWaitMs?: number };
  retention?: { maxAgeMs?: number; maxBytes?: number; intervalMs?: number };
  /** The log's clock (dedupe horizon and retention); tests move it. */
  now?: () => number;
  /** Called with the size of each committed batch (metrics). */
  onBatch?: (events: number, durationMs: number) => void;
  /** Told when a timed retention pass fails (it is retried on the next pass). */
  onRetentionError?: (err: unknown) => void;
  /** While a write failure holds, how often the writer checks whether writes work again. */
  probeIntervalMs?: number;
  /** Ceilings for tests (see WriterLimits). */
  limits?: WriterLimits;
}

/** A failed write as the writer reported it: the cause of the LogUnavailableError callers get. */
export class LogWriteError extends Error {
  /** The driver's code (`SQLITE_FULL`, …) or `DEDUPE_PRESSURE`. */
  readonly code: string;
  readonly reason: LogProblemReason;

  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'LogWriteError';
    this.code = code;
    this.reason = reasonOf(code);
  }
}

/** Driver codes translated at the adapter boundary; callers see only the reason. */
function reasonOf(code: string): LogProblemReason {
  if (code === 'SQLITE_FULL') return 'disk-full';
  if (code === DEDUPE_PRESSURE) return 'dedupe-pressure';
  return 'write-failed';
}

const REASON_TEXT: Record<LogProblemReason, string> = {
  'disk-full': 'the disk is full',
  'dedupe-pressure': 'the dedupe index cannot grow',
  'write-failed': 'a write failed',
  'writer-failed': 'the writer thread failed',
  closing: 'the log is closing',
};

interface PendingAppend {
  events: readonly EventInput[];
  resolve: (results: AppendResult[]) => void;
  reject: (err: Error) => void;
}

type Distribute<T> = T extends unknown ? Omit<T, 'seq'> : never;

const WORKER_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export class SqliteEventLog implements EventLog {
  readonly quarantine: Quarantine;
  readonly #options: Required<Pick<SqliteEventLogOptions, 'path' | 'now'>> & SqliteEventLogOptions;
  readonly #worker: Worker;
  readonly #reader: Database.Database;
  readonly #appended = new EventEmitter();
  readonly #tail = new TailCache();
  readonly #calls = new Map<
    number,
    { resolve: (r: unknown) => void; reject: (e: Error) => void }
  >();
  readonly #maxBatch: number;
  readonly #maxWaitMs: number;
  #seq = 0;
  #idleWaiters: (() => void)[] = [];
  #pending: PendingAppend[] = [];
  #pendingEvents = 0;
  #inflightEvents = 0;
  #writing = false;
  #waitTimer: NodeJS.Timeout | undefined;
  #retentionTimer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #problem: LogProblem | undefined;
  #stats: WriterStats;
  #closing: Promise<void> | undefined;
  #failed: Error | undefined;
  #failedAt = '';
  #readStmt: Database.Statement<[number, number], RawRow>;
  #firstStmt: Database.Statement<[], { offset: number }>;
  #lastStmt: Database.Statement<[], { offset: number }>;

  private constructor(
    options: SqliteEventLogOptions & { now: () => number },
    worker: Worker,
    ready: WriterStats,
  ) {
    this.#options = options;
    this.#worker = worker;
    this.#stats = ready;
    this.#maxBatch = options.groupCommit?.maxBatch ?? 4096;
    this.#maxWaitMs = options.groupCommit?.maxWaitMs ?? 0;
    this.#appended.setMaxListeners(0);
    this.#reader = new Database(options.path, { readonly: true, fileMustExist: true });
    this.#readStmt = this.#reader.prepare(
      `SELECT offset, id, source, topic, kind, user_id, queue_id, conversation_id, occurred_at,
         received_at, body FROM events WHERE offset > ? ORDER BY offset LIMIT ?`,
    );
    this.#firstStmt = this.#reader.prepare('SELECT offset FROM events ORDER BY offset LIMIT 1');
    this.#lastStmt = this.#reader.prepare('SELECT offset FROM events ORDER BY offset DESC LIMIT 1');
    worker.on('message', (msg: WriterResponse) => this.#onResponse(msg));
    worker.on('error', (err) => this.#fail(err));
    worker.on('exit', (code) => {
      if (!this.#closing || this.#calls.size > 0) {
        this.#fail(new Error(`sqlite writer exited with code ${code}`));
      }
    });
    const intervalMs = options.retention?.intervalMs ?? 60_000;
    this.#retentionTimer = setInterval(() => {
      this.runRetention().catch((err: unknown) => this.#options.onRetentionError?.(err));
    }, intervalMs);
    this.#retentionTimer.unref();
    this.quarantine = {
      put: (entry) => this.#putQuarantine(entry),
      list: async (after, limit) => this.#listQuarantine(after, limit),
      count: async () =>
        (this.#reader.prepare('SELECT COUNT(*) AS n FROM quarantine').get() as { n: number }).n,
    };
  }

  static async open(options: SqliteEventLogOptions): Promise<SqliteEventLog> {
    mkdirSync(dirname(options.path), { recursive: true });
    const writerOptions: WriterOptions = {
      path: options.path,
      fsync: options.fsync ?? true,
      dedupeHorizonMs: options.dedupeHorizonMs ?? 24 * 3600 * 1000,
      retention: {
        maxAgeMs: options.retention?.maxAgeMs ?? 7 * 24 * 3600 * 1000,
        maxBytes: options.retention?.maxBytes ?? 10 * 1024 ** 3,
      },
      startMs: (options.now ?? Date.now)(),
      ...(options.limits ? { limits: options.limits } : {}),
    };
    const worker = spawnWorker(new URL(`./sqlite-writer.worker${WORKER_EXT}`, import.meta.url), {
      workerData: writerOptions,
    });
    const ready = await new Promise<WriterStats>((resolve, reject) => {
      const onError = (err: Error) => reject(new LogUnavailableError(err.message, err));
      worker.once('error', onError);
      worker.once('message', (msg: WriterReady) => {
        worker.off('error', onError);
        if (msg.ready) resolve(msg.stats);
        else reject(new LogUnavailableError(`${msg.error.code}: ${msg.error.message}`));
      });
    });
    return new SqliteEventLog({ ...options, now: options.now ?? Date.now }, worker, ready);
  }

  append(events: readonly EventInput[]): Promise<AppendResult[]> {
    if (this.#closing) return Promise.reject(new LogUnavailableError('the log is closing'));
    if (this.#failed) return Promise.reject(new LogUnavailableError(this.#failed.message));
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#pending.push({ events, resolve, reject });
      this.#pendingEvents += events.length;
      this.#schedule();
    });
  }

  /** Group commit: everything queued while the writer was busy goes in the next transaction. */
  #schedule(): void {
    if (this.#writing || this.#pending.length === 0) return;
    if (this.#maxWaitMs > 0 && this.#pendingEvents < this.#maxBatch) {
      this.#waitTimer ??= setTimeout(() => {
        this.#waitTimer = undefined;
        this.#flush();
      }, this.#maxWaitMs);
      return;
    }
    this.#flush();
  }

  #flush(): void {
    if (this.#writing || this.#pending.length === 0) return;
    clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
    const batch: PendingAppend[] = [];
    let count = 0;
    while (this.#pending.length > 0) {
      const next = this.#pending[0] as PendingAppend;
      if (batch.length > 0 && count + next.events.length > this.#maxBatch) break;
      batch.push(next);
      count += next.events.length;
      this.#pending.shift();
    }
    this.#pendingEvents -= count;
    this.#inflightEvents = count;
    this.#writing = true;
    const started = performance.now();
    const wire = encodeBatch(batch, count);
    this.#call({ op: 'append', nowMs: this.#options.now(), batch: wire }, [
      wire.bodies.buffer as ArrayBuffer,
    ])
      .then((raw) => {
        this.#inflightEvents = 0;
        const results = raw as [number, 0 | 1][];
        let i = 0;
        for (const b of batch) {
          b.resolve(
            b.events.map((event) => {
              const [offset, dup] = results[i++] as [number, 0 | 1];
              if (dup === 0) this.#tail.add(event, offset);
              return { offset, duplicate: dup === 1 };
            }),
          );
        }
        this.#writeSucceeded();
        this.#options.onBatch?.(count, performance.now() - started);
        this.#appended.emit('appended', this.#stats.lastOffset);
      })
      .catch((err: Error) => {
        const error =
          err instanceof LogUnavailableError ? err : new LogUnavailableError(err.message, err);
        this.#writeFailed(error);
        for (const b of batch) b.reject(error);
      })
      .finally(() => {
        this.#writing = false;
        this.#inflightEvents = 0;
        if (this.#closing) this.#flush();
        else this.#schedule();
        this.#notifyIdle();
      });
  }

  #idle(): Promise<void> {
    if (!this.#writing && this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #notifyIdle(): void {
    if (this.#writing || this.#pending.length > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  async read(after: number, limit: number): Promise<StoredEvent[]> {
    // Consumers that keep up (the projection, every target) read what was just appended: from
    // memory, not once each from SQLite.
    return this.#tail.read(after, limit) ?? this.#readStmt.all(after, limit).map(fromRow);
  }

  async subscribe(consumer: string, options: SubscribeOptions = {}): Promise<Subscription> {
    await this.#call({
      op: 'register',
      consumer,
      startAt: options.startAt ?? 'earliest',
      nowMs: this.#options.now(),
    });
    const row = this.#reader
      .prepare<[string], { offset: number }>('SELECT offset FROM consumers WHERE name = ?')
      .get(consumer);
    return new LogSubscription({
      consumer,
      startAfter: row?.offset ?? 0,
      batchSize: options.batchSize ?? 500,
      read: (after, limit) => this.read(after, limit),
      commit: async (offset) => {
        await this.#call({ op: 'commit', consumer, offset, nowMs: this.#options.now() });
      },
      appended: this.#appended,
    });
  }

  async unregister(consumer: string): Promise<void> {
    await this.#call({ op: 'unregister', consumer });
  }

  async consumers(): Promise<ConsumerInfo[]> {
    return this.#reader
      .prepare<[], { name: string; offset: number }>(
        'SELECT name, offset FROM consumers ORDER BY name',
      )
      .all()
      .map((r) => ({ name: r.name, committedOffset: r.offset }));
  }

  async stats(): Promise<LogStats> {
    // No COUNT(*): it scans the table, and /metrics calls this on the event loop. Offsets are
    // dense (a rolled-back append gives its numbers back) and retention deletes only from the
    // head, so the count is the span of offsets still stored.
    const first = this.#firstStmt.get()?.offset;
    const last = this.#lastStmt.get()?.offset;
    return {
      lastOffset: this.#stats.lastOffset,
      firstOffset: first ?? 0,
      eventCount: first === undefined || last === undefined ? 0 : last - first + 1,
      sizeBytes: this.#stats.sizeBytes,
      pendingEvents: this.#pendingEvents + this.#inflightEvents,
      dedupeEntries: this.#stats.dedupeEntries,
    };
  }

  /** Events waiting for or inside the current commit (admission control reads this per request). */
  pendingEvents(): number {
    return this.#pendingEvents + this.#inflightEvents;
  }

  async runRetention(): Promise<number> {
    let total = 0;
    for (;;) {
      const { deleted, more } = (await this.#call({
        op: 'retention',
        nowMs: this.#options.now(),
      })) as {
        deleted: number;
        more: boolean;
      };
      total += deleted;
      // What retention deleted is no longer read, from memory either.
      if (deleted > 0) this.#tail.dropBefore(this.#firstStmt.get()?.offset ?? Infinity);
      if (!more) return total;
    }
  }

  isWritable(): boolean {
    return this.problem() === undefined;
  }

  problem(): LogProblem | undefined {
    if (this.#failed) {
      return { reason: 'writer-failed', message: this.#failed.message, since: this.#failedAt };
    }
    if (this.#closing) return { reason: 'closing', message: REASON_TEXT.closing };
    return this.#problem;
  }

  /** Bytes the dedupe index holds and the ids in it (benchmarks). */
  dedupeFootprint(): { entries: number; bytes: number } {
    return { entries: this.#stats.dedupeEntries, bytes: this.#stats.dedupeBytes };
  }

  /** A write failed: readiness reports it until a write (or a probe of one) succeeds. */
  #writeFailed(error: LogUnavailableError): void {
    const cause = error.cause;
    if (!(cause instanceof LogWriteError)) return;
    if (this.#problem?.reason !== cause.reason) {
      this.#problem = {
        reason: cause.reason,
        message: `${REASON_TEXT[cause.reason]} (${cause.message})`,
        since: new Date().toISOString(),
      };
    }
    // Without traffic (an orchestrator stops routing to an unready instance) nothing would
    // ever clear it: a timer asks the writer whether a write would work now.
    this.#probeTimer ??= setInterval(() => {
      this.#call({ op: 'probe', batch: 1 })
        .then(() => this.#writeSucceeded())
        .catch((err: unknown) => {
          if (err instanceof LogUnavailableError) this.#writeFailed(err);
        });
    }, this.#options.probeIntervalMs ?? 1_000);
    this.#probeTimer.unref();
  }

  #writeSucceeded(): void {
    this.#problem = undefined;
    clearInterval(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#retentionTimer);
      clearInterval(this.#probeTimer);
      // Drain: queued appends still commit; only new ones are refused.
      clearTimeout(this.#waitTimer);
      this.#flush();
      await this.#idle();
      this.#appended.emit('closed');
      this.#reader.close();
      if (!this.#failed) {
        await this.#call({ op: 'close' }).catch(() => undefined);
      }
      await this.#worker.terminate();
    })();
    return this.#closing;
  }

  async #putQuarantine(entry: QuarantineEntry): Promise<number> {
    if (this.#closing || this.#failed) throw new LogUnavailableError('the log is not writable');
    try {
      const id = (await this.#call({
        op: 'quarantine',
        entry: {
          source: entry.source,
          reason: entry.reason,
          contentType: entry.contentType ?? null,
          receivedAt: entry.receivedAt,
          body: entry.body,
        },
      })) as number;
      this.#writeSucceeded();
      return id;
    } catch (err) {
      if (err instanceof LogUnavailableError) this.#writeFailed(err);
      throw err;
    }
  }

  #listQuarantine(after: number, limit: number): QuarantinedItem[] {
    return this.#reader
      .prepare<[number, number], QuarantineRow>(
        `SELECT id, source, reason, content_type, received_at, body FROM quarantine
         WHERE id > ? ORDER BY id LIMIT ?`,
      )
      .all(after, limit)
      .map((r) => ({
        id: r.id,
        source: r.source as QuarantinedItem['source'],
        reason: r.reason,
        contentType: r.content_type ?? undefined,
        receivedAt: r.received_at,
        body: r.body,
      }));
  }

  #call(request: Distribute<WriterRequest>, transfer?: ArrayBuffer[]): Promise<unknown> {
    if (this.#failed) return Promise.reject(new LogUnavailableError(this.#failed.message));
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#calls.set(seq, { resolve, reject });
      this.#worker.postMessage({ ...request, seq }, transfer);
    });
  }

  #onResponse(msg: WriterResponse): void {
    const call = this.#calls.get(msg.seq);
    if (!call) return;
    this.#calls.delete(msg.seq);
    if (msg.ok) {
      this.#stats = msg.stats;
      call.resolve(msg.result);
    } else {
      const cause = new LogWriteError(msg.error.code, msg.error.message);
      call.reject(
        new LogUnavailableError(`${REASON_TEXT[cause.reason]} (${cause.message})`, cause),
      );
    }
  }

  #fail(err: Error): void {
    if (this.#failed) return;
    this.#failed = err;
    this.#failedAt = new Date().toISOString();
    clearInterval(this.#probeTimer);
    const error = new LogUnavailableError(`sqlite writer failed: ${err.message}`, err);
    for (const call of this.#calls.values()) call.reject(error);
    this.#calls.clear();
    for (const p of this.#pending) p.reject(error);
    this.#pending = [];
    this.#pendingEvents = 0;
    this.#writing = false;
    this.#notifyIdle();
    this.#appended.emit('closed');
  }
}

interface RawRow {
  offset: number;
  id: string;
  source: string;
  topic: string;
  kind: string;
  user_id: string | null;
  queue_id: string | null;
  conversation_id: string | null;
  occurred_at: string | null;
  received_at: string;
  body: Buffer;
}

interface QuarantineRow {
  id: number;
  source: string;
  reason: string;
  content_type: string | null;
  received_at: string;
  body: Buffer;
}

/** Columns for the writer (see WireBatch); bodies are copied once into a transferable buffer. */
function encodeBatch(batch: readonly PendingAppend[], count: number): WireBatch {
  const fields: (string | null)[] = [];
  const ends: number[] = [];
  let total = 0;
  for (const b of batch) for (const e of b.events) total += e.body.byteLength;
  // Not from Buffer's shared pool: this buffer is transferred to the writer and detached here.
  const bodies = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const b of batch) {
    for (const e of b.events) {
      fields.push(
        e.id,
        e.source,
        e.topic,
        e.kind,
        e.subject.userId ?? null,
        e.subject.queueId ?? null,
        e.subject.conversationId ?? null,
        e.occurredAt,
        e.receivedAt,
      );
      bodies.set(e.body, at);
      at += e.body.byteLength;
      ends.push(at);
    }
  }
  return { count, fields, bodies, ends };
}

function fromRow(r: RawRow): StoredEvent {
  const subject: StoredEvent['subject'] = {};
  if (r.user_id !== null) subject.userId = r.user_id;
  if (r.queue_id !== null) subject.queueId = r.queue_id;
  if (r.conversation_id !== null) subject.conversationId = r.conversation_id;
  return {
    offset: r.offset,
    id: r.id,
    source: r.source as StoredEvent['source'],
    topic: r.topic,
    kind: toEventKind(r.kind),
    subject,
    occurredAt: r.occurred_at,
    receivedAt: r.received_at,
    body: r.body,
  };
}
