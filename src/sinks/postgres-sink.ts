/**
 * The PostgreSQL target (CONTRACT.md "Sinks", `type: postgres`): every event routed to it is a
 * row of `<schema>.events`, keyed by a UNIQUE `event_id`. What the tables hold and how to query
 * them: docs/sinks-postgres.md.
 *
 * - One multi-row `INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING event_id` per batch, in
 *   autocommit: it returns once committed, so every id it returns is durable (`delivered`) and
 *   every other id was already there (`duplicate`, a redelivery absorbed by the key).
 * - `body` is a bytea bound as a binary parameter: the bytes received, never re-serialized.
 *   `body_json` is a parsed copy, NULL when the body is not JSON that jsonb takes.
 * - Migrations (numbered `.sql` files beside this module) run at `start`, in one transaction
 *   under an advisory lock, so gateways starting together apply each one once.
 * - A failed batch rejects whole (one statement: nothing of it landed): data the event is at
 *   fault for (SQLSTATE classes 22, 23, 54) is a FinalSinkError, which the router bisects to
 *   find the event; anything else is retryable, so fixing the database loses nothing: too many
 *   connections (53300) is SB_SINK_THROTTLED; refused credentials or setup (class 28, 42501,
 *   42P01, 3D000, 3F000, and any migration that fails at start) are SB_SINK_MISCONFIGURED;
 *   unreachable, timeouts, shutdowns, serialization failures have their own codes.
 * - Bounded: connecting, waiting for a pooled connection, each statement (server side) and each
 *   answer (client side) have `timeoutMs`.
 *
 * The URL's password never appears in an error, in `health()` nor in the sink's JSON: messages
 * name `host:port/database` only.
 */
import { readFileSync, readdirSync } from 'node:fs';
import pg from 'pg';
import type { StoredEvent } from '../log/event-log.js';
import { DeliveryTracker } from './delivery-tracker.js';
import {
  FinalSinkError,
  RetryableSinkError,
  type DeliveryOutcome,
  type Sink,
  type SinkError,
  type SinkHealth,
  type SinkLimits,
} from './sink.js';
import { assertValidLimits, checkBatch } from './sink-limits.js';
import { targetConfig } from './target-config.js';

/** What `createPostgresSink` takes: one `sinks.targets[]` entry of `type: postgres`, resolved. */
export interface PostgresTargetConfig {
  name: string;
  /** `postgres://user:password@host:port/database?sslmode=…` (libpq-style parameters). */
  url: string;
  /** Where the tables live (created when missing); default `switchboard`. */
  schema?: string;
  /** Per connection attempt, wait for a pooled connection, and statement; default 10 000. */
  timeoutMs?: number;
  /** Connections in the pool (and `limits.maxConcurrency`); default 2. */
  maxConcurrency?: number;
}

export const POSTGRES_SINK_DEFAULTS = {
  schema: 'switchboard',
  timeoutMs: 10_000,
  limits: {
    // 500 rows of 10 parameters stay far below the protocol's 65 535 parameters per statement.
    maxBatchEvents: 500,
    // Each body is bound twice (bytea, and text for the jsonb copy), so a batch is at most
    // ~32 MiB on the wire and in the server's memory; far below PostgreSQL's 1 GB per value.
    maxBatchBytes: 16 * 1024 * 1024,
    // 16x ingest's default body limit. It cannot exceed maxBatchBytes: the router sends a
    // body up to maxEventBytes alone, and that batch must fit maxBatchBytes.
    maxEventBytes: 16 * 1024 * 1024,
    maxConcurrency: 2,
  } satisfies SinkLimits,
};

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_CONCURRENCY = 100;
/**
 * SQLSTATEs that say the database refuses Switchboard's credentials or setup: class 28 (invalid
 * authorization) is matched by class; then insufficient privilege, undefined table, no such
 * database, no such schema.
 */
