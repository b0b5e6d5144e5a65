import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { inspect } from 'node:util';
import pg from 'pg';
import { SwitchboardError } from '../../src/errors.js';
import type { StoredEvent } from '../../src/log/event-log.js';
import { FinalSinkError, RetryableSinkError, type DeliveryOutcome } from '../../src/sinks/index.js';
import {
  PostgresSink,
  createPostgresSink,
  jsonCandidate,
  loadMigrations,
  type PostgresTargetConfig,
} from '../../src/sinks/postgres-sink.js';
import { requireService } from '../support/services.js';
import { waitFor } from '../support/helpers.js';
import { makeStoredEvent, runSinkSuite, type BreakMode, type SinkHarness } from './sink-suite.js';
import { TcpGate } from '../support/tcp-gate.js';
import { SILVER_EXPECTED, SILVER_QUERIES, silverSamples } from '../support/silver-samples.js';

const PG_HOST = '127.0.0.1';
const PG_PORT = 5432;
const ADMIN_URL = `postgres://postgres@${PG_HOST}:${PG_PORT}/test`;

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function uniqueSchema(): string {
  return `sb_test_${randomBytes(6).toString('hex')}`;
}

/**
 * Cleanups run in reverse order of registration, in one `after` hook (node:test runs its hooks
 * in registration order, and a schema must be dropped before the connection doing it ends).
 */
function cleanups(t: TestContext): (step: () => unknown) => void {
  const steps: (() => unknown)[] = [];
  t.after(async () => {
    for (const step of steps.reverse()) await step();
  });
  return (step) => steps.push(step);
}

