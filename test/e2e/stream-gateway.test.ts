/**
 * Issue 12, end to end: a gateway given only emulator credentials (`GENESYS_API_BASE`,
 * `GENESYS_CLIENT_ID`, `GENESYS_CLIENT_SECRET`, `SWITCHBOARD_DEMO=0`, nothing pushed to it)
 * picks the stream by itself, plans its topics from the org's directory, and its agents and
 * queues equal `/emulator/truth`, also across a planned `socket-closing` handover.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import { credentialsEnv, postFault, startTestEmulator } from '../support/emulator.js';
import { tempDir, waitFor } from '../support/helpers.js';
import { compareWithTruth, pauseAndSettle } from '../support/truth.js';

const SPEED = 10;

describe('a gateway with only Genesys credentials streams from the org', () => {
  test('the stream is chosen, topics are planned, and the floor equals the truth (also after a handover)', async (t) => {
    // The id of the last message the emulator sent on a topic the stream follows.
    const followed =
      /^\{"topicName":"(v2\.users\.[^".]+\.(?:activity|conversations)|v2\.routing\.queues\.[^".]+\.(?:conversations|users)|v2\.analytics\.queues\.[^".]+\.observations)".*"CorrelationId":"([^"]+)"\}\}$/;
    let lastSent: string | undefined;
    const emu = await startTestEmulator(t, {
      realtime: true,
      agents: 80,
      queues: 4,
      seed: 17,
      speed: SPEED,
      sink: (text) => {
        const m = followed.exec(text);
        if (m) lastSent = `${m[1]}:${m[2]}`;
      },
    });
    const config = loadConfig({
      env: credentialsEnv(emu, tempDir(t)),
    });
    assert.equal(config.demo, false);
    assert.equal(config.source.mode, 'stream');
    const gw = await startGateway(config, {
      logger: createLogger('silent'),
      defaultMetrics: false,
    });
    t.after(() => gw.close());
    const stream = gw.sources.find((s) => s.name === 'stream');
    assert.ok(stream, 'a stream source');
    await waitFor(() => stream.health().state === 'running', {
      timeoutMs: 15_000,
      what: 'the stream running',
    });
    const counts = stream.health().counts!;
    // 4 queues × 3 topics, and every member × 2 (activity, conversations).
    assert.ok(counts.topics! > 4 * 3 + 2 * 40, `${counts.topics} topics`);
    const started = emu.sim.now;
    await gw.reconcile();

    const minutes = async (n: number) => {
      const from = emu.sim.now;
      await waitFor(() => emu.sim.now - from >= n * 60_000, {
        timeoutMs: (n * 60_000) / SPEED + 30_000,
        intervalMs: 100,
        what: `${n} simulated minutes`,
      });
    };
    // A stream has no "idle" to wait for: paused, the floor is still once the last message
    // the emulator sent is in the log.
    const still = () => pauseAndSettle(gw, emu, () => lastSent);
    await minutes(3);
    await still();
    t.diagnostic(`before the handover: ${await compareWithTruth(gw, emu, started, 5)}`);

    emu.resume();
    const res = await postFault(emu, { fault: 'socket-closing', seconds: 1 });
    assert.equal(res.status, 200);
    await waitFor(() => (stream.health().counts!.handovers ?? 0) >= 1, {
      timeoutMs: 10_000,
      what: 'the handover',
    });
    await minutes(1);
    await still();
    t.diagnostic(`after the handover: ${await compareWithTruth(gw, emu, started, 5)}`);
    const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as {
      sources: Record<string, { state: string; counts: Record<string, number> }>;
    };
    assert.equal(ready.sources.stream?.state, 'running');
    assert.equal(ready.sources.stream?.counts.gapsReported, 0, 'a planned handover is no gap');

    // An unplanned drop: the stream reconnects, reports the gap, and the reconciler runs by
    // itself (the seed run was the first).
    const reconcile = gw.sources.find((s) => s.name === 'reconcile')!;
    const runs = reconcile.health().counts!.runs!;
    emu.resume();
    assert.equal((await postFault(emu, { fault: 'drop-sockets', code: 1006 })).status, 200);
    await waitFor(() => reconcile.health().counts!.runs! > runs, {
      timeoutMs: 15_000,
      what: 'a reconcile run started by the gap',
    });
    await minutes(0.5);
    await still();
    // The run repairs presence and routing status, and the conversations whose events fell in
    // the gap (queue observations name each queue's conversations in progress).
    t.diagnostic(`after the drop: ${await compareWithTruth(gw, emu, started, 5)}`);
    assert.equal(stream.health().counts!.gapsReported, 1);

    // The same on /metrics.
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    for (const line of [
      'switchboard_stream_reconnects_total{cause="closed 1006"} 1',
      'switchboard_stream_handovers_total{reason="socket-closing"} 1',
      'switchboard_stream_channels{state="open"} 1',
      'switchboard_stream_channels{state="down"} 0',
      'switchboard_reconcile_activations_total{cause="gap"} 1',
    ])
      assert.ok(metrics.includes(line), `${line} in /metrics`);
    assert.match(metrics, /switchboard_stream_topics\{state="subscribed"\} \d+/);
  });
});
