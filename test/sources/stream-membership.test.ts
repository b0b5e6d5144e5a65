/**
 * Users removed from a followed queue are dropped without a restart (issue 12, point 2). The
 * topics come from the real planner over the org's directory (`fetchDirectory` + `planTopics`,
 * as `source.mode: stream` plans them); Genesys documents no topic message for a removal (the
 * SDK's `QueueUserEventTopicQueueMember` has `joined`, nothing for "removed"), so the stream
 * learns it at its next re-plan: the user's topics are unsubscribed at the emulator, the
 * queue's stay, and a user still in another followed queue stays followed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GenesysRestClient } from '../../src/genesys/rest-client.js';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { fetchDirectory } from '../../src/sources/reconcile/reconcile-fetch.js';
import { appenderFor } from '../../src/sources/source.js';
import { StreamSource } from '../../src/sources/stream/stream-source.js';
import { planTopics } from '../../src/sources/stream/stream-topics.js';
import { startTestEmulator } from '../support/emulator.js';
import { tempDir, testConfig, waitFor } from '../support/helpers.js';

describe('queue membership while the stream runs', () => {
  test('a user removed from the followed queue is dropped at the next re-plan, without a restart', async (t) => {
    const emu = await startTestEmulator(t, { agents: 20, queues: 3, seed: 31 });
    const [followed, other] = emu.sim.org.queues;
    assert.ok(followed && other);
    // Someone only in the followed queue, and someone in both.
    const only = followed.memberIds.find((id) => !other.memberIds.includes(id));
    const both = followed.memberIds.find((id) => other.memberIds.includes(id));
    assert.ok(only && both, 'the seed has a member of one queue and a member of both');
    const client = new GenesysRestClient({
      apiBase: emu.url,
      clientId: 'demo-client',
      clientSecret: 'demo-secret',
    });
    const logger = createLogger('silent');
    const selection = {
      queues: [followed.id, other.id],
      queueMembers: true,
      teams: [],
      divisions: [],
      users: [],
      userTopics: ['activity', 'conversations'] as const,
      queueTopics: ['conversations', 'users'] as const,
    };
    const dir = tempDir(t, 'sb-stream-');
    const log = await SqliteEventLog.open({ path: join(dir, 'switchboard.db') });
    const source = new StreamSource({
      client,
      metrics: createMetrics({ defaultMetrics: false }),
      config: testConfig(dir),
      topics: async () => planTopics(await fetchDirectory(client, logger, 2), selection).topics,
      // No periodic re-plan: the test asks for one, as the timer (or a users message) would.
      refreshIntervalMs: 0,
    });
    t.after(async () => {
      await source.stop();
      await log.close();
    });
    await source.start({ append: appenderFor(log), reportGap: () => {}, logger });
    await waitFor(() => source.health().state === 'running', { what: 'the stream running' });
    const subscribed = (topic: string) => (emu.channels.subscribers(topic)?.size ?? 0) > 0;
    assert.ok(subscribed(`v2.users.${only}.activity`), 'the member is followed');
    const topicsBefore = source.health().counts!.topics!;

    // Removed from the followed queue (RoutingApi deleteRoutingQueueMember).
    assert.ok(emu.sim.removeMember(followed.id, only));
    assert.ok(emu.sim.removeMember(followed.id, both));
    await source.refresh();

    assert.ok(!subscribed(`v2.users.${only}.activity`), 'no longer followed');
    assert.ok(!subscribed(`v2.users.${only}.conversations`), 'none of its topics');
    assert.ok(subscribed(`v2.users.${both}.activity`), 'still in another followed queue');
    assert.ok(subscribed(`v2.routing.queues.${followed.id}.conversations`), 'the queue stays');
    assert.equal(source.health().counts!.topics, topicsBefore - 2);
    assert.equal(source.health().state, 'running', 'resubscribed in place, no reconnect');
    assert.equal(source.health().counts!.reconnects ?? 0, 0);
  });
});