/** A connection of the test's own, straight to PostgreSQL, and a schema it drops at the end. */
async function adminFor(
  t: TestContext,
  schema: string,
): Promise<{ admin: pg.Client; cleanup: (step: () => unknown) => void }> {
  const cleanup = cleanups(t);
  const admin = new pg.Client({ connectionString: ADMIN_URL, application_name: 'sb-test' });
  await admin.connect();
  cleanup(() => admin.end());
  cleanup(async () => {
    await admin.query('ROLLBACK').catch(() => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  });
  return { admin, cleanup };
}

async function needPostgres(t: TestContext): Promise<void> {
  // Skipped (not failed) outside CI; the throw only ends a skipped test.
  if (!(await requireService(t, 'postgres'))) throw new Error('PostgreSQL is not available');
}

interface PgHarness extends SinkHarness {
  sink: PostgresSink;
  schema: string;
  admin: pg.Client;
  gate: TcpGate;
  cleanup: (step: () => unknown) => void;
  /** Makes inserts (of `ids` only, when given) raise `sqlstate`; undefined: heals. */
  raise(sqlstate: string | undefined, ids?: readonly string[]): void;
}

async function open(t: TestContext, options: Partial<PostgresTargetConfig> = {}) {
  await needPostgres(t);
  const schema = uniqueSchema();
  const table = `${schema}.events`;
  const { admin, cleanup } = await adminFor(t, schema);
  const gate = new TcpGate(PG_PORT, PG_HOST);
  const port = await gate.listen();
  cleanup(() => gate.stop());
  const sink = new PostgresSink({
    name: 'warehouse',
    url: `postgres://postgres@${PG_HOST}:${port}/test`,
    schema,
    ...options,
  });
  cleanup(() => sink.close());

  let controlError: Error | undefined;
  // While the harness changes the target, the sink's statements wait at the gate, so a change
  // made before a delivery is in place when that delivery reaches the server.
  const control = (change: () => Promise<unknown>) => {
    gate.pause();
    change()
      .catch((err: unknown) => (controlError ??= asError(err)))
      .finally(() => gate.resume());
  };
  let breaker: Promise<unknown> | undefined;

  const harness: PgHarness = {
    sink,
    schema,
    admin,
    gate,
    cleanup,
    async records() {
      const { rows } = await admin.query<{ event_id: string; body: Buffer }>(
        `SELECT event_id, body FROM ${table} ORDER BY log_offset`,
      );
      if (controlError) throw controlError;
      return rows.map((r) => ({ key: r.event_id, body: r.body }));
    },
    // A BEFORE INSERT trigger raising a real error: 40001 (serialization failure, retried by any
    // client) for transient, 22023 (invalid parameter value, the row's fault) for permanent.
    breakTarget(mode: BreakMode, ids?: readonly string[]) {
      harness.raise(mode === 'none' ? undefined : mode === 'transient' ? '40001' : '22023', ids);
    },
    raise(sqlstate: string | undefined, ids?: readonly string[]) {
      control(async () => {
        breaker ??= admin.query(`
          CREATE TABLE IF NOT EXISTS ${schema}.test_break (sqlstate text NOT NULL, ids text[]);
          CREATE OR REPLACE FUNCTION ${schema}.test_break() RETURNS trigger LANGUAGE plpgsql AS $$
          DECLARE b record;
          BEGIN
            FOR b IN SELECT * FROM ${schema}.test_break LOOP
              IF b.ids IS NULL OR NEW.event_id = ANY (b.ids) THEN
                RAISE EXCEPTION 'the test target refuses %', NEW.event_id USING ERRCODE = b.sqlstate;
              END IF;
            END LOOP;
            RETURN NEW;
          END $$;
          CREATE OR REPLACE TRIGGER test_break BEFORE INSERT ON ${table}
            FOR EACH ROW EXECUTE FUNCTION ${schema}.test_break();`);
        await breaker;
        await admin.query(`DELETE FROM ${schema}.test_break`);
        if (sqlstate !== undefined)
          await admin.query(`INSERT INTO ${schema}.test_break VALUES ($1, $2)`, [
            sqlstate,
            ids ? [...ids] : null,
          ]);
      });
    },
    // An ACCESS EXCLUSIVE lock on the table from another connection: inserts wait for it.
    holdTarget() {
      let waiting = 0;
      let released = false;
      control(async () => {
        await admin.query('BEGIN');
        await admin.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      });
      const poll = (async () => {
        while (!released) {
          const { rows } = await admin.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_locks WHERE relation = $1::regclass AND NOT granted',
            [table],
          );
          waiting = rows[0]!.n;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      return {
        arrived: () => waiting,
        release: () => {
          released = true;
          void poll
            .then(() => admin.query('COMMIT'))
            .catch((err: unknown) => (controlError ??= asError(err)));
        },
      };
    },
  };
  return harness;
}

async function started(t: TestContext, options: Partial<PostgresTargetConfig> = {}) {
  const h = await open(t, options);
  await h.sink.start();
  return h;
}

function failure(outcome: DeliveryOutcome | undefined) {
  assert.ok(outcome?.status === 'failed', `expected a failure, got ${outcome?.status}`);
  return outcome.error;
}

/** The error of every event of a delivery that failed, whether it rejected or resolved. */
async function deliveryError(sink: PostgresSink, batch: StoredEvent[]) {
  try {
    const outcomes = await sink.deliver(batch);
    const errors = outcomes.map(failure);
    assert.ok(errors.every((e) => e === errors[0]));
    return errors[0]!;
  } catch (err) {
    assert.ok(err instanceof RetryableSinkError || err instanceof FinalSinkError, String(err));
    return err;
  }
}

/** A port nothing listens on (bound, then freed). */
async function closedPort(): Promise<number> {
  const gate = new TcpGate(PG_PORT, PG_HOST);
  const port = await gate.listen();
  await gate.stop();
  return port;
}

runSinkSuite('PostgreSQL sink', { open: (t) => open(t) });
runSinkSuite('PostgreSQL sink (one connection)', { open: (t) => open(t, { maxConcurrency: 1 }) });

describe('PostgreSQL sink: silver tables', () => {
  test('the same rows as the lake silver for the same events, filled with the raw row, never twice', async (t) => {
    const h = await started(t);
    const events = silverSamples();
    const outcomes = await h.sink.deliver(events);
    assert.ok(outcomes.every((o) => o.status === 'delivered'));
    // A redelivery inserts no raw row, so the trigger adds no silver row either.
    assert.ok((await h.sink.deliver(events)).every((o) => o.status === 'duplicate'));
    await h.admin.query(`SET search_path TO ${h.schema}`);
    for (const [table, sql] of Object.entries(SILVER_QUERIES)) {
      const { rows } = await h.admin.query({ text: sql, rowMode: 'array' });
      assert.deepEqual(rows, SILVER_EXPECTED[table as keyof typeof SILVER_EXPECTED], table);
    }
    const counts = await h.admin.query<{ n: number; ids: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS ids FROM interactions`,
    );
    assert.deepEqual(counts.rows[0], { n: 2, ids: 2 });
    await h.admin.query('SET search_path TO DEFAULT');
  });
});

describe('PostgreSQL sink: migrations', () => {
  test('the migrations are found beside the module, numbered in order', () => {
    const migrations = loadMigrations();
    assert.ok(migrations.length >= 1);
    assert.deepEqual(migrations[0]?.name, '001_events');
    migrations.forEach((m, i) => assert.equal(m.version, i + 1));
    for (const m of migrations) assert.match(m.sql, /\{\{schema\}\}/);
  });

  test('they run once: a second start and a second sink apply nothing', async (t) => {
    const h = await started(t);
    const applied = async () =>
      (
        await h.admin.query<{ version: number; name: string; applied_at: Date }>(
          `SELECT version, name, applied_at FROM ${h.schema}.schema_migrations ORDER BY version`,
        )
      ).rows;
    const first = await applied();
    assert.deepEqual(
      first.map((r) => [r.version, r.name]),
      loadMigrations().map((m) => [m.version, m.name]),
    );
    await h.sink.start();
    const other = createPostgresSink({ name: 'again', url: ADMIN_URL, schema: h.schema });
    h.cleanup(() => other.close());
    await other.start();
    assert.deepEqual(await applied(), first);
    assert.deepEqual(await other.deliver([makeStoredEvent()]), [{ status: 'delivered' }]);
  });

  test('two gateways starting together on a fresh schema apply each migration once', async (t) => {
    await needPostgres(t);
    const schema = uniqueSchema();
    const { admin, cleanup } = await adminFor(t, schema);
    const sinks = [1, 2, 3].map((n) =>
      createPostgresSink({ name: `gw${n}`, url: ADMIN_URL, schema }),
    );
    cleanup(() => Promise.all(sinks.map((s) => s.close())));
    await Promise.all(sinks.map((s) => s.start()));
    const { rows } = await admin.query<{ version: number; n: number }>(
      `SELECT version, count(*)::int AS n FROM ${schema}.schema_migrations GROUP BY version`,
    );
    assert.equal(rows.length, loadMigrations().length);
    assert.ok(rows.every((r) => r.n === 1));
    for (const s of sinks) assert.equal(s.health().state, 'ready');
  });

  test('a schema name that is not a plain identifier is refused at construction', () => {
    for (const schema of ['Events', 'a-b', '1abc', 'x"; DROP TABLE y; --', '', 'a'.repeat(64)]) {
      assert.throws(
        () => new PostgresSink({ name: 'w', url: ADMIN_URL, schema }),
        (err: unknown) => err instanceof SwitchboardError && err.code === 'SB_CONFIG_INVALID',
        schema,
      );
    }
    assert.equal(new PostgresSink({ name: 'w', url: ADMIN_URL }).schema, 'switchboard');
    assert.equal(
      new PostgresSink({ name: 'w', url: ADMIN_URL, schema: `_${'a'.repeat(62)}` }).schema.length,
      63,
    );
    assert.throws(
      () => new PostgresSink({ name: 'w', url: 'mysql://h/db' }),
      /url must be postgres: or postgresql:/,
    );
  });
});

describe('PostgreSQL sink: what the table holds', () => {
  test('the body is byte-exact; body_json is the parsed copy when jsonb takes it', async (t) => {
    const h = await started(t);
    const cases: { body: string | Uint8Array; json: unknown }[] = [
      { body: '{"b":1,"a":  1.0e2, "s":"ünï ✓"}', json: { a: 100, b: 1, s: 'ünï ✓' } },
      { body: 'not json at all', json: null },
      { body: Buffer.from([0xff, 0x00, 0xfe, 0x7b, 0x7d]), json: null },
      { body: '{"nul":"a\\u0000b"}', json: null },
      { body: '{"k\\u0000":1}', json: null },
      { body: '{"ok":"a\\\\u0000b"}', json: { ok: 'a\\u0000b' } },
      { body: '{"huge":1e1000000}', json: null },
      { body: '[1,2,3]\n', json: [1, 2, 3] },
    ];
    const events = cases.map((c) => makeStoredEvent({ body: c.body }));
    events[1]!.occurredAt = null;
    events[2]!.subject = {};
    const outcomes = await h.sink.deliver(events);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      events.map(() => 'delivered'),
    );
    const { rows } = await h.admin.query<{
      event_id: string;
      log_offset: string;
      source: string;
      topic: string;
      kind: string;
      subject: unknown;
      occurred_at: Date | null;
      received_at: Date;
      body: Buffer;
      body_json: unknown;
      inserted_at: Date;
    }>(`SELECT * FROM ${h.schema}.events ORDER BY log_offset`);
    assert.equal(rows.length, events.length);
    events.forEach((e, i) => {
      const row = rows[i]!;
      assert.equal(row.event_id, e.id);
      assert.ok(row.body.equals(Buffer.from(e.body)), `body ${i} is byte-exact`);
      assert.deepEqual(row.body_json, cases[i]!.json, `body_json ${i}`);
      assert.equal(Number(row.log_offset), e.offset);
      assert.deepEqual([row.source, row.topic, row.kind], [e.source, e.topic, e.kind]);
      assert.deepEqual(row.subject, e.subject);
      assert.equal(row.occurred_at?.toISOString() ?? null, e.occurredAt);
      assert.equal(row.received_at.toISOString(), e.receivedAt);
      assert.ok(row.inserted_at instanceof Date);
    });
  });

  test('jsonCandidate leaves out what is not JSON or holds U+0000', () => {
    assert.equal(jsonCandidate(Buffer.from('{"a":1}')), '{"a":1}');
    assert.equal(jsonCandidate(Buffer.from('{"a":"\\u0000"}')), null);
    assert.equal(jsonCandidate(Buffer.from('{"a":1')), null);
    assert.equal(jsonCandidate(Buffer.from([0xc3])), null);
  });

  test('a redelivery is a duplicate; so is a second copy of an id within a batch', async (t) => {
    const h = await started(t);
    const [a, b] = [makeStoredEvent(), makeStoredEvent()];
    assert.deepEqual(await h.sink.deliver([a]), [{ status: 'delivered' }]);
    assert.deepEqual(await h.sink.deliver([a, b, b]), [
      { status: 'duplicate' },
      { status: 'delivered' },
      { status: 'duplicate' },
    ]);
    assert.deepEqual(
      (await h.records()).map((r) => r.key),
      [a.id, b.id],
    );
  });

  test('an event whose own data PostgreSQL refuses fails the batch as final (the router bisects)', async (t) => {
    const h = await started(t);
    const bad = makeStoredEvent();
    bad.occurredAt = 'not a time';
    const good = makeStoredEvent();
    const error = await deliveryError(h.sink, [good, bad]);
    assert.ok(error instanceof FinalSinkError);
    assert.equal(error.code, 'SB_SINK_REJECTED');
    assert.match(error.message, /SQLSTATE 22007/);
    assert.deepEqual(await h.records(), [], 'nothing of the batch landed');
    assert.deepEqual(await h.sink.deliver([good]), [{ status: 'delivered' }]);
    assert.equal(h.sink.health().state, 'ready');
  });
});

describe('PostgreSQL sink: what the database answers, by SQLSTATE', () => {
  test('53300 is SB_SINK_THROTTLED; 28xxx, 42501, 42P01, 3D000, 3F000 are SB_SINK_MISCONFIGURED; all retryable', async (t) => {
    const h = await started(t);
    const cases = [
      ['53300', 'SB_SINK_THROTTLED'],
      ['28000', 'SB_SINK_MISCONFIGURED'],
      ['28P01', 'SB_SINK_MISCONFIGURED'],
      ['42501', 'SB_SINK_MISCONFIGURED'],
      ['42P01', 'SB_SINK_MISCONFIGURED'],
      ['3D000', 'SB_SINK_MISCONFIGURED'],
      ['3F000', 'SB_SINK_MISCONFIGURED'],
      // Neither: still the plain retryable code.
      ['40001', 'SB_SINK_RETRYABLE'],
      ['40P01', 'SB_SINK_RETRYABLE'],
      ['53200', 'SB_SINK_RETRYABLE'],
      ['42703', 'SB_SINK_RETRYABLE'],
    ] as const;
    const batch = [makeStoredEvent(), makeStoredEvent()];
    for (const [state, code] of cases) {
      h.raise(state);
      const error = await deliveryError(h.sink, batch);
      assert.ok(error instanceof RetryableSinkError, `${state}: ${error.name}`);
      assert.equal(error.code, code, state);
      assert.match(error.message, new RegExp(`SQLSTATE ${state}`));
      assert.equal(h.sink.health().lastError?.code, code, state);
    }
    h.raise(undefined);
    assert.deepEqual(await h.sink.deliver(batch), [
      { status: 'delivered' },
      { status: 'delivered' },
    ]);
  });

  test('the events table dropped under the sink (42P01) is SB_SINK_MISCONFIGURED', async (t) => {
    const h = await started(t);
    await h.admin.query(`DROP TABLE ${h.schema}.events CASCADE`);
    const error = await deliveryError(h.sink, [makeStoredEvent()]);
    assert.ok(error instanceof RetryableSinkError, String(error));
    assert.equal(error.code, 'SB_SINK_MISCONFIGURED');
    assert.match(error.message, /SQLSTATE 42P01/);
  });

  test('an unknown role (class 28) or database (3D000) fails start with SB_SINK_MISCONFIGURED', async (t) => {
    await needPostgres(t);
    for (const [url, state] of [
      [`postgres://sb_no_such_role@${PG_HOST}:${PG_PORT}/test`, /SQLSTATE 28/],
      [`postgres://postgres@${PG_HOST}:${PG_PORT}/sb_no_such_database`, /SQLSTATE 3D000/],
    ] as const) {
      const sink = createPostgresSink({ name: 'w', url, schema: uniqueSchema(), timeoutMs: 3000 });
      t.after(() => sink.close());
      const error = await sink.start().then(
        () => assert.fail('start resolved'),
        (err: unknown) => err,
      );
      assert.ok(error instanceof RetryableSinkError, String(error));
      assert.equal(error.code, 'SB_SINK_MISCONFIGURED', error.message);
      assert.match(error.message, state);
      const delivery = await deliveryError(sink, [makeStoredEvent()]);
      assert.equal(delivery.code, 'SB_SINK_MISCONFIGURED', delivery.message);
    }
  });

  test('a migration the database refuses fails start with SB_SINK_MISCONFIGURED; once fixed, start works', async (t) => {
    await needPostgres(t);
    const schema = uniqueSchema();
    const { admin, cleanup } = await adminFor(t, schema);
    // A clashing schema_migrations table: the migration's SELECT finds no `version` (42703).
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.schema_migrations (something int)`);
    const sink = createPostgresSink({ name: 'w', url: ADMIN_URL, schema });
    cleanup(() => sink.close());
    const error = await sink.start().then(
      () => assert.fail('start resolved'),
      (err: unknown) => err,
    );
    assert.ok(error instanceof RetryableSinkError, String(error));
    assert.equal(error.code, 'SB_SINK_MISCONFIGURED');
    assert.match(error.message, /migrate: .*SQLSTATE 42703/);
    const delivery = await deliveryError(sink, [makeStoredEvent()]);
    assert.equal(delivery.code, 'SB_SINK_MISCONFIGURED', 'a delivery migrates first, and fails so');
    await admin.query(`DROP TABLE ${schema}.schema_migrations`);
    await sink.start();
    assert.equal(sink.health().state, 'ready');
    assert.deepEqual(await sink.deliver([makeStoredEvent()]), [{ status: 'delivered' }]);
  });
});

describe('PostgreSQL sink: an unreachable database', () => {
  test('down at start: start rejects retryably; once up, start and deliveries work', async (t) => {
    const h = await open(t);
    await h.gate.stop();
    const down = await h.sink.start().then(
      () => assert.fail('start resolved'),
      (err: unknown) => err,
    );
    assert.ok(down instanceof RetryableSinkError, String(down));
    assert.equal(down.code, 'SB_SINK_UNREACHABLE');
    assert.match(down.message, new RegExp(`127\\.0\\.0\\.1:${h.gate.port}/test`));
    const error = await deliveryError(h.sink, [makeStoredEvent()]);
    assert.ok(error instanceof RetryableSinkError);
    assert.equal(error.code, 'SB_SINK_UNREACHABLE');

    await h.gate.listen();
    await h.sink.start();
    assert.equal(h.sink.health().state, 'ready');
    assert.deepEqual(await h.sink.deliver([makeStoredEvent()]), [{ status: 'delivered' }]);
  });

  test('lost while running: deliveries fail retryably, then land once it is back', async (t) => {
    const h = await started(t);
    const batch = [makeStoredEvent(), makeStoredEvent()];
    assert.deepEqual(await h.sink.deliver([makeStoredEvent()]), [{ status: 'delivered' }]);
    await h.gate.stop();
    const error = await deliveryError(h.sink, batch);
    assert.ok(error instanceof RetryableSinkError, String(error));
    assert.equal(error.code, 'SB_SINK_UNREACHABLE');
    assert.equal(h.sink.health().state, 'failing');
    assert.equal(h.sink.health().lastError?.code, 'SB_SINK_UNREACHABLE');

    await h.gate.listen();
    assert.deepEqual(await h.sink.deliver(batch), [
      { status: 'delivered' },
      { status: 'delivered' },
    ]);
    assert.equal(h.sink.health().state, 'ready');
    assert.equal((await h.records()).length, 3);
  });

  test('a backend terminated mid-delivery (57P01) is retryable; the retry lands', async (t) => {
    const h = await started(t);
    const batch = [makeStoredEvent()];
    assert.deepEqual(await h.sink.deliver([makeStoredEvent()]), [{ status: 'delivered' }]);
    h.gate.pause();
    const delivering = deliveryError(h.sink, batch);
    await waitFor(() => h.gate.held() > 0, { what: 'the insert to reach the gate' });
    const { rows } = await h.admin.query<{ application_name: string; gone: boolean }>(
      `SELECT application_name, pg_terminate_backend(pid) AS gone FROM pg_stat_activity
        WHERE client_addr = '127.0.0.1' AND client_port = ANY ($1::int[])`,
      [h.gate.upstreamPorts()],
    );
    assert.ok(rows.length >= 1 && rows.every((r) => r.gone));
    assert.ok(rows.every((r) => r.application_name === 'switchboard'));
    h.gate.resume();
    const error = await delivering;
    assert.ok(error instanceof RetryableSinkError, String(error));
    assert.equal(error.code, 'SB_SINK_UNREACHABLE');
    assert.deepEqual(await h.sink.deliver(batch), [{ status: 'delivered' }]);
  });

  test('the password in the URL never appears in errors, health or the JSON', async (t) => {
    await needPostgres(t);
    const password = 'Pa55-w0rd-not-to-leak';
    const port = await closedPort();
    const sink = createPostgresSink({
      name: 'w',
      url: `postgres://switchboard:${password}@127.0.0.1:${port}/analytics`,
      timeoutMs: 2000,
    });
    t.after(() => sink.close());
    const startError = await sink.start().then(
      () => assert.fail('start resolved'),
      (err: unknown) => err,
    );
    const error = await deliveryError(sink, [makeStoredEvent()]);
    assert.ok(startError instanceof RetryableSinkError);
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}/analytics`));
    const texts = [
      startError.message,
      error.message,
      inspect(startError, { depth: 5 }),
      inspect(error, { depth: 5 }),
      JSON.stringify(sink.health()),
      JSON.stringify(sink),
      inspect(sink, { depth: 5 }),
    ];
    for (const text of texts) assert.ok(!text.includes(password), text);
  });

  test('a delivery blocked at the target (a table lock) times out retryably', async (t) => {
    const h = await started(t, { timeoutMs: 300 });
    const hold = h.holdTarget();
    const began = Date.now();
    const error = await deliveryError(h.sink, [makeStoredEvent()]);
    hold.release();
    assert.ok(error instanceof RetryableSinkError, String(error));
    assert.equal(error.code, 'SB_SINK_TIMEOUT');
    assert.ok(Date.now() - began < 3000, 'bounded');
  });

  test('a server that never answers: the client gives up retryably; the retry lands', async (t) => {
    const h = await started(t, { timeoutMs: 300 });
    const batch = [makeStoredEvent()];
    h.gate.pause();
    const began = Date.now();
    const error = await deliveryError(h.sink, batch);
    assert.ok(error instanceof RetryableSinkError, String(error));
    assert.equal(error.code, 'SB_SINK_TIMEOUT');
    assert.ok(Date.now() - began < 5000, 'bounded');
    h.gate.resume();
    const outcomes = await h.sink.deliver(batch);
    // The abandoned statement may have reached the server once the gate opened.
    assert.ok(['delivered', 'duplicate'].includes(outcomes[0]!.status), outcomes[0]!.status);
    assert.equal((await h.records()).length, 1);
  });
});