const MISCONFIGURED_STATES = new Set(['42501', '42P01', '3D000', '3F000']);
/** The client gives the server this long past `statement_timeout` to report its own cancel. */
const CLIENT_TIMEOUT_MARGIN_MS = 1000;
const COLUMNS = [
  'event_id',
  'log_offset',
  'source',
  'topic',
  'kind',
  'subject',
  'occurred_at',
  'received_at',
  'body',
  'body_json',
] as const;

const MIGRATIONS_DIR = new URL('./postgres-migrations/', import.meta.url);

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The numbered `.sql` files beside this module (copied to dist/ by scripts/copy-assets.mjs). */
export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_[a-z0-9_]+\.sql$/.test(f))
    .map((file) => ({
      version: Number.parseInt(file, 10),
      name: file.replace(/\.sql$/, ''),
      sql: readFileSync(new URL(file, dir), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function createPostgresSink(config: PostgresTargetConfig): PostgresSink {
  return new PostgresSink(config);
}

export class PostgresSink implements Sink {
  readonly name: string;
  readonly type = 'postgres' as const;
  readonly limits: SinkLimits;
  readonly schema: string;
  /** `host:port/database`: how messages name the target (no user, no password). */
  readonly #where: string;
  readonly #password: string;
  readonly #timeoutMs: number;
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #tryJsonb: string;
  readonly #tracker = new DeliveryTracker();
  #migrated: Promise<void> | undefined;
  #closed = false;

  constructor(config: PostgresTargetConfig) {
    const check = targetConfig(config.name);
    const { name, invalid } = check;
    this.name = name;

    const url = check.url(config.url, 'url', ['postgres:', 'postgresql:']);
    this.#password = safeDecode(url.password) || (url.searchParams.get('password') ?? '');
    this.#where = describeTarget(url);

    const schema = config.schema ?? POSTGRES_SINK_DEFAULTS.schema;
    if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema))
      throw invalid(
        `schema must be a lowercase identifier (${String(SCHEMA_NAME)}), got ${JSON.stringify(schema)}`,
      );
    this.schema = schema;
    this.#table = `${pg.escapeIdentifier(schema)}.events`;
    this.#tryJsonb = `${pg.escapeIdentifier(schema)}.try_jsonb`;

    this.#timeoutMs = check.timeoutMs(config.timeoutMs, POSTGRES_SINK_DEFAULTS.timeoutMs);
    const concurrency = check.positiveInt(
      'maxConcurrency',
      config.maxConcurrency ?? POSTGRES_SINK_DEFAULTS.limits.maxConcurrency,
      MAX_CONCURRENCY,
    );
    this.limits = assertValidLimits({
      ...POSTGRES_SINK_DEFAULTS.limits,
      maxConcurrency: concurrency,
    });

    this.#pool = new pg.Pool({
      connectionString: config.url,
      application_name: 'switchboard',
      max: concurrency,
      // Both connecting and waiting for a free pooled connection.
      connectionTimeoutMillis: this.#timeoutMs,
      statement_timeout: this.#timeoutMs,
      lock_timeout: this.#timeoutMs,
      // A half-open connection the server never answers on.
      query_timeout: this.#timeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
      idle_in_transaction_session_timeout: this.#timeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
    });
    // An idle connection that dies (a server restart, pg_terminate_backend) is dropped by the
    // pool and the next delivery opens a fresh one; without a listener it would crash the process.
    this.#pool.on('error', () => undefined);
  }

  /** Applies the pending migrations; rejects with a RetryableSinkError when it cannot. */
  async start(): Promise<void> {
    if (this.#tracker.closing)
      throw new RetryableSinkError('the sink is closed', { code: 'SB_SINK_CLOSED' });
    await this.#ensureMigrated();
  }

  deliver(batch: readonly StoredEvent[]): Promise<DeliveryOutcome[]> {
    return this.#tracker.track(async () => {
      const tooLarge = checkBatch(batch, this.limits);
      const send = batch.filter((_, i) => tooLarge[i] === undefined);
      let stored: Set<string>;
      try {
        if (send.length === 0) stored = new Set();
        else {
          // After a start that failed (the database was down), the first delivery migrates.
          await this.#ensureMigrated();
          stored = await this.#insert(send);
        }
      } catch (err) {
        const error = err instanceof RetryableSinkError ? err : this.#classify(err, 'insert');
        // Whole-batch rejection unless an oversized event must keep its own outcome; a final
        // error over several events still rejects whole so that the router bisects.
        const whole = tooLarge.every((e) => e === undefined);
        if (whole || (error instanceof FinalSinkError && send.length > 1)) throw error;
        return batch.map((_, i) => ({ status: 'failed', error: tooLarge[i] ?? error }));
      }
      return batch.map((event, i): DeliveryOutcome => {
        const error = tooLarge[i];
        if (error) return { status: 'failed', error };
        // The first copy of an id within the batch is the one inserted.
        if (stored.delete(event.id)) return { status: 'delivered' };
        return { status: 'duplicate' };
      });
    });
  }

  health(): SinkHealth {
    return this.#tracker.health();
  }

  /** Waits for in-flight deliveries (each bounded), then closes the pool (bounded too). */
  async close(): Promise<void> {
    await this.#tracker.close();
    if (this.#closed) return;
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#pool.end().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, this.#timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  toJSON(): { name: string; type: 'postgres'; target: string; schema: string } {
    return { name: this.name, type: this.type, target: this.#where, schema: this.schema };
  }

  #ensureMigrated(): Promise<void> {
    this.#migrated ??= this.#migrate().then(
      () => this.#tracker.started(),
      (err: unknown) => {
        this.#migrated = undefined;
        const error = this.#classify(err, 'migrate');
        // Start retries whatever went wrong. A migration the database refuses (permissions, a
        // clashing table…) is for an operator to fix: SB_SINK_MISCONFIGURED, not a reason to drop
        // events. Unreachable, timeouts, throttling and transient failures keep their codes.
        if (
          error instanceof FinalSinkError ||
          (error.code === 'SB_SINK_RETRYABLE' &&
            err instanceof pg.DatabaseError &&
            !isTransientState(err.code ?? ''))
        )
          throw new RetryableSinkError(error.message, {
            code: 'SB_SINK_MISCONFIGURED',
            cause: error.cause,
          });
        throw error;
      },
    );
    return this.#migrated;
  }

  async #migrate(): Promise<void> {
    const migrations = loadMigrations();
    const schema = pg.escapeIdentifier(this.schema);
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      // Held until COMMIT: a second gateway waits here, then finds the migrations applied.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `switchboard:migrate:${this.schema}`,
      ]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
           version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const applied = await client.query<{ version: number }>(
        `SELECT version FROM ${schema}.schema_migrations`,
      );
      const done = new Set(applied.rows.map((r) => r.version));
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query(m.sql.replaceAll('{{schema}}', schema));
        await client.query(
          `INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`,
          [m.version, m.name],
        );
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      broken ??= err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.off('error', onError);
      // A connection that failed mid-transaction is not given back to the pool.
      client.release(broken);
    }
  }

  async #insert(events: readonly StoredEvent[]): Promise<Set<string>> {
    const values: unknown[] = [];
    const rows = events.map((event) => {
      const body = Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength);
      const base = values.length;
      values.push(
        event.id,
        event.offset,
        event.source,
        event.topic,
        event.kind,
        JSON.stringify(event.subject ?? null),
        event.occurredAt,
        event.receivedAt,
        body,
        jsonCandidate(body),
      );
      const p = (k: number) => `$${base + k}`;
      return (
        `(${p(1)}::text, ${p(2)}::bigint, ${p(3)}::text, ${p(4)}::text, ${p(5)}::text, ` +
        `${this.#tryJsonb}(${p(6)}::text), ${p(7)}::timestamptz, ${p(8)}::timestamptz, ` +
        `${p(9)}::bytea, ${this.#tryJsonb}(${p(10)}::text))`
      );
    });
    const sql =
      `INSERT INTO ${this.#table} (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')} ` +
      'ON CONFLICT (event_id) DO NOTHING RETURNING event_id';
    const result = await this.#pool.query<{ event_id: string }>(sql, values);
    return new Set(result.rows.map((r) => r.event_id));
  }

  #classify(err: unknown, what: string): SinkError {
    const where = `PostgreSQL ${this.#where}`;
    const scrub = (text: string) =>
      this.#password.length >= 3 ? text.replaceAll(this.#password, '***') : text;
    if (err instanceof pg.DatabaseError) {
      const state = err.code ?? '';
      const message = scrub(`${where}: ${what}: ${err.message} (SQLSTATE ${state})`);
      const cls = state.slice(0, 2);
      // 22 data exception, 23 integrity constraint, 54 program limit (an id too long to index).
      if (cls === '22' || cls === '23' || cls === '54')
        return new FinalSinkError(message, { code: 'SB_SINK_REJECTED', cause: err });
      if (state === '57014' || state === '55P03')
        return new RetryableSinkError(message, { code: 'SB_SINK_TIMEOUT', cause: err });
      if (cls === '08' || state === '57P01' || state === '57P02' || state === '57P03')
        return new RetryableSinkError(message, { code: 'SB_SINK_UNREACHABLE', cause: err });
      if (state === '53300')
        return new RetryableSinkError(message, { code: 'SB_SINK_THROTTLED', cause: err });
      if (cls === '28' || MISCONFIGURED_STATES.has(state))
        return new RetryableSinkError(message, { code: 'SB_SINK_MISCONFIGURED', cause: err });
      return new RetryableSinkError(message, { code: 'SB_SINK_RETRYABLE', cause: err });
    }
    const text = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: unknown } | null)?.code;
    const message = scrub(
      `${where}: ${what}: ${text}${typeof code === 'string' && !text.includes(code) ? ` (${code})` : ''}`,
    );
    if (code === 'ETIMEDOUT' || /timeout|timed out/i.test(text))
      return new RetryableSinkError(message, { code: 'SB_SINK_TIMEOUT', cause: err });
    if (
      (typeof code === 'string' && /^E[A-Z]+$/.test(code)) ||
      /terminated|ended unexpectedly|not queryable|closed/i.test(text)
    )
      return new RetryableSinkError(message, { code: 'SB_SINK_UNREACHABLE', cause: err });
    return new RetryableSinkError(message, { code: 'SB_SINK_RETRYABLE', cause: err });
  }
}

