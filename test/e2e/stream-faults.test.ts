/**
 * Issue 12, every Notification API fault end to end: a gateway given only emulator credentials
 * follows a moving floor over the stream (the emulator in process, `test/support/stream-rig.ts`),
 * the fault is applied, and once it is over
 * - the projected agents and queues equal `/emulator/truth` within `WITHIN_MS` of the fault's end
 *   (the 2 s target is measured by `npm run bench -- stream`; see stream-rig.ts),
 * - the log holds no id twice,
 * - a planned handover (socket-closing, a channel's expiry ahead of time) lost no event: every
 *   message the emulator sent on a followed topic is in the log,
 * - /metrics and /readyz show what happened: reconnects by cause, handovers by reason, gaps by
 *   reason, channels open, reconcile activations by cause.
 * The payloads are the emulator's (SDK-shaped already); nothing is built here. 429 storms are in
 * stream-rate-limit.test.ts, `delete-user` in stream-delete-user.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { CHANNEL_TTL_MS } from '../../src/emulator/notifications/channel-manager.js';
import { waitFor } from '../support/helpers.js';
import { compareWithTruth, projected, settled } from '../support/truth.js';
import { gatewayRig, sample, truthAfterFault, WITHIN_MS, type Rig } from '../support/stream-rig.js';

/** The lines of /metrics that a failed assertion should show. */
function metricLines(metrics: string, prefix: string): string {
  return metrics
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .join('\n');
}

/** Gaps the stream reported, by reason, from /metrics. */
function streamGaps(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.matchAll(
    /^switchboard_source_gaps_total\{([^}]*)\} (\d+(?:\.\d+)?)$/gm,
  )) {
    const labels = m[1]!;
    if (!/source="stream"/.test(labels)) continue;
    out[/reason="([^"]*)"/.exec(labels)![1]!] = Number(m[2]);
  }
  return out;
}

/** What a planned handover must show: a handover by `reason`, no reconnect, no gap, nothing lost. */
async function assertPlanned(t: TestContext, r: Rig, reason: string, sent: readonly string[]) {
  assert.ok(sent.length > 0, 'the emulator sent on followed topics meanwhile');
  const missing = await r.missing(sent);
  t.diagnostic(`${sent.length} events sent during the handover; ${missing.length} not in the log`);
  assert.deepEqual(missing, [], 'a planned handover loses no event');
  const counts = r.streamCounts();
  assert.equal(counts.handovers, 1);
  assert.equal(counts.reconnects, 0, 'no reconnect');
  assert.equal(counts.gapsReported, 0, 'a planned handover is no gap');
  assert.equal(counts.channelsOpen, 1);
  const ready = await r.ready();
  assert.equal(ready.sources.stream?.state, 'running', ready.sources.stream?.detail);
  assert.equal(ready.sources.stream?.counts.handovers, 1);
  assert.equal(ready.sources.stream?.counts.gapsReported, 0);
  assert.equal(ready.sources.reconcile?.counts.activations, 0, 'no reconcile activation');
  const metrics = await r.metrics();
  for (const line of [
    `switchboard_stream_handovers_total{reason="${reason}"} 1`,
    'switchboard_stream_channels{state="open"} 1',
    'switchboard_stream_channels{state="down"} 0',
  ])
    assert.ok(metrics.includes(line), `${line} in /metrics`);
  assert.doesNotMatch(metrics, /switchboard_stream_reconnects_total\{[^}]*\} [1-9]/);
  assert.deepEqual(streamGaps(metrics), {}, 'no stream gap in /metrics');
  assert.doesNotMatch(metrics, /switchboard_reconcile_activations_total\{[^}]*\} [1-9]/);
}

/**
 * What an unplanned end must show: `reconnects` sockets ended by `cause` and were reconnected,
 * their gap reported with `gapReason` and repaired by a run the gap started, the channels open.
 */
