/**
 * Data targets under faults, through an in-process gateway (signed pushes, GET /api/v1/targets):
 * - PostgreSQL unreachable for 30 s of wall time (issue 14), through a TCP hop the test cuts:
 *   the target reports the lag, the error and its circuit opening, and once PostgreSQL is back
 *   it catches up with every acknowledged event exactly once and nothing dead-lettered;
 * - EventBridge (test/support/fake-eventbridge.ts) beside the lake: calls of at most 10 entries,
 *   a body too large for an entry travels as a claim check pointing at the lake's bronze
 *   partition, and entries a partial failure refused are retried, not dead-lettered.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Gateway } from '../../src/gateway.js';
import { bodyOfDetail } from '../../src/sinks/eventbridge-sink.js';
import { FakeEventBridge } from '../support/fake-eventbridge.js';
import { postSigned, seedEvent, startTestGateway, tempDir, waitFor } from '../support/helpers.js';
import { requireService } from '../support/services.js';
import { TcpGate } from '../support/tcp-gate.js';
import { targetStat, type TargetStat } from '../support/targets.js';

const PG_HOST = '127.0.0.1';
const PG_PORT = 5432;
const OUTAGE_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pushes events (signed) and returns their ids once the gateway acknowledged them. */
async function push(url: string, events: Record<string, unknown>[]): Promise<string[]> {
  const res = await postSigned(url, JSON.stringify(events));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(Number(res.body.accepted), events.length);
  return events.map((e) => String(e.notificationId));
}