/**
 * A failure worth retrying as it is, not a refused migration: a transaction rollback (class 40:
 * serialization failure, deadlock), insufficient resources (53), an object in use (55),
 * operator intervention (57), a system or internal error (58, XX).
 */
function isTransientState(state: string): boolean {
  return ['40', '53', '55', '57', '58', 'XX'].includes(state.slice(0, 2));
}

/**
 * The body as text for the jsonb copy when it parses as JSON, else null. A string holding
 * U+0000 is left out here (jsonb refuses it); whatever else jsonb refuses, `try_jsonb` turns
 * into NULL in the database.
 */
export function jsonCandidate(body: Buffer): string | null {
  let text: string;
  try {
    text = utf8.decode(body);
    JSON.parse(text);
    // jsonb refuses the NUL character; only a body that spells `\u0000` can hold one, so only
    // those pay for the walk that tells an escaped backslash from a real NUL.
    if (text.includes('\\u0000')) {
      let nul = false;
      JSON.parse(text, (key, value: unknown) => {
        if (key.includes('\0') || (typeof value === 'string' && value.includes('\0'))) nul = true;
        return value;
      });
      if (nul) return null;
    }
  } catch {
    return null;
  }
  return text;
}

/** `host:port/database` of a connection URL (libpq's defaults where it names none). */
function describeTarget(url: URL): string {
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const port = url.port || url.searchParams.get('port') || '5432';
  const database = safeDecode(url.pathname.replace(/^\//, ''));
  return `${host}:${port}/${database || safeDecode(url.username) || 'postgres'}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