async function assertUnplanned(
  r: Rig,
  o: { cause: string; gapReason: RegExp; reconnects: number; channels?: number },
) {
  const channels = o.channels ?? 1;
  const ready = await r.ready();
  const stream = ready.sources.stream!;
  assert.equal(stream.state, 'running', stream.detail);
  assert.equal(stream.counts.channelsOpen, channels);
  assert.ok(stream.counts.gapsReported! >= 1, 'the gap was reported');
  const reconcile = ready.sources.reconcile!;
  assert.equal(reconcile.state, 'running', reconcile.detail);
  assert.equal(reconcile.counts.failedRuns, 0);
  assert.ok((reconcile.activationsByCause?.gap ?? 0) >= 1, JSON.stringify(reconcile));
  const metrics = await r.metrics();
  assert.equal(
    sample(metrics, `switchboard_stream_reconnects_total{cause="${o.cause}"}`),
    o.reconnects,
    metricLines(metrics, 'switchboard_stream_reconnects_total'),
  );
  assert.ok(metrics.includes(`switchboard_stream_channels{state="open"} ${channels}`));
  assert.ok(metrics.includes('switchboard_stream_channels{state="down"} 0'));
  const gaps = streamGaps(metrics);
  assert.ok(
    Object.keys(gaps).some((reason) => o.gapReason.test(reason)),
    `a stream gap for ${o.gapReason} in /metrics: ${JSON.stringify(gaps)}`,
  );
  const gapActivations = sample(metrics, 'switchboard_reconcile_activations_total{cause="gap"}');
  assert.equal(gapActivations, reconcile.activationsByCause?.gap, 'the same count as /readyz');
  assert.doesNotMatch(metrics, /switchboard_reconcile_runs_total\{result="error"\} [1-9]/);
}

/** Waits for the stream to run again and the last gap's repair to have finished. */
async function repaired(r: Rig, gapsBefore: number, timeoutMs = 20_000) {
  await waitFor(() => r.stream.health().state === 'running' && r.gapRepaired(gapsBefore), {
    timeoutMs,
    intervalMs: 20,
    what: 'the stream running and the gap repaired',
  });
}