describe('data targets under faults', () => {
  test('PostgreSQL down for 30 s, then back: no loss', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const began = Date.now();
    const schema = `sb_e2e_${randomBytes(5).toString('hex')}`;
    const gate = new TcpGate(PG_PORT, PG_HOST);
    const admin = new pg.Client({
      connectionString: `postgres://postgres@${PG_HOST}:${PG_PORT}/test`,
      application_name: 'sb-e2e-faults',
    });
    const running: { gateway?: Gateway } = {};
    // One hook, in order: the gateway (idempotent close), the hop, then the schema.
    t.after(async () => {
      await running.gateway?.close();
      await gate.stop();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    });
    await admin.connect();
    const port = await gate.listen();
    const gateway = (running.gateway = await startTestGateway(t, {
      sinks: {
        targets: [
          {
            name: 'pg',
            type: 'postgres',
            url: `postgres://postgres@${PG_HOST}:${port}/test`,
            schema,
            timeoutMs: 2000,
            // Recovery within seconds of the outage's end; maxAttempts stays the default (8):
            // the circuit, not a generous try budget, is what must keep 30 s of outage lossless.
            retry: { initialMs: 100, maxMs: 2000 },
            circuit: { failureThreshold: 3, cooldownMs: 2000 },
          },
        ],
        routes: [{ name: 'everything', pattern: {}, targets: ['pg'] }],
      },
    }));
    const url = gateway.url;
    const count = async () =>
      (await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.events`)).rows[0]!
        .n;
    const batch = (n: number) => Array.from({ length: n }, () => seedEvent());

    // Before: events reach PostgreSQL.
    const acked: string[] = [];
    for (let i = 0; i < 3; i++) acked.push(...(await push(url, batch(20))));
    await waitFor(async () => (await count()) === acked.length, {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'the first events in PostgreSQL',
    });
    const before = acked.length;

    // The outage: 30 s of wall time with PostgreSQL unreachable, events pushed all along.
    await gate.stop();
    const down = Date.now();
    let maxLag = 0;
    let lastError: TargetStat['lastError'];
    let sawOpen = false;
    let opened = 0;
    while (Date.now() - down < OUTAGE_MS) {
      acked.push(...(await push(url, batch(10))));
      const s = await targetStat(url, 'pg');
      maxLag = Math.max(maxLag, s.lag);
      lastError = s.lastError ?? lastError;
      sawOpen ||= s.circuit === 'open';
      opened = s.circuitOpened;
      assert.equal(
        s.dlqDepth,
        0,
        `nothing dead-lettered during the outage (${s.lastError?.message})`,
      );
      await sleep(Math.min(1000, OUTAGE_MS - (Date.now() - down)));
    }
    const during = await targetStat(url, 'pg');
    assert.ok(during.lag > 0, `lag > 0 at the outage's end (${during.lag})`);
    assert.ok(lastError, 'a lastError reported during the outage');
    assert.ok(sawOpen, `the circuit seen open during the outage (now ${during.circuit})`);
    assert.ok(opened >= 1, 'the circuit opened');
    assert.equal(await count(), before, 'nothing reached PostgreSQL during the outage');
    const outageMs = Date.now() - down;

    // Back: the target catches up.
    await gate.listen();
    const back = Date.now();
    const final = await waitFor(
      async () => {
        const s = await targetStat(url, 'pg');
        return s.lag === 0 ? s : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50, what: 'the PostgreSQL target caught up (lag 0)' },
    );
    const catchUpMs = Date.now() - back;
    assert.equal(final.dlqDepth, 0, 'DLQ empty');
    assert.equal(final.deadLettered, 0, 'nothing dead-lettered');
    assert.equal(final.circuit, 'closed');

    const { rows } = await admin.query<{ event_id: string; n: number }>(
      `SELECT event_id, count(*)::int AS n FROM ${schema}.events GROUP BY event_id`,
    );
    const inPg = new Map(rows.map((r) => [r.event_id, r.n]));
    for (const id of acked) assert.equal(inPg.get(id), 1, `${id} in PostgreSQL exactly once`);
    assert.equal(rows.length, acked.length, 'PostgreSQL holds only the acknowledged events');
    t.diagnostic(
      `${acked.length} events (${acked.length - before} during the outage); outage ${outageMs} ms, ` +
        `max lag ${maxLag}, lastError ${lastError.code}: ${lastError.message}; circuit opened ` +
        `${final.circuitOpened}x; caught up ${catchUpMs} ms after; retried ${final.retried}; ` +
        `total ${Date.now() - began} ms`,
    );
  });

  test('EventBridge beside the lake: ≤10 entries per call, a claim check into the lake, partial failures retried', async (t) => {
    const KEY_ID = 'AKIAFAKEFAKEFAKE0002';
    const REGION = 'eu-west-1';
    const BUS = 'switchboard-e2e-bus';
    // The sink has no credentials in config (by design): the SDK's default chain reads these.
    const env = {
      AWS_ACCESS_KEY_ID: KEY_ID,
      AWS_SECRET_ACCESS_KEY: 'fake-secret-key-e2e-0123456789abcdef0123',
      AWS_REGION: REGION,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    const setEnv = (values: Record<string, string | undefined>) => {
      for (const [k, v] of Object.entries(values)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    };
    setEnv(env);
    const fake = new FakeEventBridge({ accessKeyId: KEY_ID, region: REGION, eventBusName: BUS });
    const running: { gateway?: Gateway } = {};
    t.after(async () => {
      await running.gateway?.close();
      await fake.close();
      setEnv(saved);
    });
    const endpoint = await fake.listen();
    const lakeDir = join(tempDir(t, 'sb-e2e-eb-'), 'lake');
    const fast = { retry: { initialMs: 50, maxMs: 500 } };
    const gateway = (running.gateway = await startTestGateway(t, {
      sinks: {
        targets: [
          { name: 'lake', type: 'lake', path: lakeDir, silver: false, ...fast },
          {
            name: 'bus',
            type: 'eventbridge',
            region: REGION,
            eventBusName: BUS,
            endpoint,
            timeoutMs: 3000,
            ...fast,
          },
        ],
        routes: [{ name: 'everything', pattern: {}, targets: ['lake', 'bus'] }],
      },
    }));
    const url = gateway.url;
    const caughtUp = (what: string) =>
      waitFor(
        async () => {
          const [lake, bus] = await Promise.all([targetStat(url, 'lake'), targetStat(url, 'bus')]);
          return lake.lag === 0 && bus.lag === 0 ? { lake, bus } : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 50, what },
      );
    const idOf = (entry: { Detail?: unknown }) =>
      (JSON.parse(String(entry.Detail)) as { switchboard: { id: string } }).switchboard.id;

    // 25 small events and one of ~300 KB (over the 256 KB entry limit; under the 1 MiB body limit).
    const small = Array.from({ length: 25 }, () => seedEvent());
    const big = seedEvent({ pad: 'x'.repeat(300 * 1024) });
    const bigId = String(big.notificationId);
    const bigBody = JSON.stringify(big);
    await push(url, small);
    await push(url, [big]);
    const first = await caughtUp('lake and EventBridge caught up with the first 26 events');
    assert.equal(
      first.bus.dlqDepth,
      0,
      `bus: nothing dead-lettered (${first.bus.lastError?.message})`,
    );
    assert.equal(first.lake.dlqDepth, 0, 'lake: nothing dead-lettered');

    assert.ok(fake.calls.length > 0);
    for (const call of fake.calls) {
      assert.equal(call.status, 200, 'every call accepted');
      assert.ok(call.entries >= 1 && call.entries <= 10, `${call.entries} entries in a call`);
    }
    assert.ok(
      fake.calls.length >= 3,
      `26 events take at least 3 calls (${fake.calls.map((c) => c.entries).join(',')})`,
    );
    const byId = new Map(fake.entries.map((e) => [idOf(e), e]));
    assert.equal(fake.entries.length, 26, 'each event put once');
    for (const e of small) {
      const entry = byId.get(String(e.notificationId));
      assert.ok(entry, `${String(e.notificationId)} reached EventBridge`);
      assert.equal(
        Buffer.from(bodyOfDetail(entry.Detail) ?? new Uint8Array()).toString('utf8'),
        JSON.stringify(e),
        'a small body travels inline, byte for byte',
      );
    }

    // The big one: a claim check naming the lake's bronze partition directory and its offset.
    const bigEntry = byId.get(bigId);
    assert.ok(bigEntry, 'the big event reached EventBridge');
    const detail = JSON.parse(bigEntry.Detail) as {
      body?: unknown;
      claimCheck?: {
        location?: { uri: string; offset: number; id: string };
        size: number;
        sha256: string;
      };
    };
    assert.equal(detail.body, undefined, 'no inline body');
    const claim = detail.claimCheck;
    assert.ok(claim?.location, `a claim check with a location: ${bigEntry.Detail.slice(0, 300)}`);
    assert.equal(claim.size, Buffer.byteLength(bigBody));
    assert.equal(claim.sha256, createHash('sha256').update(bigBody).digest('hex'));
    assert.equal(claim.location.id, bigId);
    const uri = new URL(claim.location.uri);
    assert.equal(uri.protocol, 'file:');
    assert.ok(uri.href.endsWith('/'), 'a directory URL');
    const partitionDir = fileURLToPath(uri);
    assert.ok(
      partitionDir.startsWith(join(lakeDir, 'bronze', 'kind=interaction', 'date=')),
      `${partitionDir}: the bronze partition of the event's kind and date`,
    );
    const lines = readdirSync(partitionDir)
      .filter((f) => f.endsWith('.ndjson'))
      .flatMap((f) => readFileSync(join(partitionDir, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as { offset: number; id: string; body: string });
    const line = lines.find((l) => l.offset === claim.location!.offset);
    assert.ok(line, `a line with offset ${claim.location.offset} in ${partitionDir}`);
    assert.equal(line.id, bigId);
    assert.equal(line.body, bigBody, 'the lake line holds the body the claim check describes');

    // A partial failure, once per entry: those entries retried and delivered, none dead-lettered.
    const more = Array.from({ length: 12 }, () => seedEvent());
    const toFail = new Set(more.filter((_, i) => i % 3 === 0).map((e) => String(e.notificationId)));
    const failed = new Map<string, number>();
    fake.failEntry = (entry) => {
      const id = idOf(entry);
      if (!toFail.has(id) || failed.has(id)) return undefined;
      failed.set(id, 1);
      return { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' };
    };
    const callsBefore = fake.calls.length;
    const entriesBefore = fake.entries.length;
    await push(url, more);
    const second = await caughtUp('EventBridge caught up after a partial failure');
    assert.deepEqual(
      [...failed.keys()].sort(),
      [...toFail].sort(),
      'each chosen entry failed once',
    );
    const later = fake.entries.slice(entriesBefore).map(idOf);
    assert.deepEqual(
      [...later].sort(),
      more.map((e) => String(e.notificationId)).sort(),
      'every event of the batch put exactly once (the failed ones after their retry)',
    );
    assert.ok(fake.calls.length > callsBefore + 1, 'the failed entries went again in a later call');
    for (const call of fake.calls) assert.ok(call.entries <= 10);
    assert.ok(second.bus.retried >= toFail.size, `retried ${second.bus.retried}`);
    assert.equal(second.bus.dlqDepth, 0, 'DLQ empty');
    assert.equal(second.bus.deadLettered, 0, 'nothing dead-lettered');
    t.diagnostic(
      `calls ${fake.calls.map((c) => c.entries).join(',')}; claim check ${claim.location.uri} ` +
        `offset ${claim.location.offset} (${claim.size} bytes); retried ${second.bus.retried}`,
    );
  });
});
