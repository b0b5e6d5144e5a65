import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { Emulator, type EmulatorOptions } from '../../src/emulator/emulator.js';
import { GenesysRestClient } from '../../src/genesys/rest-client.js';
import { buildHttpApp } from '../../src/http/http-app.js';
import { registerReconcileRoute } from '../../src/http/reconcile-route.js';
import type { EventLog, StoredEvent } from '../../src/log/event-log.js';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { createIngestMetrics } from '../../src/ops/ingest-metrics.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { genesysClientOptions } from '../../src/sources/reconcile/from-config.js';
import { DETAILS_QUERY_PATH, MAX_PAGES } from '../../src/sources/reconcile/gap-conversations.js';
import { appenderFor } from '../../src/sources/source.js';
import {
  ReconcileError,
  Reconciler,
  type ReconcileClient,
  type ReconcileComplete,
  type ReconcileResult,
  type ReconcilerOptions,
} from '../../src/sources/reconcile/reconciler.js';
import { SwitchboardError } from '../../src/errors.js';
import { postFault, startTestEmulator } from '../support/emulator.js';
import { tempDir, testConfig } from '../support/helpers.js';

const START = Date.parse('2026-11-23T08:00:00.000Z');
const logger = createLogger('silent');

async function startEmulator(t: TestContext, options: EmulatorOptions = {}) {
  const emu = await startTestEmulator(t, {
    agents: 90,
    queues: 5,
    seed: 17,
    startMs: START,
    ...options,
  });
  // Let the simulated day move so agents are in mixed presences and routing states.
  emu.advance(40 * 60_000);
  return emu;
}

async function openLog(t: TestContext, dir = tempDir(t, 'sb-reconcile-')) {
  const path = join(dir, 'switchboard.db');
  const log = await SqliteEventLog.open({ path, retention: { intervalMs: 3_600_000 } });
  t.after(() => log.close());
  return { log, path };
}

function clientFor(emu: Emulator, secret = 'demo-secret') {
  return new GenesysRestClient({
    apiBase: emu.url,
    clientId: 'demo-client',
    clientSecret: secret,
    pageSize: 25,
    maxRetries: 1,
    sleep: async () => {},
  });
}

/** A started reconciler appending to `log` (gaps are not under test here). */
async function reconciler(
  client: ReconcileClient,
  log: EventLog,
  extra: Partial<ReconcilerOptions> = {},
) {
  const r = new Reconciler({ client, logger, ...extra });
  await r.start({ append: appenderFor(log), reportGap: () => {}, logger });
  return r;
}

/** The log with `append` replaced (to count chunks or make a later one fail). */
function interceptAppend(log: EventLog, append: EventLog['append']): EventLog {
  return {
    append,
    read: (after, limit) => log.read(after, limit),
    subscribe: (consumer, options) => log.subscribe(consumer, options),
    unregister: (consumer) => log.unregister(consumer),
    consumers: () => log.consumers(),
    stats: () => log.stats(),
    runRetention: () => log.runRetention(),
    isWritable: () => log.isWritable(),
    problem: () => log.problem(),
    pendingEvents: () => log.pendingEvents(),
    quarantine: log.quarantine,
    close: () => log.close(),
  };
}

