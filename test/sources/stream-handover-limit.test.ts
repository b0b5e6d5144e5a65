/**
 * A planned `socket_closing` sent to every socket of a stream that uses 19 channels (issue 12,
 * point 2: make-before-break, zero events lost, within the 20-channel limit). Genesys keeps 20
 * channels per user and OAuth client and a 21st replaces the oldest one with no connection
 * (FACTS §1; the emulator does the same, and closes the replaced channel's socket). Handing all
 * 19 over at once would need 38: the stream makes new channels only as fast as the free room
 * allows, so no live channel is ever replaced, nothing is lost and no gap is reported.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GenesysRestClient } from '../../src/genesys/rest-client.js';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { appenderFor, type Gap } from '../../src/sources/source.js';
import { StreamSource } from '../../src/sources/stream/stream-source.js';
import { postFault, startTestEmulator } from '../support/emulator.js';
import { logIds } from '../support/events.js';
import { tempDir, testConfig, waitFor } from '../support/helpers.js';

describe('handovers within the channel limit', () => {
  test('socket-closing on 19 channels: handed over a few at a time, no channel replaced, nothing lost', async (t) => {
    const sent: string[] = [];
    let open = false;
    const followed = new Set<string>();
    const emu = await startTestEmulator(t, {
      agents: 19,
      queues: 1,
      seed: 44,
      realtime: true,
      speed: 60,
      sink: (text) => {
        const m = /^\{"topicName":"(v2\.users\.[^"]+)".*"CorrelationId":"([^"]+)"\}\}$/.exec(text);
        if (m && open && followed.has(m[1]!)) sent.push(`${m[1]}:${m[2]}`);
      },
    });
    // Two topics per channel: 19 agents fill the 19 channels a stream may use (one of 20 is
    // kept free for handovers).
    const topics = emu.sim.org.agents.flatMap((a) => [
      `v2.users.${a.id}.activity`,
      `v2.users.${a.id}.conversations`,
    ]);
    for (const topic of topics) followed.add(topic);
    const dir = tempDir(t, 'sb-stream-');
    const log = await SqliteEventLog.open({ path: join(dir, 'switchboard.db') });
    const source = new StreamSource({
      client: new GenesysRestClient({
        apiBase: emu.url,
        clientId: 'demo-client',
        clientSecret: 'demo-secret',
      }),
      metrics: createMetrics({ defaultMetrics: false }),
      config: testConfig(dir),
      topics: async () => topics,
      maxTopicsPerChannel: 2,
      refreshIntervalMs: 0,
    });
    const gaps: Gap[] = [];
    t.after(async () => {
      await source.stop();
      await log.close();
    });
    await source.start({
      append: appenderFor(log),
      reportGap: (g) => gaps.push(g),
      logger: createLogger('silent'),
    });
    await waitFor(() => source.health().state === 'running', { what: 'the stream running' });
    assert.equal(source.health().counts!.channels, 19);
    assert.equal(source.health().counts!.rejectedTopics, 0);
    open = true;

    // The most channels the emulator holds at any moment, and whether it had to replace one.
    let most = 0;
    const create = emu.channels.create.bind(emu.channels);
    let replaced = 0;
    emu.channels.create = (clientId: string) => {
      const made = create(clientId);
      if (made.replaced) replaced++;
      most = Math.max(most, emu.channels.channels.size);
      return made;
    };
    await waitFor(() => sent.length >= 3, { timeoutMs: 15_000, what: 'the floor moving' });
    const before = sent.length;
    assert.equal((await postFault(emu, { fault: 'socket-closing', seconds: 5 })).status, 200);
    await waitFor(
      () => source.health().counts!.handovers === 19 && source.health().state === 'running',
      { timeoutMs: 20_000, what: 'all 19 channels handed over' },
    );
    assert.ok(most <= 20, `at most 20 channels at once (saw ${most})`);
    assert.equal(replaced, 0, 'no live channel replaced');
    assert.deepEqual(gaps, [], 'no gap');
    assert.equal(source.health().counts!.reconnects ?? 0, 0, 'no socket lost');

    // Everything sent while the sockets were handed over is in the log.
    await waitFor(() => sent.length > before + 3, {
      timeoutMs: 15_000,
      what: 'messages sent after the handovers began',
    });
    const last = sent.length;
    await waitFor(
      async () => {
        const have = await logIds(log);
        return sent.slice(0, last).every((id) => have.has(id));
      },
      {
        timeoutMs: 10_000,
        what: `every message sent during the handovers in the log (${last} sent)`,
      },
    );
  });
});
