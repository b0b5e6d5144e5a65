/**
 * 429 storms on the token endpoint and on the REST API while a gateway follows the org over the
 * Notification API stream (the emulator's `rate-limit` fault: every request to the throttled
 * endpoint answered 429 with `Retry-After`). The stream keeps its socket or gets it back, the
 * reconcile run that the storm hits waits out every `Retry-After` (the emulator counts requests
 * that came while one was in force: none) and succeeds, and within 2 s of the storm's end the
 * projected agents and queues equal the emulator's truth, with no id twice in the log.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { postFault, requestToken, startTestEmulator } from '../support/emulator.js';
import { waitFor } from '../support/helpers.js';
import { gatewayRig, sample, truthAfterFault, type Ready } from '../support/stream-rig.js';

/**
 * The REST client's 429s reach /readyz (`genesys`) and /metrics: one rate-limited retry per 429
 * the emulator answered (no call gave up), and the time spent waiting them out.
 */
function assertRateLimitSeen(
  ready: Ready,
  metrics: string,
  throttled: number,
  t: TestContext,
): void {
  const g = ready.genesys;
  assert.ok(g, '/readyz has genesys');
  t.diagnostic(`/readyz genesys: ${JSON.stringify(g)}`);
  for (const key of ['requests', 'retries', 'rateLimited', 'budgetWaitMs', 'rateLimitWaitMs'])
    assert.equal(typeof g[key], 'number', `genesys.${key}`);
  for (const [key, value] of Object.entries(g))
    assert.equal(typeof value, 'number', `genesys.${key}: counters only, no token or secret`);
  assert.ok(g.rateLimited! > 0, 'genesys.rateLimited > 0');
  assert.equal(g.rateLimited, throttled, 'every 429 the emulator answered was counted');
  assert.ok(g.rateLimitWaitMs! >= 1000, 'at least one Retry-After (1 s) waited out');
  const retried = sample(metrics, 'switchboard_genesys_retries_total{reason="rate-limited"}');
  assert.ok(retried !== undefined && retried > 0, 'rate-limited retries in /metrics');
  assert.equal(retried, g.rateLimited, 'each 429 retried');
  const waited = sample(metrics, 'switchboard_genesys_rate_limit_wait_seconds_total');
  assert.ok(waited !== undefined && waited >= 1, 'Retry-After waits in /metrics');
  assert.ok(Math.abs(waited - g.rateLimitWaitMs! / 1000) < 1e-6, 'the same wait as /readyz');
  const budget = sample(metrics, 'switchboard_genesys_budget_wait_seconds_total');
  assert.equal(budget, g.budgetWaitMs! / 1000, 'budget waits in /metrics');
}

describe('the rate-limit fault', () => {
  test('a Genesys-shaped 429 with Retry-After on the chosen endpoint only; bad parameters refused', async (t) => {
    const emu = await startTestEmulator(t, { agents: 5, queues: 1, seed: 2 });
    const token = ((await (await requestToken(emu)).json()) as { access_token: string })
      .access_token;
    const users = () =>
      fetch(`${emu.url}/api/v2/users`, { headers: { authorization: `Bearer ${token}` } });
    const bad = await postFault(emu, { fault: 'rate-limit', paths: 'websocket' });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /rate-limit: \\"paths\\" must be token, api or all/);
    assert.equal(
      (
        await postFault(emu, {
          fault: 'rate-limit',
          seconds: 60,
          retryAfterSeconds: 7,
          paths: 'api',
        })
      ).status,
      200,
    );
    const res = await users();
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '7');
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.code, 'too.many.requests');
    assert.equal(body.status, 429);
    assert.match(String(body.message), /Retry the request in \[7\] seconds/);
    assert.equal((await requestToken(emu)).status, 200, 'the token endpoint is not throttled');
    assert.equal((await users()).status, 429, 'still throttled');
    assert.deepEqual(emu.faults.rateLimitStats.throttled, { token: 0, api: 2 });
    assert.equal((await postFault(emu, { fault: 'rate-limit', seconds: 0 })).status, 200);
    assert.equal((await users()).status, 200, 'the storm is over');
  });
});