describe('unplanned ends: reconnect, report the gap, repair it', () => {
  const cases = [
    {
      name: 'drop-sockets 1006 (no close frame)',
      body: { fault: 'drop-sockets', code: 1006 },
      cause: 'closed 1006',
      gapReason: /^closed 1006/,
    },
    {
      name: 'drop-sockets 4001 (another socket took the channel)',
      body: { fault: 'drop-sockets', code: 4001 },
      cause: 'closed 4001',
      gapReason: /^closed 4001/,
    },
    {
      // The channel is gone (its socket closed 1000): the same channel cannot be reopened, a
      // new one is made with the same topics.
      name: 'expire-channels (the channel is gone)',
      body: { fault: 'expire-channels' },
      cause: 'closed 1000',
      gapReason: /^closed 1000/,
    },
  ];
  for (const c of cases) {
    test(c.name, async (t) => {
      const r = await gatewayRig(t);
      const channel = r.stream.channels[0]!.id;
      const gapsBefore = r.reconcile.gaps.length;
      const end = Date.now();
      await r.fault(c.body);
      await repaired(r, gapsBefore);
      t.diagnostic(`running and repaired ${Date.now() - end} ms after the fault`);
      await truthAfterFault(t, r, end);
      assert.equal(r.streamCounts().reconnects, 1);
      assert.equal(r.streamCounts().gapsReported, 1);
      assert.equal(r.streamCounts().handovers, 0);
      if (c.body.fault === 'expire-channels')
        assert.notEqual(r.stream.channels[0]!.id, channel, 'a new channel');
      else assert.equal(r.stream.channels[0]!.id, channel, 'the same channel, reopened');
      await assertUnplanned(r, { cause: c.cause, gapReason: c.gapReason, reconnects: 1 });
    });
  }

  test('stop-heartbeats while TCP stays open and nothing arrives: the watchdog reconnects', async (t) => {
    // Heartbeats every second; the watchdog allows 2.5 s of silence (the config minimum is 1 s).
    const r = await gatewayRig(
      t,
      {},
      { overrides: { source: { stream: { heartbeatTimeoutMs: 2500 } } } },
    );
    const gapsBefore = r.reconcile.gaps.length;
    // Nothing arrives: the floor stands still (events prove delivery as heartbeats do), and
    // the TCP connection stays open (pongs still come: the path is alive).
    r.emu.pause();
    const seconds = 5;
    const posted = Date.now();
    await r.fault({ fault: 'stop-heartbeats', seconds });
    await waitFor(() => r.streamCounts().heartbeatTimeouts! >= 1, {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'the heartbeat watchdog',
    });
    // The floor moves again: the new socket hears events while heartbeats are still stopped.
    r.emu.resume();
    const end = posted + seconds * 1000;
    await repaired(r, gapsBefore);
    await waitFor(() => Date.now() >= end, { what: 'the end of the heartbeat window' });
    await truthAfterFault(t, r, end);
    const timeouts = r.streamCounts().heartbeatTimeouts!;
    t.diagnostic(`${timeouts} heartbeat timeouts`);
    await assertUnplanned(r, {
      cause: 'heartbeat-timeout',
      gapReason: /^heartbeat-timeout$/,
      reconnects: timeouts,
    });
    assert.equal(r.streamCounts().pingTimeouts, 0, 'the TCP path stayed alive');
  });

  test('a 60 s maintenance silence: pings go unanswered, the staleness watchdog and the gap repair', async (t) => {
    const r = await gatewayRig(t);
    const gapsBefore = r.reconcile.gaps.length;
    const seconds = 60;
    const posted = Date.now();
    await r.fault({ fault: 'maintenance', seconds });
    const end = posted + seconds * 1000;
    await waitFor(() => r.streamCounts().pingTimeouts! >= 1, {
      timeoutMs: 40_000,
      what: 'a ping unanswered during the silence',
    });
    await waitFor(() => Date.now() >= end && !r.emu.faults.silenced(), {
      timeoutMs: seconds * 1000 + 10_000,
      intervalMs: 100,
      what: 'the end of the silence',
    });
    await repaired(r, gapsBefore);
    t.diagnostic(`running and repaired ${Date.now() - end} ms after the silence`);
    await truthAfterFault(t, r, end);
    const counts = r.streamCounts();
    t.diagnostic(`stream: ${JSON.stringify(counts)}`);
    assert.equal(counts.gapsReported, 1, 'one gap: from the last event to the first answer');
    await assertUnplanned(r, {
      cause: 'ping-timeout',
      gapReason: /^ping-timeout/,
      reconnects: counts.pingTimeouts!,
    });
    const ready = await r.ready();
    const byCause = ready.sources.reconcile!.activationsByCause!;
    t.diagnostic(`activations: ${JSON.stringify(byCause)}`);
    // The silence outlasts reconcile.staleAfterMs (15 s): the staleness watchdog ran during it.
    assert.ok((byCause.stale ?? 0) >= 1, 'the staleness watchdog activated');
    const metrics = await r.metrics();
    assert.equal(
      sample(metrics, 'switchboard_reconcile_activations_total{cause="stale"}'),
      byCause.stale,
    );
  });
});

describe('planned ends: make-before-break, nothing lost', () => {
  test('socket-closing: the new channel is up before the old socket goes', async (t) => {
    const r = await gatewayRig(t);
    const channel = r.stream.channels[0]!.id;
    r.record();
    const seconds = 3;
    const posted = Date.now();
    await r.fault({ fault: 'socket-closing', seconds });
    const end = posted + seconds * 1000;
    // Counted when it starts; done once the slot has the new channel.
    await waitFor(
      () => r.stream.channels[0]!.id !== channel && r.streamCounts().channelsOpen === 1,
      {
        timeoutMs: 10_000,
        intervalMs: 20,
        what: 'the handover',
      },
    );
    // Past the emulator's close of the old socket, and events on the new one.
    const messages = r.streamCounts().messages!;
    await waitFor(() => Date.now() >= end && r.streamCounts().messages! >= messages + 20, {
      timeoutMs: 15_000,
      what: 'the old socket closed and events on the new channel',
    });
    await truthAfterFault(t, r, end);
    assert.equal(r.streamCounts().socketClosings, 1);
    await assertPlanned(t, r, 'socket-closing', r.recorded());
  });

  test("a channel's expiry ahead of time: handed over renewAheadMs before it, nothing lost, no gap", async (t) => {
    // The first channel lives 20 s; the stream hands it over 12 s ahead (8 s after it was made).
    // Its successor lives a day, as on the platform, so there is one handover.
    const r = await gatewayRig(
      t,
      { channelTtlMs: 20_000 },
      {
        overrides: { source: { stream: { renewAheadMs: 12_000 } } },
        onRunning: (emu) => {
          emu.channels.ttlMs = CHANNEL_TTL_MS;
        },
        recordFromRunning: true,
      },
    );
    const first = [...r.emu.channels.channels.values()];
    assert.equal(first.length, 1);
    const expiresAt = first[0]!.expires;
    // Counted when it starts; done once the slot has the new channel.
    await waitFor(
      () => r.stream.channels[0]!.id !== first[0]!.id && r.streamCounts().channelsOpen === 1,
      { timeoutMs: 20_000, intervalMs: 20, what: 'the handover ahead of expiry' },
    );
    const end = Date.now();
    t.diagnostic(`handed over ${expiresAt - end} ms before the channel expired`);
    assert.ok(end < expiresAt, 'before the channel expired');
    assert.equal(r.streamCounts().handovers, 1);
    const messages = r.streamCounts().messages!;
    await waitFor(() => r.streamCounts().messages! >= messages + 20, {
      timeoutMs: 15_000,
      what: 'events on the new channel',
    });
    await truthAfterFault(t, r, end);
    await assertPlanned(t, r, 'channel-expiry', r.recorded());
  });
});

