import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { eventInput } from '../support/events.js';
import {
  hmacHex,
  postWebhook,
  seedEvent,
  startTestGateway,
  tempDir,
  waitFor,
} from '../support/helpers.js';
import { httpRequest } from '../support/http-request.js';

describe('access control', () => {
  test('off loopback (via a trusted proxy) /api/* needs a bearer token; loopback does not', async (t) => {
    const gw = await startTestGateway(t, {
      server: { trustedProxies: ['127.0.0.1/32', '::1'] },
      api: { tokens: [{ name: 'wallboard', secret: 'tok-abc' }] },
    });
    const get = (headers: Record<string, string>) => fetch(`${gw.url}/api/v1/events`, { headers });
    // This machine, but not the proxy (which is at 127.0.0.1).
    const local = await httpRequest(`${gw.url}/api/v1/events`, { localAddress: '127.0.0.2' });
    assert.equal(local.status, 200, 'loopback client');
    // The proxy on the same host relays requests from anywhere: with no forwarded address, its
    // own is not loopback either.
    assert.equal((await get({})).status, 401, 'the trusted proxy itself');
    const remote = { 'x-forwarded-for': '203.0.113.7' };
    const denied = await get(remote);
    assert.equal(denied.status, 401);
    assert.equal(
      ((await denied.json()) as { error: { code: string } }).error.code,
      'SB_AUTH_REQUIRED',
    );
    assert.equal((await get({ ...remote, authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await get({ ...remote, authorization: 'Bearer tok-abc' })).status, 200);
    // A client cannot forge its way to loopback: only the right-most untrusted hop counts.
    assert.equal((await get({ 'x-forwarded-for': '127.0.0.1, 203.0.113.7' })).status, 401);
  });

  test('a scoped token reads only the events of its queues and of agents in its queues or teams', async (t) => {
    const Q1 = 'q-1';
    const U1 = 'u-in-q1';
    const U2 = 'u-in-team-east';
    const gw = await startTestGateway(t, {
      server: { trustedProxies: ['127.0.0.1/32', '::1'] },
      api: {
        tokens: [
          { name: 'all', secret: 'tok-all' },
          { name: 'q1', secret: 'tok-q1', scope: { queues: [Q1] } },
          { name: 'east', secret: 'tok-east', scope: { teams: ['team-east'] } },
          { name: 'none', secret: 'tok-none', scope: {} },
        ],
      },
    });
    const appended = await gw.log.append([
      eventInput('reconcile.queue', {
        id: 'seed-q1',
        subject: { queueId: Q1 },
        body: { queue: { id: Q1, name: 'Q1' }, members: [{ id: U1 }] },
      }),
      eventInput('reconcile.user', {
        id: 'seed-east',
        subject: { userId: U2 },
        body: { id: U2, name: 'East agent', team: { id: 'team-east', name: 'East' } },
      }),
      eventInput('queue.conversation', { id: 'in-q1', subject: { queueId: Q1 } }),
      eventInput('queue.conversation', { id: 'in-q2', subject: { queueId: 'q-2' } }),
      eventInput('user.presence', { id: 'agent-of-q1', subject: { userId: U1 } }),
      eventInput('user.presence', { id: 'agent-of-east', subject: { userId: U2 } }),
      eventInput('user.presence', { id: 'stranger', subject: { userId: 'u-elsewhere' } }),
      eventInput('system', { id: 'system' }),
    ]);
    const last = appended[appended.length - 1]!.offset;
    await waitFor(() => gw.projector.offset >= last, { what: 'the projector' });
    const ids = async (token: string, after = 0) => {
      const res = await fetch(`${gw.url}/api/v1/events?after=${after}`, {
        headers: { 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { events: { id: string }[]; next: number };
      return { ids: body.events.map((e) => e.id), next: body.next };
    };
    assert.equal((await ids('tok-all')).ids.length, 8);
    const q1 = await ids('tok-q1');
    assert.deepEqual(q1.ids, ['seed-q1', 'in-q1', 'agent-of-q1']);
    assert.equal(q1.next, last, 'paging moves past what the token may not see');
    assert.deepEqual((await ids('tok-east')).ids, ['seed-east', 'agent-of-east']);
    assert.deepEqual((await ids('tok-none')).ids, []);
  });

  test('/metrics, stats history and POST /api/v1/reconcile off loopback need an unscoped token; probes stay open', async (t) => {
    const gw = await startTestGateway(t, {
      source: { demo: false },
      server: { trustedProxies: ['127.0.0.1/32', '::1'] },
      api: {
        tokens: [
          { name: 'ops', secret: 'tok-ops' },
          { name: 'board', secret: 'tok-board', scope: { queues: ['q-1'] } },
        ],
      },
    });
    const remote = { 'x-forwarded-for': '203.0.113.7' };
    const metrics = (headers: Record<string, string>) =>
      fetch(`${gw.url}/metrics`, { headers: { ...remote, ...headers } });
    const anonymous = await metrics({});
    assert.equal(anonymous.status, 401);
    assert.equal(
      ((await anonymous.json()) as { error: { code: string } }).error.code,
      'SB_AUTH_REQUIRED',
    );
    const scoped = await metrics({ authorization: 'Bearer tok-board' });
    assert.equal(scoped.status, 403);
    assert.equal(
      ((await scoped.json()) as { error: { code: string } }).error.code,
      'SB_SCOPE_FORBIDDEN',
    );
    const ops = await metrics({ authorization: 'Bearer tok-ops' });
    assert.equal(ops.status, 200);
    assert.match(await ops.text(), /switchboard_ingest_requests_total/);
    const local = await httpRequest(`${gw.url}/metrics`, { localAddress: '127.0.0.2' });
    assert.equal(local.status, 200, 'loopback');
    // The health page's history is org-wide too.
    const history = (token: string) =>
      fetch(`${gw.url}/api/v1/stats/history`, {
        headers: { ...remote, authorization: `Bearer ${token}` },
      });
    const scopedHistory = await history('tok-board');
    assert.equal(scopedHistory.status, 403);
    assert.equal(
      ((await scopedHistory.json()) as { error: { code: string } }).error.code,
      'SB_SCOPE_FORBIDDEN',
    );
    assert.equal((await history('tok-ops')).status, 200);
    const reconcile = (token: string) =>
      fetch(`${gw.url}/api/v1/reconcile`, {
        method: 'POST',
        headers: { ...remote, authorization: `Bearer ${token}` },
      });
    const board = await reconcile('tok-board');
    assert.equal(board.status, 403);
    assert.equal(
      ((await board.json()) as { error: { code: string } }).error.code,
      'SB_SCOPE_FORBIDDEN',
    );
    // Past the scope check: this gateway simply has no REST source to reconcile from.
    const ops2 = await reconcile('tok-ops');
    assert.equal(
      ((await ops2.json()) as { error: { code: string } }).error.code,
      'SB_RECONCILE_UNAVAILABLE',
    );
    assert.equal((await fetch(`${gw.url}/healthz`, { headers: remote })).status, 200);
    assert.equal((await fetch(`${gw.url}/readyz`, { headers: remote })).status, 200);
  });

  test('the ingest CIDR allow-list refuses other addresses with 403 SB_FORBIDDEN_ADDRESS', async (t) => {
    const gw = await startTestGateway(t, {
      server: { trustedProxies: ['127.0.0.1'] },
      ingest: { allowCidrs: ['10.20.0.0/16', '2001:db8::/32'] },
    });
    const body = JSON.stringify(seedEvent());
    const from = (ip: string) =>
      postWebhook(gw.url, body, {
        'x-genesys-webhook-signature': hmacHex(body),
        'x-forwarded-for': ip,
      });
    const denied = await from('198.51.100.4');
    assert.equal(denied.status, 403);
    assert.equal((denied.body.error as { code: string }).code, 'SB_FORBIDDEN_ADDRESS');
    assert.equal((await from('10.20.3.4')).status, 200);
    assert.equal((await from('2001:db8::1')).body.duplicates, 1);
  });

  test('mutual TLS: a client certificate from the CA with an allowed CN is required for ingest', async (t) => {
    const pki = makePki(t);
    const gw = await startTestGateway(t, {
      server: {
        tls: {
          cert: { file: pki.serverCert },
          key: { file: pki.serverKey },
          clientCa: { file: pki.caCert },
          allowedSubjects: ['genesys-relay'],
        },
      },
    });
    assert.match(gw.url, /^https:/);
    const body = JSON.stringify(seedEvent());
    const send = (client?: { cert: string; key: string }) =>
      httpsPost(
        gw.url,
        body,
        readFileSync(pki.caCert),
        client && { cert: readFileSync(client.cert), key: readFileSync(client.key) },
      );
    const good = await send(pki.clients.allowed);
    assert.equal(good.status, 200, good.text);
    const wrongCn = await send(pki.clients.other);
    assert.equal(wrongCn.status, 403);
    assert.match(wrongCn.text, /SB_CLIENT_CERT_REJECTED/);
    const none = await send(undefined);
    assert.equal(none.status, 403);
    assert.match(none.text, /SB_CLIENT_CERT_REJECTED/);
  });
});

function httpsPost(
  url: string,
  body: string,
  ca: Buffer,
  client?: { cert: Buffer; key: Buffer },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/ingest/webhook`,
      {
        method: 'POST',
        ca,
        ...client,
        headers: {
          'content-type': 'application/json',
          'x-genesys-webhook-signature': hmacHex(body),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A throwaway CA, a server certificate for 127.0.0.1, and two client certificates. */
function makePki(t: TestContext) {
  const dir = tempDir(t, 'sb-pki-');
  const p = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=test-ca',
  );
  const issue = (name: string, cn: string, ext?: string) => {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    );
    const extArgs = ext ? ['-extfile', writeExt(name, ext)] : [];
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      ...extArgs,
    );
    return { cert: p(`${name}.crt`), key: p(`${name}.key`) };
  };
  const writeExt = (name: string, text: string) => {
    execFileSync('sh', ['-c', `printf '%s\\n' "$1" > "$2"`, 'sh', text, p(`${name}.ext`)]);
    return p(`${name}.ext`);
  };
  const server = issue('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1');
  return {
    caCert: p('ca.crt'),
    serverCert: server.cert,
    serverKey: server.key,
    clients: { allowed: issue('relay', 'genesys-relay'), other: issue('other', 'someone-else') },
  };
}
