/**
 * Issue 11 point 7: `v2.system.token_revoked.{id}`.
 *
 * Shape: `SystemMessageSystemMessage` `{channelId, systemTopicType, correlationId,
 * organizationId, userId, oauthClientId, reason, message, data}` (MyPureCloud/
 * platform-client-sdk-javascript build/index.d.ts; topic → model in its
 * notificationMappings.json, which names the topic `v2.system.token_revoked.{id}`);
 * `systemTopicType` token_revoked, `reason` user_tokens_revoked (platform-client-sdk-python
 * allowed_values, FACTS §1.5).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { normalizeEvent } from '../../src/sources/normalize/normalize.js';
import { classifyTopic } from '../../src/sources/normalize/topics.js';
import { postFault, startTestEmulator } from '../support/emulator.js';
import { startTestGateway, waitFor } from '../support/helpers.js';

const CHANNEL = 'streaming-4-5e8b0a1c2d3f';
const message = {
  topicName: `v2.system.token_revoked.${CHANNEL}`,
  version: '2',
  eventBody: {
    channelId: CHANNEL,
    systemTopicType: 'token_revoked',
    reason: 'user_tokens_revoked',
    organizationId: '1e0c5a9e-0000-4000-8000-0000000000f1',
    oauthClientId: '7de3af06-0000-4000-8000-0000000000c1',
    message: '',
  },
  metadata: { CorrelationId: '0c4e8f7a-0000-4000-8000-00000000aa01' },
};

describe('point 7: token_revoked', () => {
  test('a token_revoked message gets its own kind, bare or inside EventBridge', () => {
    assert.equal(classifyTopic(message.topicName)?.kind, 'system.token-revoked');
    const ctx = { source: 'webhook' as const, receivedAt: '2026-11-23T10:00:00.000Z', idKeys: [] };
    const raw = Buffer.from(JSON.stringify(message));
    assert.equal(normalizeEvent(raw, message, ctx).kind, 'system.token-revoked');
    const envelope = {
      version: '0',
      id: 'd0a4e5f6-0000-4000-8000-00000000eb01',
      'detail-type': 'v2.system.token_revoked.{id}',
      source: 'aws.partner/genesys.com/cloud/org/switchboard',
      time: '2026-11-23T10:00:00Z',
      detail: message,
    };
    const eb = Buffer.from(JSON.stringify(envelope));
    assert.equal(
      normalizeEvent(eb, envelope, { ...ctx, source: 'eventbridge' }).kind,
      'system.token-revoked',
    );
    // The other system messages stay `system`.
    assert.equal(classifyTopic('v2.system.socket_closing')?.kind, 'system');
    assert.equal(classifyTopic(`v2.system.no_longer_subscribed.${CHANNEL}`)?.kind, 'system');
  });

  test('the emulator sends it on v2.system.token_revoked.{id} in the model shape', async (t) => {
    const emu = await startTestEmulator(t, { agents: 4, queues: 1, seed: 3 });
    const token = await (
      await fetch(`${emu.url}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('demo-client:demo-secret').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      })
    ).json();
    const headers = {
      authorization: `Bearer ${(token as { access_token: string }).access_token}`,
      'content-type': 'application/json',
    };
    const channel = (await (
      await fetch(`${emu.url}/api/v2/notifications/channels`, { method: 'POST', headers })
    ).json()) as { id: string; connectUri: string };
    const ws = new WebSocket(channel.connectUri);
    t.after(() => ws.close());
    const received: Record<string, unknown>[] = [];
    ws.on('message', (data) =>
      received.push(JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>),
    );
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    assert.equal((await postFault(emu, { fault: 'revoke-tokens' })).status, 200);
    const revoked = await waitFor(
      () => received.find((m) => String(m.topicName).startsWith('v2.system.token_revoked')),
      { what: 'the token_revoked message', timeoutMs: 10_000 },
    );
    assert.equal(revoked.topicName, `v2.system.token_revoked.${channel.id}`);
    assert.equal(classifyTopic(String(revoked.topicName))?.kind, 'system.token-revoked');
    const body = revoked.eventBody as Record<string, unknown>;
    assert.equal(body.systemTopicType, 'token_revoked');
    assert.equal(body.channelId, channel.id);
    assert.match(
      String((revoked.metadata as { CorrelationId?: string } | undefined)?.CorrelationId),
      /^[0-9a-f-]{36}$/,
    );
  });

  test('an EventBridge-delivered token_revoked drops the REST token: the next reconcile signs in again', async (t) => {
    const emu = await startTestEmulator(t, { agents: 4, queues: 1, seed: 3 });
    const gw = await startTestGateway(
      t,
      { source: { demo: true, emulatorPort: 0 } },
      { emulatorUrl: () => emu.url },
    );
    // The emulator keeps every token /oauth/token issued: its size counts sign-ins.
    assert.ok(await gw.reconcile());
    assert.ok(await gw.reconcile());
    assert.equal(emu.tokens.size, 1, 'the cached token serves both runs');

    const envelope = {
      version: '0',
      id: 'd0a4e5f6-0000-4000-8000-00000000eb02',
      'detail-type': 'v2.system.token_revoked.{id}',
      source: 'aws.partner/genesys.com/cloud/org/switchboard',
      account: '123456789012',
      time: '2026-11-23T10:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: message,
    };
    const deliver = async () => {
      const res = await fetch(`${gw.url}/ingest/eventbridge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'eb-key-123' },
        body: JSON.stringify(envelope),
      });
      assert.equal(res.status, 200);
      return (await res.json()) as { accepted: number; duplicates: number };
    };
    assert.deepEqual(await deliver(), { accepted: 1, duplicates: 0 });
    assert.ok(await gw.reconcile());
    assert.equal(emu.tokens.size, 2, 'the next run asked for a new token');

    // A retried delivery of the same message is a duplicate, not a second revocation.
    assert.deepEqual(await deliver(), { accepted: 0, duplicates: 1 });
    assert.ok(await gw.reconcile());
    assert.equal(emu.tokens.size, 2);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(
      metrics,
      /switchboard_source_gaps_total\{source="eventbridge",reason="token-revoked"\} 1\n/,
    );
  });
});
