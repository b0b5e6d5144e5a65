/**
 * Issue 12 point 2: the stream's pre-flight validation prunes what the config names that the org
 * does not have, and reports it: counts and the ids in the stream's health (so in `/readyz`), a
 * `switchboard_stream_pruned` gauge on `/metrics`, and one log line per newly pruned id (not one
 * at every 5-minute re-plan).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import type { StreamHealth, StreamSource } from '../../src/sources/stream/stream-source.js';
import { startTestEmulator } from '../support/emulator.js';
import { tempDir, testConfig, waitFor } from '../support/helpers.js';

const GONE_USER = 'no-such-user-0000-4000-8000-0000000000ff';
const GONE_QUEUE = 'no-such-queue-0000-4000-8000-0000000000ee';

describe('stream pre-flight pruning', () => {
  test('a user id and a queue id the org lacks: pruned 1/1, listed in /readyz, on /metrics, logged once', async (t) => {
    const emu = await startTestEmulator(t, { realtime: true, agents: 12, queues: 2, seed: 5 });
    const lines: string[] = [];
    const logger = createLogger('warn', { write: (line: string) => void lines.push(line) });
    const queue = emu.sim.org.queues[0]!.id;
    const gw = await startGateway(
      testConfig(tempDir(t), {
        genesys: { apiBase: emu.url, clientId: 'demo-client', clientSecret: 'demo-secret' },
        source: {
          demo: false,
          mode: 'stream',
          stream: { queues: [queue, GONE_QUEUE], users: [GONE_USER] },
        },
      }),
      { logger, defaultMetrics: false },
    );
    t.after(() => gw.close());
    const stream = gw.sources.find((s) => s.name === 'stream') as StreamSource | undefined;
    assert.ok(stream, 'a stream source');
    await waitFor(() => stream.health().state === 'running', {
      timeoutMs: 15_000,
      what: 'the stream running',
    });

    const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as {
      sources: { stream: StreamHealth };
    };
    const health = ready.sources.stream;
    assert.equal(health.state, 'running', 'pruned ids do not degrade the stream');
    assert.equal(health.counts?.prunedUsers, 1);
    assert.equal(health.counts?.prunedQueues, 1);
    assert.deepEqual(health.pruned.map((p) => [p.kind, p.id]).sort(), [
      ['queue', GONE_QUEUE],
      ['user', GONE_USER],
    ]);
    assert.ok(health.pruned.every((p) => /^no such (user|queue) in the org$/.test(p.reason)));
    assert.ok(
      (health.counts?.topics ?? 0) > 3,
      'the queue that exists is followed, with its members',
    );
    assert.deepEqual(health.reconnectsByCause, {});

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    for (const line of [
      'switchboard_stream_pruned{kind="user"} 1',
      'switchboard_stream_pruned{kind="queue"} 1',
      'switchboard_stream_pruned{kind="team"} 0',
    ])
      assert.ok(metrics.includes(line), `/metrics has ${line}`);

    // Re-planned (as every refreshIntervalMs): still pruned, not logged again.
    await stream.refresh();
    await stream.refresh();
    assert.equal(stream.health().counts?.prunedUsers, 1);
    const logged = (id: string) =>
      lines.filter((l) => l.includes('stream: not followed') && l.includes(id)).length;
    assert.equal(logged(GONE_USER), 1, 'the pruned user logged once');
    assert.equal(logged(GONE_QUEUE), 1, 'the pruned queue logged once');
  });
});