describe('tokens, size and start-up', () => {
  test('token expiry mid-stream: the socket is kept, REST calls get a new token', async (t) => {
    // Tokens live 3 s; the socket (whose channel id is its credential) outlives them.
    const r = await gatewayRig(t, { tokenTtlSec: 3 });
    const channel = r.stream.channels[0]!.id;
    await waitFor(() => [...r.emu.tokens.values()].every((x) => x.expiresAt < Date.now()), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: "the gateway's token to expire at the emulator",
    });
    const end = Date.now();
    const refreshes = (await r.ready()).genesys!.tokenRefreshes!;
    const runs = r.reconcileCounts().runs!;
    const messages = r.streamCounts().messages!;
    await waitFor(() => r.streamCounts().messages! >= messages + 20, {
      timeoutMs: 10_000,
      what: 'events on the socket after its token expired',
    });
    // REST on an expired token: a re-plan of the topics and a reconcile run, both renewed.
    await r.stream.refresh();
    await r.gw.reconcile();
    assert.equal(r.reconcileCounts().runs, runs + 1);
    assert.equal(r.reconcileCounts().failedRuns, 0);
    await truthAfterFault(t, r, end);
    const counts = r.streamCounts();
    assert.equal(r.stream.channels[0]!.id, channel, 'the same channel');
    assert.equal(counts.reconnects, 0, 'the socket was kept');
    assert.equal(counts.handovers, 0);
    assert.equal(counts.gapsReported, 0);
    const ready = await r.ready();
    assert.equal(ready.sources.stream?.state, 'running');
    assert.ok(ready.genesys!.tokenRefreshes! > refreshes, 'a new token for the REST calls');
    assert.ok(
      [...r.emu.tokens.values()].some((x) => x.expiresAt > end),
      'the emulator issued a new token',
    );
    const metrics = await r.metrics();
    assert.ok(metrics.includes('switchboard_stream_channels{state="open"} 1'));
    assert.doesNotMatch(metrics, /switchboard_stream_reconnects_total\{[^}]*\} [1-9]/);
    assert.doesNotMatch(metrics, /switchboard_stream_handovers_total\{[^}]*\} [1-9]/);
    assert.deepEqual(streamGaps(metrics), {});
  });

  test('1,500 topics over two channels; both dropped and repaired', async (t) => {
    // 372 members × 4 user topics + 4 queues × 3 queue topics = 1,500 (every agent has a home
    // queue), over channels of at most 1,000.
    const r = await gatewayRig(
      t,
      { agents: 372, queues: 4, speed: 10 },
      {
        overrides: {
          source: {
            stream: { userTopics: ['activity', 'presence', 'routingStatus', 'conversations'] },
          },
        },
      },
    );
    const counts = r.streamCounts();
    assert.equal(counts.topics, 1500);
    assert.equal(counts.channels, 2);
    assert.equal(counts.channelsOpen, 2);
    assert.equal(counts.rejectedTopics, 0);
    assert.deepEqual(
      r.stream.channels.map((c) => c.topics),
      [1000, 500],
    );
    assert.deepEqual(
      [...r.emu.channels.channels.values()].map((c) => c.topics.size).sort(),
      [1000, 500].sort(),
      'the emulator has both channels subscribed',
    );
    let metrics = await r.metrics();
    assert.ok(metrics.includes('switchboard_stream_topics{state="subscribed"} 1500'));
    assert.ok(metrics.includes('switchboard_stream_channels{state="open"} 2'));

    const gapsBefore = r.reconcile.gaps.length;
    const end = Date.now();
    await r.fault({ fault: 'drop-sockets', code: 1006 });
    await waitFor(() => r.reconcile.gaps.length >= gapsBefore + 2, {
      timeoutMs: 20_000,
      what: "both channels' gaps",
    });
    await repaired(r, gapsBefore);
    const run = r.reconcile.lastResult!;
    t.diagnostic(
      `running and repaired ${Date.now() - end} ms after the fault; the run took ` +
        `${Date.parse(run.finishedAt) - Date.parse(run.startedAt)} ms, began ` +
        `${Date.parse(run.startedAt) - end} ms after the fault`,
    );
    await truthAfterFault(t, r, end);
    assert.equal(r.streamCounts().reconnects, 2);
    assert.equal(r.streamCounts().gapsReported, 2);
    await assertUnplanned(r, {
      cause: 'closed 1006',
      gapReason: /^closed 1006/,
      reconnects: 2,
      channels: 2,
    });
    metrics = await r.metrics();
    assert.ok(metrics.includes('switchboard_stream_topics{state="subscribed"} 1500'));
  });

  test('a gateway started while calls are waiting shows them, from its first run', async (t) => {
    let startedAt = 0;
    const r = await gatewayRig(
      t,
      {},
      {
        // The floor runs first, with a burst, until callers are waiting; then it stands still
        // while the gateway starts, so only its REST reads can know of them.
        beforeGateway: async (emu) => {
          const res = await fetch(`${emu.url}/emulator/faults`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ fault: 'burst', factor: 10, seconds: 600 }),
          });
          assert.equal(res.status, 200);
          await waitFor(() => emu.truth().queues.reduce((n, q) => n + q.waiting, 0) >= 3, {
            timeoutMs: 30_000,
            intervalMs: 20,
            what: 'callers waiting',
          });
          emu.pause();
          startedAt = Date.now();
        },
        minMessages: 0,
      },
    );
    await settled(r.gw);
    // Nothing was streamed yet (the floor stands still): what the board shows came from REST.
    t.diagnostic(`at start: ${await compareWithTruth(r.gw, r.emu, r.started, -1)}`);
    const late = Date.now() - startedAt;
    t.diagnostic(`the floor equalled the truth ${late} ms after the gateway started`);
    assert.ok(late <= WITHIN_MS, `equal ${late} ms after the start (${WITHIN_MS} max)`);
    const waiting = (await projected(r.gw)).queues.reduce((n, q) => n + q.waiting, 0);
    assert.ok(waiting >= 3, `${waiting} callers waiting on the board`);
    const talking = (await projected(r.gw)).agents.filter((a) => a.conversations.length > 0);
    assert.ok(talking.length > 0, 'agents already on calls');

    // The floor moves on: the stream's events fold onto the seeded state and stay right.
    r.emu.resume();
    const messages = r.streamCounts().messages!;
    await waitFor(() => r.streamCounts().messages! >= messages + 100, {
      timeoutMs: 20_000,
      what: '100 stream messages',
    });
    await truthAfterFault(t, r, Date.now(), -1);
    const ready = await r.ready();
    assert.equal(ready.sources.stream?.state, 'running');
    assert.equal(ready.sources.stream?.counts.channelsOpen, 1);
    assert.equal(ready.sources.stream?.counts.gapsReported, 0);
    assert.equal(ready.sources.reconcile?.counts.failedRuns, 0);
    assert.ok(ready.sources.reconcile.counts.runs! >= 1);
  });
});