describe('429 storms while the stream runs', () => {
  test('a storm on the REST API while a gap reconcile runs: the run waits out Retry-After and succeeds', async (t) => {
    const r = await gatewayRig(t);
    const before = { ...r.reconcileCounts() };
    assert.ok(before.runs! >= 1, 'the seed run');
    assert.equal(before.failedRuns, 0);
    const stormMs = 3000;
    await r.fault({
      fault: 'rate-limit',
      seconds: stormMs / 1000,
      retryAfterSeconds: 1,
      paths: 'api',
    });
    const stormEnd = r.emu.faults.rateLimitStats.until;
    // An unplanned drop: the stream reconnects (a socket needs no REST call) and reports the
    // gap, and the reconciler's run meets the storm.
    await r.fault({ fault: 'drop-sockets', code: 1006 });
    await waitFor(() => r.reconcileCounts().runs! > before.runs!, {
      timeoutMs: 15_000,
      what: 'the gap run to finish',
    });
    const finished = Date.now();
    const storm = r.emu.faults.rateLimitStats;
    t.diagnostic(
      `storm: ${storm.throttled.api} API requests throttled; the run finished ` +
        `${finished - stormEnd} ms after the storm`,
    );
    assert.ok(storm.throttled.api > 0, 'the run met the storm');
    assert.equal(storm.throttled.token, 0, 'the token endpoint was not throttled');
    assert.equal(storm.early.api, 0, 'no request while a Retry-After was in force');
    assert.equal(r.reconcileCounts().failedRuns, 0, 'the run did not fail');
    assert.ok(finished >= stormEnd, 'the run could only finish once the storm was over');
    assert.equal(r.stream.health().state, 'running');
    assert.equal(r.streamCounts().reconnects, 1);
    assert.equal(r.streamCounts().gapsReported, 1);

    await truthAfterFault(t, r, stormEnd);

    const ready = await r.ready();
    assert.equal(ready.sources.stream?.state, 'running');
    assert.equal(ready.sources.reconcile?.state, 'running', ready.sources.reconcile?.detail);
    assert.equal(ready.sources.reconcile?.counts.failedRuns, 0);
    const metrics = await r.metrics();
    for (const line of [
      'switchboard_stream_reconnects_total{cause="closed 1006"} 1',
      'switchboard_stream_channels{state="open"} 1',
      'switchboard_reconcile_activations_total{cause="gap"} 1',
    ])
      assert.ok(metrics.includes(line), `${line} in /metrics`);
    assert.ok(
      metrics.includes(`switchboard_reconcile_runs_total{result="ok"} ${before.runs! + 1}`),
    );
    assert.doesNotMatch(metrics, /switchboard_reconcile_runs_total\{result="error"\} [1-9]/);
    const throttled = r.emu.faults.rateLimitStats.throttled;
    assertRateLimitSeen(ready, metrics, throttled.api + throttled.token, t);
  });

  test('a storm on the token endpoint while tokens are expired and revoked: the stream hands over on a new token, the reconcile waits for it', async (t) => {
    // Tokens live 3 s; the socket (whose channel id is its credential) outlives them.
    const r = await gatewayRig(t, { tokenTtlSec: 3 });
    await waitFor(() => [...r.emu.tokens.values()].every((x) => x.expiresAt < Date.now()), {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: "the gateway's token to expire at the emulator",
    });
    const before = { ...r.reconcileCounts() };
    const channel = (r.stream as unknown as { channels: { id: string }[] }).channels[0]!.id;
    const stormMs = 3000;
    await r.fault({
      fault: 'rate-limit',
      seconds: stormMs / 1000,
      retryAfterSeconds: 1,
      paths: 'token',
    });
    const stormEnd = r.emu.faults.rateLimitStats.until;
    // The revocation: the stream hands its channel over (a new channel needs a new token), and
    // the stored revocation is a gap for the reconciler (whose token is dead too).
    await r.fault({ fault: 'revoke-tokens' });
    const messages = r.streamCounts().messages!;
    await waitFor(() => r.streamCounts().messages! > messages + 5, {
      timeoutMs: stormMs,
      what: 'events still arriving on the old socket during the storm',
    });
    await waitFor(() => r.streamCounts().handovers === 1 && r.stream.health().state === 'running', {
      timeoutMs: 15_000,
      what: 'the handover to a channel made on a new token',
    });
    await waitFor(() => r.reconcileCounts().runs! > before.runs!, {
      timeoutMs: 15_000,
      what: 'the run the revocation started to finish',
    });
    const storm = r.emu.faults.rateLimitStats;
    t.diagnostic(
      `storm: ${storm.throttled.token} token requests throttled; done ` +
        `${Date.now() - stormEnd} ms after the storm`,
    );
    assert.ok(storm.throttled.token > 0, 'the storm was met');
    assert.equal(storm.throttled.api, 0, 'the API was not throttled');
    assert.equal(storm.early.token, 0, 'no token request while a Retry-After was in force');
    assert.ok(Date.now() >= stormEnd, 'no token before the storm ended');
    assert.equal(r.reconcileCounts().failedRuns, 0, 'the run did not fail');
    assert.notEqual(
      (r.stream as unknown as { channels: { id: string }[] }).channels[0]!.id,
      channel,
      'a new channel',
    );
    assert.equal(r.streamCounts().reconnects, 0, 'the socket was kept: no reconnect');
    assert.equal(r.streamCounts().gapsReported, 0, 'no disconnect gap');

    await truthAfterFault(t, r, stormEnd);

    const ready = await r.ready();
    assert.equal(ready.sources.stream?.state, 'running');
    assert.equal(ready.sources.reconcile?.state, 'running', ready.sources.reconcile?.detail);
    const metrics = await r.metrics();
    for (const line of [
      'switchboard_stream_handovers_total{reason="token-revoked"} 1',
      'switchboard_stream_channels{state="open"} 1',
      'switchboard_stream_channels{state="down"} 0',
    ])
      assert.ok(metrics.includes(line), `${line} in /metrics`);
    // The stored revocation is the one gap: it started the run.
    assert.ok(
      metrics.includes(`switchboard_reconcile_runs_total{result="ok"} ${before.runs! + 1}`),
    );
    assert.doesNotMatch(metrics, /switchboard_reconcile_runs_total\{result="error"\} [1-9]/);
    assert.match(
      metrics,
      /switchboard_source_gaps_total\{[^}]*reason="token-revoked"[^}]*\} 1/,
      metrics
        .split('\n')
        .filter((l) => l.startsWith('switchboard_source_gaps'))
        .join('\n'),
    );
    assert.doesNotMatch(metrics, /switchboard_stream_reconnects_total\{[^}]*\} [1-9]/);
    const throttled = r.emu.faults.rateLimitStats.throttled;
    assertRateLimitSeen(ready, metrics, throttled.api + throttled.token, t);
  });
});
