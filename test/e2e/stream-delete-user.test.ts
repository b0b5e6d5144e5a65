/**
 * Issue 12, the `delete-user` fault: a followed user is deleted from the org. Genesys announces
 * no deletion (no topic says so; `QueueUserEventTopicQueueMember` has only `id`, `user`,
 * `queueId`, `joined`: MyPureCloud/platform-client-sdk-javascript build/index.d.ts), and the
 * user's sessions end, so the stream hears them log out. The stream's next topic re-plan (its
 * periodic refresh, called here rather than waited for) finds them gone from the directory, drops their topics and reports a roster
 * change; the reconciler runs at once and its roster removes them: gone from live state within
 * 2 s of the re-plan, and agents and queues equal `/emulator/truth`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startGateway } from '../../src/gateway.js';
import type { StreamSource } from '../../src/sources/stream/stream-source.js';
import { createLogger } from '../../src/ops/logger.js';
import { postFault, startTestEmulator } from '../support/emulator.js';
import { logIds } from '../support/events.js';
import { tempDir, testConfig, waitFor } from '../support/helpers.js';
import { compareWithTruth, projected, settled } from '../support/truth.js';

describe('a followed user deleted from the org', () => {
  test('is dropped from the topics and from live state within 2 s of the re-plan', async (t) => {
    const correlation = /"CorrelationId":"([^"]+)"\}\}$/;
    let lastSent: string | undefined;
    const emu = await startTestEmulator(t, {
      agents: 40,
      queues: 3,
      seed: 23,
      sink: (text) => {
        const m = correlation.exec(text);
        if (m && !text.includes('"topicName":"channel.metadata"')) lastSent = m[1];
      },
    });
    const gw = await startGateway(
      testConfig(tempDir(t), {
        genesys: { apiBase: emu.url, clientId: 'demo-client', clientSecret: 'demo-secret' },
        source: { demo: false, mode: 'stream' },
      }),
      { logger: createLogger('silent'), defaultMetrics: false },
    );
    t.after(() => gw.close());
    const stream = gw.sources.find((s) => s.name === 'stream') as StreamSource;
    await waitFor(() => stream.health().state === 'running', { what: 'the stream running' });
    await gw.reconcile();
    const started = emu.sim.now;

    // Virtual time: the floor moves only when advanced, so it is still once the last message
    // the emulator sent is in the log and folded.
    const still = async () => {
      const last = lastSent;
      assert.ok(last, 'the emulator sent something');
      await waitFor(
        async () => {
          const tail = await gw.log.read(Math.max(0, (await gw.log.stats()).lastOffset - 500), 500);
          return tail.some((e) => e.id.endsWith(`:${last}`));
        },
        { timeoutMs: 10_000, what: `the last sent message (${last}) in the log` },
      );
      await settled(gw);
    };
    emu.advance(3 * 60_000);
    await still();
    t.diagnostic(`before: ${await compareWithTruth(gw, emu, started, 0)}`);

    const victim = emu
      .truth()
      .agents.find((a) => a.loggedIn && a.queueIds.length > 0 && a.conversations.length > 0);
    assert.ok(victim, 'a logged-in member on a call');
    assert.equal((await postFault(emu, { fault: 'delete-user', id: victim.id })).status, 200);

    // The periodic re-plan (every `source.stream.refreshIntervalMs`, 5 min), now.
    await stream.refresh();
    const replanned = Date.now();
    assert.equal(stream.health().counts!.usersDropped, 1, 'the re-plan dropped the user');
    await waitFor(async () => !(await projected(gw)).agents.some((a) => a.id === victim.id), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'the deleted user gone from live state',
    });
    const gone = Date.now() - replanned;
    t.diagnostic(`gone ${gone} ms after the re-plan`);
    assert.ok(gone <= 2000, `gone ${gone} ms after the re-plan (at most 2 000)`);

    // Their call went back to the queue and on to another agent; the floor still equals truth.
    emu.advance(30_000);
    await still();
    t.diagnostic(`after: ${await compareWithTruth(gw, emu, started, 0)}`);
    const topics = stream.health().counts!.topics!;
    assert.ok(topics > 0);
    const { lastOffset, firstOffset } = await gw.log.stats();
    assert.equal(
      (await logIds(gw.log)).size,
      lastOffset - firstOffset + 1,
      'every offset a distinct id',
    );
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /switchboard_reconcile_activations_total\{cause="roster"\} 1\b/);
  });
});
