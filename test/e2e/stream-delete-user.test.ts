/**
 * Issue 12, the `delete-user` fault: a followed user is deleted from the org. Genesys announces
 * no deletion (no topic says so; `QueueUserEventTopicQueueMember` has only `id`, `user`,
 * `queueId`, `joined`: MyPureCloud/platform-client-sdk-javascript build/index.d.ts), but the
 * user's sessions end, so the stream hears them log off; it asks `GET /api/v2/users/{id}`, gets
 * a 404, re-plans its topics at once (dropping the user's) and reports a roster change; the
 * reconciler runs at once and its roster removes them. Gone from live state within 2 s of the
 * deletion, and agents and queues equal `/emulator/truth` afterwards.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StreamSource } from '../../src/sources/stream/stream-source.js';
import { postFault, startEmulatorGateway, startTestEmulator } from '../support/emulator.js';
import { logIds } from '../support/events.js';
import { waitFor } from '../support/helpers.js';
import { compareWithTruth, projected, settled } from '../support/truth.js';

describe('a followed user deleted from the org', () => {
  test('is dropped from the topics and from live state within 2 s', async (t) => {
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
    const gw = await startEmulatorGateway(t, emu, 'stream');
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
    const deleted = Date.now();
    assert.equal((await postFault(emu, { fault: 'delete-user', id: victim.id })).status, 200);
    await waitFor(async () => !(await projected(gw)).agents.some((a) => a.id === victim.id), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'the deleted user gone from live state',
    });
    const gone = Date.now() - deleted;
    t.diagnostic(`gone ${gone} ms after the deletion`);
    assert.ok(gone <= 2000, `gone ${gone} ms after the deletion (at most 2 000)`);
    const counts = stream.health().counts!;
    assert.equal(counts.usersDropped, 1, 'the re-plan dropped the user');
    assert.equal(counts.refreshes, 1, 'one re-plan, started by the log-off');

    // Their call went back to the queue (and on to another agent): the floor equals the truth.
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
