/**
 * Issue 13: the router's operations routes under hostile input and scopes. Off loopback they
 * need an unscoped token (a scope limits what events a token sees; pipelines carry every event);
 * bad queries and bodies are 400 SB_BAD_REQUEST, an unknown target 404 SB_TARGET_UNKNOWN, never
 * a 5xx.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestGateway } from '../support/helpers.js';

const code = async (res: Response) =>
  ((await res.json()) as { error?: { code?: string } }).error?.code;

describe('pipeline routes', () => {
  test('scopes, bad queries and bodies, unknown targets', async (t) => {
    const gw = await startTestGateway(t, {
      server: { trustedProxies: ['127.0.0.1/32', '::1'] },
      api: {
        tokens: [
          { name: 'ops', secret: 'tok-ops' },
          { name: 'board', secret: 'tok-board', scope: { queues: ['q-1'] } },
        ],
      },
      sinks: {
        targets: [{ name: 'crm', type: 'http', url: 'http://127.0.0.1:9/hook' }],
        routes: [{ name: 'all', pattern: {}, targets: ['crm'] }],
      },
    });
    const remote = { 'x-forwarded-for': '203.0.113.7' };
    const get = (path: string, token?: string) =>
      fetch(`${gw.url}${path}`, {
        headers: { ...remote, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    const post = (body: string, token = 'tok-ops', type = 'application/json') =>
      fetch(`${gw.url}/api/v1/dlq/replay`, {
        method: 'POST',
        headers: { ...remote, authorization: `Bearer ${token}`, 'content-type': type },
        body,
      });

    for (const path of ['/api/v1/targets', '/api/v1/dlq']) {
      assert.equal(await code(await get(path)), 'SB_AUTH_REQUIRED', path);
      assert.equal(await code(await get(path, 'tok-board')), 'SB_SCOPE_FORBIDDEN', path);
    }
    assert.equal(await code(await post('{}', 'tok-board')), 'SB_SCOPE_FORBIDDEN');

    const targets = await get('/api/v1/targets', 'tok-ops');
    assert.equal(targets.status, 200);
    const body = (await targets.json()) as { targets: { name: string }[]; schemaDrift: unknown[] };
    assert.deepEqual(
      body.targets.map((x) => x.name),
      ['crm'],
    );
    assert.ok(Array.isArray(body.schemaDrift));

    for (const query of [
      'limit=0',
      'limit=100000',
      'limit=abc',
      'target=..%2Fetc',
      `target=${'x'.repeat(200)}`,
      'after=crm',
      'after=crm:-1',
      'nope=1',
    ]) {
      const res = await get(`/api/v1/dlq?${query}`, 'tok-ops');
      assert.equal(res.status, 400, query);
      assert.equal(await code(res), 'SB_BAD_REQUEST', query);
    }
    const unknown = await get('/api/v1/dlq?target=missing', 'tok-ops');
    assert.equal(unknown.status, 404);
    assert.equal(await code(unknown), 'SB_TARGET_UNKNOWN');
    const empty = await get('/api/v1/dlq?target=crm', 'tok-ops');
    assert.deepEqual(await empty.json(), { deadLetters: [] });

    for (const bad of ['not json', '[1,2]', '{"target":42}', '{"target":"crm","extra":1}']) {
      const res = await post(bad);
      assert.equal(res.status, 400, bad);
      assert.equal(await code(res), 'SB_BAD_REQUEST', bad);
    }
    const missing = await post('{"target":"missing"}');
    assert.equal(missing.status, 404);
    assert.equal(await code(missing), 'SB_TARGET_UNKNOWN');
    const nothing = await post('{"target":"crm"}');
    assert.equal(nothing.status, 200);
    assert.deepEqual(await nothing.json(), { tried: 0, delivered: 0, failed: 0 });
  });
});