async function readAll(log: EventLog): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for (;;) {
    const batch = await log.read(out[out.length - 1]?.offset ?? 0, 500);
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

const bodyOf = <T>(e: StoredEvent): T => JSON.parse(Buffer.from(e.body).toString('utf8')) as T;
const sorted = (ids: Iterable<string>) => [...ids].sort();

interface UserBody {
  id: string;
  presence?: { presenceDefinition: { id: string; systemPresence: string }; modifiedDate: string };
  routingStatus?: { status: string; startTime: string };
  team?: { id: string; name: string };
}

describe('reconciler', () => {
  test('a run appends definitions, wrap-up codes, every queue with its members and its conversations, every user, then complete', async (t) => {
    const emu = await startEmulator(t);
    const { log } = await openLog(t);
    const appendSizes: number[] = [];
    const counting = interceptAppend(log, (events) => {
      appendSizes.push(events.length);
      return log.append(events);
    });
    const outcomes: unknown[] = [];
    const result = await (
      await reconciler(clientFor(emu), counting, {
        chunkSize: 40,
        onRun: (o) => outcomes.push(o),
      })
    ).run();
    const truth = emu.truth();
    const org = emu.sim.org;
    const events = await readAll(log);

    // Definitions and wrap-up codes, each queue and its conversations, each user, the first
    // run's backfill of agents' own calls (the last hour), then complete.
    assert.equal(events.length, 2 + 2 * org.queues.length + truth.agents.length + 1 + 1);
    assert.equal(events.filter((e) => e.kind === 'reconcile.gap-conversations').length, 1);
    assert.deepEqual(outcomes, [result]);
    assert.equal(result.events, events.length);
    assert.equal(result.appended, events.length);
    assert.equal(result.duplicates, 0);
    assert.equal(result.users, truth.agents.length);
    assert.equal(result.queues, org.queues.length);
    assert.equal(result.presenceDefinitions, org.presences.length);
    assert.equal(result.firstOffset, events[0]!.offset);
    assert.equal(result.lastOffset, events[events.length - 1]!.offset);
    assert.equal(
      appendSizes.reduce((a, b) => a + b, 0),
      events.length,
    );
    assert.ok(appendSizes.length > 1 && appendSizes.every((n) => n <= 40), appendSizes.join());

    // Common fields.
    const prefix = `reconcile:${result.runId}:`;
    assert.equal(new Set(events.map((e) => e.id)).size, events.length);
    for (const e of events) {
      assert.equal(e.source, 'reconcile');
      assert.ok(e.id.startsWith(prefix), e.id);
      assert.equal(e.occurredAt, result.startedAt);
      assert.ok(Date.parse(e.receivedAt) >= Date.parse(result.startedAt), e.receivedAt);
    }

    // Order: definitions, wrap-up codes, queues, queues' conversations, the own-call backfill,
    // users, complete.
    const kinds = events.map((e) => e.kind);
    assert.equal(kinds[0], 'reconcile.presence-definitions');
    assert.equal(kinds[1], 'reconcile.wrapup-codes');
    assert.deepEqual(
      sorted(bodyOf<{ entities: { id: string }[] }>(events[1]!).entities.map((c) => c.id)),
      sorted(org.wrapupCodes.map((c) => c.id)),
    );
    assert.deepEqual(
      kinds.slice(2, 2 + org.queues.length),
      org.queues.map(() => 'reconcile.queue'),
    );
    assert.deepEqual(
      kinds.slice(2 + org.queues.length, 2 + 2 * org.queues.length),
      org.queues.map(() => 'reconcile.queue-conversations'),
    );
    assert.equal(kinds[2 + 2 * org.queues.length], 'reconcile.gap-conversations');
    assert.deepEqual(
      kinds.slice(3 + 2 * org.queues.length, -1),
      truth.agents.map(() => 'reconcile.user'),
    );
    assert.equal(kinds[kinds.length - 1], 'reconcile.complete');

    const defs = events[0]!;
    assert.equal(defs.topic, 'v2.presencedefinitions');
    assert.deepEqual(defs.subject, {});
    const defBody = bodyOf<{ entities: { id: string; systemPresence: string }[] }>(defs);
    assert.deepEqual(
      sorted(defBody.entities.map((d) => d.id)),
      sorted(org.presences.map((p) => p.id)),
    );

    const queueEvents = events.filter((e) => e.kind === 'reconcile.queue');
    assert.deepEqual(
      sorted(queueEvents.map((e) => e.subject.queueId!)),
      sorted(org.queues.map((q) => q.id)),
    );
    for (const e of queueEvents) {
      const q = org.queues.find((x) => x.id === e.subject.queueId)!;
      assert.equal(e.topic, `v2.routing.queues.${q.id}`);
      assert.deepEqual(e.subject, { queueId: q.id });
      const body = bodyOf<{
        queue: { id: string; name: string };
        members: { id: string; joined: boolean }[];
      }>(e);
      assert.equal(body.queue.id, q.id);
      assert.equal(body.queue.name, q.name);
      assert.deepEqual(sorted(body.members.map((m) => m.id)), sorted(q.memberIds));
      assert.ok(
        body.members.every((m) => typeof m.joined === 'boolean'),
        'members carry joined',
      );
    }
    assert.ok(
      queueEvents.some((e) => bodyOf<{ members: unknown[] }>(e).members.length > 25),
      'some queue spans pages',
    );

    const userEvents = events.filter((e) => e.kind === 'reconcile.user');
    assert.deepEqual(
      sorted(userEvents.map((e) => e.subject.userId!)),
      sorted(truth.agents.map((a) => a.id)),
    );
    const states = new Set<string>();
    for (const e of userEvents) {
      const a = truth.agents.find((x) => x.id === e.subject.userId)!;
      assert.equal(e.topic, `v2.users.${a.id}`);
      assert.deepEqual(e.subject, { userId: a.id });
      const u = bodyOf<UserBody>(e);
      assert.equal(u.id, a.id);
      assert.equal(u.presence?.presenceDefinition.id, a.presenceDefinitionId);
      assert.equal(u.presence?.presenceDefinition.systemPresence, a.presence);
      assert.equal(u.presence?.modifiedDate, a.presenceSince);
      assert.equal(u.routingStatus?.status, a.routingStatus);
      assert.equal(u.routingStatus?.startTime, a.routingStatusSince);
      assert.equal(u.team?.id, a.teamId);
      states.add(`${a.presence}/${a.routingStatus}`);
    }
    assert.ok(states.size > 2, `mixed states: ${[...states].join(', ')}`);

    const complete = events[events.length - 1]!;
    assert.equal(complete.topic, 'reconcile.complete');
    assert.equal(complete.id, `${prefix}complete`);
    const c = bodyOf<ReconcileComplete>(complete);
    assert.equal(c.runId, result.runId);
    assert.equal(c.startedAt, result.startedAt);
    assert.equal(c.finishedAt, result.finishedAt);
    assert.deepEqual(sorted(c.userIds), sorted(truth.agents.map((a) => a.id)));
    assert.deepEqual(sorted(c.queueIds), sorted(org.queues.map((q) => q.id)));
  });

  test('a retried run (same id) is deduped; a new run is stored again; concurrent calls share one run', async (t) => {
    const emu = await startEmulator(t, { agents: 30, queues: 3 });
    const { log } = await openLog(t);
    const client = clientFor(emu);
    const first = await (await reconciler(client, log)).run();
    const stored = (await log.stats()).eventCount;
    assert.equal(stored, first.events);

    const retried = await (await reconciler(client, log, { newRunId: () => first.runId })).run();
    assert.equal(retried.runId, first.runId);
    assert.equal(retried.duplicates, first.events);
    assert.equal(retried.appended, 0);
    assert.equal(retried.firstOffset, first.firstOffset);
    assert.equal(retried.lastOffset, first.lastOffset);
    assert.equal((await log.stats()).eventCount, stored);

    const shared = await reconciler(client, log);
    const [a, b] = await Promise.all([shared.run(), shared.run()]);
    assert.equal(a, b);
    assert.notEqual(a.runId, first.runId);
    assert.equal(a.appended, first.events);
    assert.equal((await log.stats()).eventCount, 2 * stored);
    const completes = (await readAll(log)).filter((e) => e.kind === 'reconcile.complete');
    assert.deepEqual(
      completes.map((e) => bodyOf<ReconcileComplete>(e).runId),
      [first.runId, a.runId],
    );
  });

  test('a backfill cut at its page cap is counted in health (backfillTruncated) and logged', async (t) => {
    const emu = await startEmulator(t, { agents: 20, queues: 2 });
    const { log } = await openLog(t);
    const real = clientFor(emu);
    // The gap's details never end: every page is full (agents' own calls, 100 a page).
    let pages = 0;
    const client: ReconcileClient = {
      pages: (path, query) => real.pages(path, query),
      get: (path, query) => real.get(path, query),
      post: async <T>(
        path: string,
        body?: unknown,
        options?: Parameters<GenesysRestClient['post']>[2],
      ): Promise<T> => {
        if (path !== DETAILS_QUERY_PATH) return real.post<T>(path, body, options);
        const page = ++pages;
        return {
          conversations: Array.from({ length: 100 }, (_, i) => ({
            conversationId: `own-${page}-${i}`,
            conversationStart: new Date(START).toISOString(),
            originatingDirection: 'outbound',
            participants: [],
          })),
        } as T;
      },
    };
    const warnings: string[] = [];
    const warnLogger = createLogger('silent');
    warnLogger.warn = ((_o: unknown, msg: string) =>
      void warnings.push(msg)) as typeof warnLogger.warn;
    const r = new Reconciler({ client, logger: warnLogger });
    await r.start({ append: appenderFor(log), reportGap: () => {}, logger: warnLogger });
    assert.equal(r.health().counts?.backfillTruncated, 0);
    await r.run(); // the first run backfills the last hour
    assert.equal(pages, MAX_PAGES, 'no page past the cap is asked for');
    assert.equal(r.health().counts?.backfillTruncated, 1);
    assert.ok(
      warnings.some((w) => w.includes(`cut at ${MAX_PAGES} pages`)),
      warnings.join('\n'),
    );
    const events = await readAll(log);
    const gap = events.find((e) => e.kind === 'reconcile.gap-conversations')!;
    assert.equal(bodyOf<{ truncated?: boolean }>(gap).truncated, true, 'the event says so too');
  });

  test('a run that fails while fetching appends nothing and says where it failed', async (t) => {
    const emu = await startEmulator(t, { agents: 30, queues: 4 });
    const { log } = await openLog(t);

    const outcomes: unknown[] = [];
    const badAuth = await reconciler(clientFor(emu, 'wrong-secret'), log, {
      onRun: (o) => outcomes.push(o),
    });
    await assert.rejects(badAuth.run(), (err) => {
      assert.ok(err instanceof ReconcileError, String(err));
      assert.equal(err.phase, 'fetch');
      assert.equal(err.appended, 0);
      assert.match(err.message, /fetching presence definitions/);
      assert.match(err.message, /invalid_client/);
      return true;
    });
    assert.equal(outcomes.length, 1);
    assert.ok(outcomes[0] instanceof ReconcileError, 'onRun got the error');

    // A queue deleted between the queue listing and its members: the emulator answers 404.
    const client = clientFor(emu);
    const victim = emu.sim.org.queues[2]!.id;
    const deleting: ReconcileClient = {
      get: (path, query) => client.get(path, query),
      pages: <T>(path: string, query?: Parameters<GenesysRestClient['pages']>[1]) => {
        const inner = client.pages<T>(path, query);
        if (path !== `/api/v2/routing/queues/${victim}/members`) return inner;
        return (async function* () {
          assert.equal((await postFault(emu, { fault: 'delete-queue', id: victim })).status, 200);
          yield* inner;
        })();
      },
    };
    await assert.rejects(
      (await reconciler(deleting, log, { memberConcurrency: 2 })).run(),
      (err) => {
        assert.ok(err instanceof ReconcileError, String(err));
        assert.equal(err.phase, 'fetch');
        assert.match(err.message, new RegExp(`fetching members of queue ${victim}`));
        assert.match(err.message, /404 not\.found/);
        return true;
      },
    );
    assert.equal((await log.stats()).eventCount, 0);
  });

  test('a run whose log fails midway keeps the appended chunks and has no reconcile.complete', async (t) => {
    const emu = await startEmulator(t, { agents: 30, queues: 3 });
    const dir = tempDir(t, 'sb-reconcile-');
    const { log } = await openLog(t, dir);
    let appends = 0;
    const closing = interceptAppend(log, async (events) => {
      const results = await log.append(events);
      if (++appends === 1) void log.close(); // the next append finds the log closing
      return results;
    });
    await assert.rejects(
      (await reconciler(clientFor(emu), closing, { chunkSize: 10 })).run(),
      (err) => {
        assert.ok(err instanceof ReconcileError, String(err));
        assert.equal(err.phase, 'append');
        assert.equal(err.appended, 10);
        assert.ok(err.cause instanceof SwitchboardError, String(err.cause));
        assert.equal(err.cause.code, 'SB_LOG_UNAVAILABLE');
        assert.match(err.message, /no reconcile\.complete/);
        return true;
      },
    );
    await log.close();
    const { log: reopened } = await openLog(t, dir);
    const kept = await readAll(reopened);
    assert.equal(kept.length, 10);
    assert.ok(
      kept.every((e) => e.kind !== 'reconcile.complete'),
      'no reconcile.complete',
    );
  });
});

describe('POST /api/v1/reconcile', () => {
  async function appWith(t: TestContext, deps: Parameters<typeof registerReconcileRoute>[1]) {
    const config = testConfig(tempDir(t));
    const app = buildHttpApp({
      config,
      logger,
      ingestMetrics: createIngestMetrics(createMetrics({ defaultMetrics: false })),
    });
    registerReconcileRoute(app, deps);
    await app.ready();
    t.after(() => app.close());
    return app;
  }

  test('200 with the run result; 503 without a reconciler; 502 when the run fails; auth first', async (t) => {
    const emu = await startEmulator(t, { agents: 20, queues: 2 });
    const { log } = await openLog(t);
    const deps: Parameters<typeof registerReconcileRoute>[1] = {
      reconciler: undefined,
      authorize: () => {},
    };
    const app = await appWith(t, deps);

    const unavailable = await app.inject({ method: 'POST', url: '/api/v1/reconcile' });
    assert.equal(unavailable.statusCode, 503);
    assert.equal(
      unavailable.json<{ error: { code: string } }>().error.code,
      'SB_RECONCILE_UNAVAILABLE',
    );

    // Set after the app started (the gateway builds the reconciler once the emulator runs).
    deps.reconciler = await reconciler(clientFor(emu), log);
    const ok = await app.inject({ method: 'POST', url: '/api/v1/reconcile' });
    assert.equal(ok.statusCode, 200);
    const result = ok.json<ReconcileResult>();
    const stats = await log.stats();
    assert.equal(result.lastOffset, stats.lastOffset);
    assert.equal(result.events, stats.eventCount);
    assert.equal(result.users, emu.truth().agents.length);
    assert.equal(result.queues, emu.sim.org.queues.length);
    assert.equal(result.duplicates, 0);

    deps.reconciler = await reconciler(clientFor(emu, 'wrong-secret'), log);
    const failed = await app.inject({ method: 'POST', url: '/api/v1/reconcile' });
    assert.equal(failed.statusCode, 502);
    const error = failed.json<{ error: { code: string; message: string } }>().error;
    assert.equal(error.code, 'SB_RECONCILE_FAILED');
    assert.match(error.message, /invalid_client/);

    deps.authorize = () => {
      throw new SwitchboardError('SB_AUTH_REQUIRED');
    };
    const before = (await log.stats()).eventCount;
    deps.reconciler = await reconciler(clientFor(emu), log);
    const denied = await app.inject({ method: 'POST', url: '/api/v1/reconcile' });
    assert.equal(denied.statusCode, 401);
    assert.equal((await log.stats()).eventCount, before);
  });
});

describe('client options from config', () => {
  test('demo mode uses the emulator and its default client; credentials use the region', async (t) => {
    const dir = tempDir(t);
    const demo = testConfig(dir, { source: { demo: true, emulatorPort: 9555 } });
    assert.deepEqual(genesysClientOptions(demo), {
      apiBase: 'http://127.0.0.1:9555',
      clientId: 'demo-client',
      clientSecret: 'demo-secret',
    });
    assert.equal(
      genesysClientOptions(demo, { emulatorUrl: 'http://127.0.0.1:4321' })?.apiBase,
      'http://127.0.0.1:4321',
    );
    const real = testConfig(dir, {
      genesys: { clientId: 'cid', clientSecret: 'csecret', region: 'eu_west_1' },
    });
    assert.deepEqual(genesysClientOptions(real), {
      apiBase: 'https://api.mypurecloud.ie',
      loginBase: 'https://login.mypurecloud.ie',
      clientId: 'cid',
      clientSecret: 'csecret',
      requestsPerMinute: 240,
    });
    const based = testConfig(dir, {
      genesys: { clientId: 'cid', clientSecret: 'csecret', apiBase: 'https://api.usw2.pure.cloud' },
    });
    assert.equal(genesysClientOptions(based)?.apiBase, 'https://api.usw2.pure.cloud');
    const none = testConfig(dir, { source: { demo: false } });
    assert.equal(genesysClientOptions(none), undefined);
  });
});
