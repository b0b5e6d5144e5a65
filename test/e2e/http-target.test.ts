/**
 * Issue 13, end to end with the real HTTP sink and a receiver that verifies Standard Webhooks
 * signatures with the reference library: a target that is down for a minute receives every
 * event exactly once by `webhook-id` after it recovers (default router settings: retries,
 * circuit, nothing dead-lettered); a gateway SIGKILLed between delivering and committing
 * delivers again with the same `webhook-id`, and skips nothing. Config errors name the field.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { postSigned, seedEvent, startTestGateway, tempDir, waitFor } from '../support/helpers.js';
import { logIds } from '../support/events.js';
import { startReceiver } from '../support/webhook-receiver.js';
import { runCli } from '../support/cli.js';
import { targetStat } from '../support/targets.js';

const SECRET = 'crm-signing-secret';

const sinks = (url: string) => ({
  sinks: {
    targets: [{ name: 'crm', type: 'http', url, secret: SECRET }],
    routes: [
      { name: 'interactions', pattern: { kind: [{ prefix: 'interaction' }] }, targets: ['crm'] },
    ],
  },
});

async function push(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await postSigned(url, JSON.stringify(seedEvent()));
    assert.equal(res.status, 200);
  }
}

describe('HTTP target', () => {
  test('down for a minute: afterwards every event arrives exactly once by webhook-id, none dead-lettered', async (t) => {
    const receiver = await startReceiver(t, SECRET);
    const gw = await startTestGateway(t, sinks(receiver.url));
    await push(gw.url, 5);
    await waitFor(() => receiver.ids.length === 5, { what: 'the first five delivered' });

    receiver.mode = 'down';
    const downAt = Date.now();
    // Events keep coming while the target is down.
    while (Date.now() - downAt < 60_000) {
      await push(gw.url, 2);
      await new Promise((r) => setTimeout(r, 2000));
    }
    const during = await targetStat(gw.url, 'crm');
    assert.ok(during.lag > 0, 'behind while the target is down');
    t.diagnostic(`after a minute down: ${JSON.stringify(during)}`);
    receiver.mode = 'ok';
    const all = [...(await logIds(gw.log))];
    await waitFor(async () => (await targetStat(gw.url, 'crm')).lag === 0, {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: 'the target caught up',
    });
    const byId = new Set(receiver.ids);
    assert.deepEqual([...byId].sort(), all.sort(), 'every event, by webhook-id');
    const s = await targetStat(gw.url, 'crm');
    assert.equal(s.dlqDepth, 0, 'nothing dead-lettered');
    assert.equal(s.circuit, 'closed');
    assert.equal(receiver.badSignatures, 0);
    t.diagnostic(`recovered: ${JSON.stringify(s)}; ${receiver.ids.length} requests accepted`);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /switchboard_target_delivered_total\{target="crm"\} \d+/);
    assert.match(metrics, /switchboard_target_lag_events\{target="crm"\} 0/);
    assert.match(metrics, /switchboard_target_circuit_state\{target="crm"\} 0/);
  });

  test('SIGKILL between delivering and committing: the receiver sees the repeat with the same webhook-id; nothing skipped', async (t) => {
    const receiver = await startReceiver(t, SECRET);
    const dir = tempDir(t);
    const overrides = JSON.stringify(sinks(receiver.url));
    const child = () => {
      const proc = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/support/guarded-gateway-child.ts', 'plain', dir, overrides],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      proc.stdout.setEncoding('utf8');
      proc.stdout.on('data', (c: string) => (out += c));
      t.after(() => proc.kill('SIGKILL'));
      return { proc, url: () => /^url (\S+)$/m.exec(out)?.[1] };
    };
    const first = child();
    const url1 = await waitFor(first.url, { timeoutMs: 30_000, what: 'the first gateway' });
    await push(url1, 6);
    await waitFor(() => receiver.ids.length === 6, { what: 'six delivered' });
    receiver.mode = 'hold';
    await push(url1, 4);
    await waitFor(() => receiver.held.size > 0, { what: 'a delivery held at the receiver' });
    const held = [...receiver.held];
    first.proc.kill('SIGKILL');
    await new Promise((resolve) => first.proc.once('exit', resolve));

    receiver.mode = 'ok';
    const second = child();
    const url2 = await waitFor(second.url, { timeoutMs: 30_000, what: 'the restarted gateway' });
    await push(url2, 3);
    const events = (await (await fetch(`${url2}/api/v1/events?limit=100`)).json()) as {
      events: { id: string; kind: string }[];
    };
    const ids = events.events.filter((e) => e.kind.startsWith('interaction')).map((e) => e.id);
    assert.equal(ids.length, 13);
    await waitFor(() => ids.every((id) => receiver.ids.includes(id)), {
      timeoutMs: 30_000,
      what: 'every event at the receiver',
    });
    for (const id of held)
      assert.ok(receiver.ids.includes(id), `${id} delivered again after the kill`);
    assert.equal(receiver.badSignatures, 0);
  });

  test('a 400 is dead-lettered at once; `dlq list` shows it and `dlq replay` drains it', async (t) => {
    const receiver = await startReceiver(t, SECRET);
    receiver.refuse = (body) => body.includes('"poison"');
    const gw = await startTestGateway(t, sinks(receiver.url));
    await push(gw.url, 3);
    const res = await postSigned(gw.url, JSON.stringify(seedEvent({ tag: 'poison' })));
    assert.equal(res.status, 200);
    await waitFor(async () => (await targetStat(gw.url, 'crm')).dlqDepth === 1, {
      what: 'one dead letter',
    });
    assert.equal(receiver.ids.length, 3);

    const list = await runCli(['dlq', 'list', '--json', '--url', gw.url]);
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.target, 'crm');
    assert.equal(rows[0]!.attempts, 1);
    assert.match(String(rows[0]!.lastError), /^SB_SINK_REJECTED: .*400/);
    for (const key of ['id', 'offset']) assert.ok(key in rows[0]!, key);

    const again = await runCli(['dlq', 'replay', '--target', 'crm', '--url', gw.url]);
    assert.equal(again.code, 1, 'still refused: back in the DLQ');
    assert.match(again.stdout, /0 delivered, 1 back in the DLQ/);
    receiver.refuse = undefined;
    const replay = await runCli(['dlq', 'replay', '--url', gw.url]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /1 delivered, 0 back in the DLQ/);
    assert.ok(receiver.ids.includes(String(rows[0]!.id)), 'delivered with its own webhook-id');
    assert.equal((await targetStat(gw.url, 'crm')).dlqDepth, 0);
    const unknown = await runCli(['dlq', 'list', '--target', 'nope', '--url', gw.url]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /SB_TARGET_UNKNOWN/);
  });

  test('a route naming a missing target, or a bad pattern, is a config error naming the field', () => {
    const load = (sinksConfig: unknown) => () =>
      loadConfig({ env: {}, overrides: { sinks: sinksConfig } });
    assert.throws(
      load({
        targets: [{ name: 'crm', type: 'http', url: 'http://127.0.0.1:9/x' }],
        routes: [{ name: 'r', pattern: {}, targets: ['crm', 'nope'] }],
      }),
      /sinks\.routes\.0\.targets\.1: no target named nope/,
    );
    assert.throws(
      load({
        targets: [{ name: 'crm', type: 'http', url: 'http://127.0.0.1:9/x' }],
        routes: [{ name: 'r', pattern: { kind: [{ numeric: ['>', 1, '<'] }] }, targets: ['crm'] }],
      }),
      /sinks\.routes\.0\.pattern: \$\.kind\[0\]\.numeric: /,
    );
    assert.throws(
      load({ targets: [{ name: 'crm', type: 'http', url: 'ftp://x/y' }] }),
      /sinks\.targets\.0\.url/,
    );
    assert.throws(load({ targets: [{ name: 'lake', type: 'kafka' }] }), /sinks\.targets\.0\.type/);
  });
});
