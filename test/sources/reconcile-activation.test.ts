/**
 * Issue 12 point 3: the reconciler repairs by itself. A gap reported by any source, or a log
 * that went quiet while agents are logged in, starts a REST run (one for a burst of them; one
 * more when a gap arrives during a run); more activations in an hour than is normal mark the
 * source degraded and raise `switchboard_reconcile_alert`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { GenesysRestClient } from '../../src/genesys/rest-client.js';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { createLogger } from '../../src/ops/logger.js';
import { Reconciler } from '../../src/sources/reconcile/reconciler.js';
import {
  ImpossibleStatesWatchdog,
  StalenessWatchdog,
} from '../../src/sources/reconcile/staleness-watchdog.js';
import { appenderFor, type Gap } from '../../src/sources/source.js';
import { startTestEmulator } from '../support/emulator.js';
import { startTestGateway, tempDir, waitFor } from '../support/helpers.js';
import { eventInput } from '../support/events.js';

const logger = createLogger('silent');

const gap = (reason: string): Gap => ({
  source: 'stream',
  from: new Date(Date.now() - 5000).toISOString(),
  to: new Date().toISOString(),
  reason,
});

async function rig(t: TestContext, maxPerHour = 2) {
  const emu = await startTestEmulator(t, { agents: 20, queues: 2, seed: 9 });
  const log = await SqliteEventLog.open({
    path: join(tempDir(t, 'sb-activation-'), 'switchboard.db'),
    retention: { intervalMs: 3_600_000 },
  });
  let runsStarted = 0;
  const client = new GenesysRestClient({
    apiBase: emu.url,
    clientId: 'demo-client',
    clientSecret: 'demo-secret',
    fetch: (input, init) => {
      const url = input instanceof Request ? input.url : input.toString();
      // Every run reads the presence definitions first.
      if (url.includes('/api/v2/presence/definitions?deactivated=false')) runsStarted++;
      return fetch(input, init);
    },
  });
  const activations: string[] = [];
  const r = new Reconciler({
    client,
    logger,
    activation: { debounceMs: 50, maxPerHour },
    onActivation: (reason) => activations.push(reason),
  });
  t.after(async () => {
    await r.stop();
    await log.close();
  });
  return { r, log, activations, runsStarted: () => runsStarted, emu };
}

describe('reconcile activation', () => {
  test('before start a gap is only counted; after start a burst of gaps is one run and one activation', async (t) => {
    const x = await rig(t);
    x.r.receiveGap(gap('closed 1006'));
    assert.equal(x.activations.length, 0, 'not started: nothing activates');
    await x.r.start({ append: appenderFor(x.log), reportGap: () => {}, logger });
    for (const reason of ['closed 1006', 'closed 1006', 'heartbeat-timeout'])
      x.r.receiveGap(gap(reason));
    await waitFor(() => x.r.health().counts?.runs === 1 && !x.r.running, { what: 'one run' });
    assert.equal(x.runsStarted(), 1, 'three gaps, one run');
    assert.equal(x.activations.length, 1, 'one incident, one activation');
    assert.equal(x.r.health().counts?.activationsLastHour, 1);
    assert.ok((await x.log.stats()).eventCount > 20, 'the run appended the directory');
  });

  test('a gap that arrives while a run is fetching gets one more run after it', async (t) => {
    const x = await rig(t, 10);
    await x.r.start({ append: appenderFor(x.log), reportGap: () => {}, logger });
    const first = x.r.run();
    x.r.receiveGap(gap('closed 4001'));
    x.r.receiveGap(gap('closed 4001'));
    await first;
    await waitFor(() => x.r.health().counts?.runs === 2 && !x.r.running, {
      what: 'the run after it',
    });
    assert.equal(x.runsStarted(), 2);
  });

  test('more activations in an hour than normal: degraded with the causes, and the alert count', async (t) => {
    const x = await rig(t, 2);
    await x.r.start({ append: appenderFor(x.log), reportGap: () => {}, logger });
    for (let i = 0; i < 3; i++) {
      x.r.receiveGap(gap('closed 1006'));
      await waitFor(() => x.r.health().counts?.runs === i + 1 && !x.r.running, {
        what: `run ${i + 1}`,
      });
      if (i < 2) assert.equal(x.r.health().state, 'running', `${i + 1} activations are normal`);
    }
    const h = x.r.health();
    assert.equal(h.state, 'degraded');
    assert.match(h.detail ?? '', /3 reconcile activations in the last hour.*stream closed 1006 ×3/);
    assert.equal(h.counts?.activationAlert, 1);
    assert.equal(h.counts?.activationsLastHour, 3);
    assert.equal(h.counts?.maxActivationsPerHour, 2);
    assert.deepEqual(h.activationsByCause, { gap: 3 });
    x.r.activate('stale: no event for 15 s');
    assert.deepEqual(x.r.health().activationsByCause, { gap: 3, stale: 1 });
  });
});

describe('staleness watchdog', () => {
  test('quiet while agents are logged in: one activation per quiet stretch, re-armed by an event', () => {
    let now = 1_000_000;
    let last: number | undefined;
    let loggedIn = true;
    const fired: string[] = [];
    const w = new StalenessWatchdog({
      staleAfterMs: 15_000,
      loggedIn: () => loggedIn,
      lastEventMs: () => last,
      activate: (reason) => fired.push(reason),
      now: () => now,
    });
    w.start();
    w.stop(); // driven by hand from here
    last = now;
    now += 14_999;
    w.check();
    assert.deepEqual(fired, [], 'not yet');
    now += 1;
    w.check();
    assert.deepEqual(fired, ['stale: no event for 15 s']);
    now += 60_000;
    w.check();
    assert.equal(fired.length, 1, 'the same quiet stretch fires once');
    last = now; // an event
    now += 20_000;
    loggedIn = false;
    w.check();
    assert.equal(fired.length, 1, 'nobody logged in: quiet is normal');
    loggedIn = true;
    w.check();
    assert.equal(fired.length, 2, 'a new quiet stretch');
  });

  test('off when staleAfterMs is 0', () => {
    let fired = 0;
    const w = new StalenessWatchdog({
      staleAfterMs: 0,
      loggedIn: () => true,
      lastEventMs: () => 0,
      activate: () => fired++,
      now: () => 10 ** 9,
    });
    w.start();
    w.check();
    assert.equal(fired, 0);
    w.stop();
  });
});

describe('impossible states', () => {
  test('a ring older than any ring timeout activates a run, which clears it; once per new one', async (t) => {
    const emu = await startTestEmulator(t, { agents: 12, queues: 2, seed: 5 });
    const gw = await startTestGateway(t, {
      genesys: { apiBase: emu.url, clientId: 'demo-client', clientSecret: 'demo-secret' },
      source: { demo: false, mode: 'push' },
      reconcile: { activationDebounceMs: 0, maxRingMs: 60_000 },
    });
    await gw.reconcile();
    const queueId = emu.sim.org.queues[0]!.id;
    const userId = emu.sim.org.agents[0]!.id;
    const topic = `v2.routing.queues.${queueId}.conversations`;
    const now = Date.now();
    // A ring whose end was lost, ten minutes ago; then anything newer moves the event clock.
    const ring = {
      id: 'lost-ring',
      participants: [
        { id: 'c', purpose: 'customer', calls: [{ state: 'connected', direction: 'inbound' }] },
        { id: 'a', purpose: 'acd', queueId, calls: [{ state: 'disconnected' }] },
        { id: 'u', purpose: 'agent', userId, queueId, calls: [{ state: 'alerting' }] },
      ],
    };
    await gw.log.append([
      eventInput('queue.conversation', {
        topic,
        subject: { queueId },
        occurredAt: new Date(now - 600_000).toISOString(),
        body: {
          topicName: topic,
          version: '2',
          eventBody: ring,
          metadata: { CorrelationId: 'r1' },
        },
      }),
      eventInput('user.routing', {
        topic: `v2.users.${userId}.routingStatus`,
        subject: { userId },
        occurredAt: new Date(now).toISOString(),
        body: { routingStatus: { status: 'IDLE', startTime: new Date(now).toISOString() } },
      }),
    ]);
    await waitFor(() => gw.projector.state.toasts().some((x) => x.conversationId === 'lost-ring'), {
      what: 'the lost ring in live state',
    });
    const reconcile = gw.sources.find((s) => s.name === 'reconcile')!;
    const runs = reconcile.health().counts!.runs!;
    await waitFor(() => reconcile.health().counts!.runs! > runs, {
      timeoutMs: 15_000,
      what: 'a run activated by the impossible ring',
    });
    await waitFor(
      () => !gw.projector.state.toasts().some((x) => x.conversationId === 'lost-ring'),
      { timeoutMs: 10_000, what: 'the run to clear it' },
    );
    const activations = (await gw.metrics.reconcileActivations.get()).values;
    assert.deepEqual(
      activations.map((v) => [v.labels.cause, v.value]),
      [['impossible', 1]],
    );
  });

  test('the watchdog sweeps each new impossible state once, then activates a run', async () => {
    let found: string[] = [];
    const fired: string[] = [];
    const swept: string[][] = [];
    let failNext = false;
    const w = new ImpossibleStatesWatchdog<string>({
      find: () => found,
      key: (s) => s,
      kind: (s) => (s.startsWith('ring') ? 'rings too old' : 'silent conversations'),
      sweep: async (states) => {
        if (failNext) {
          failNext = false;
          throw new Error('log unavailable');
        }
        swept.push([...states]);
      },
      activate: (r) => fired.push(r),
    });
    await w.check();
    assert.deepEqual(fired, []);
    found = ['ring-a', 'ring-b'];
    await Promise.all([w.check(), w.check()]);
    await w.check();
    assert.deepEqual(fired, ['impossible: 2 rings too old']);
    assert.deepEqual(swept, [['ring-a', 'ring-b']]);
    found = ['ring-a', 'ring-b', 'ring-c', 'silent-d'];
    await w.check();
    assert.deepEqual(fired.at(-1), 'impossible: 1 rings too old, 1 silent conversations');
    assert.deepEqual(swept.at(-1), ['ring-c', 'silent-d']);
    found = [];
    await w.check();
    found = ['ring-a'];
    failNext = true;
    await w.check();
    assert.equal(fired.length, 2, 'a sweep that failed activates nothing');
    await w.check();
    assert.equal(fired.length, 3, 'and is tried again at the next look');
    assert.deepEqual(swept.at(-1), ['ring-a'], 'cleared, then back: new again');
  });
});
