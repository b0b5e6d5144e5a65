// Row 4: "through a trusted proxy, X-Forwarded-For: 127.0.0.1, ::1, even 127.evil | treated as
// loopback: no token needed for /api/* and the live stream"
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import {
  AddressSet,
  clientAddress,
  isLocalRequest,
  isLoopback,
} from '../../src/sources/client-address.js';
import { hmacHex, postWebhook, seedEvent, startTestGateway } from '../support/helpers.js';
import { httpRequest } from '../support/http-request.js';
import { LiveTestClient } from '../support/live-client.js';

/** What a client behind the proxy may write into X-Forwarded-For to pass for this machine. */
const SPOOFS = [
  '127.0.0.1',
  '::1',
  '127.evil',
  '127.0.0.1, 127.0.0.1',
  '::ffff:127.0.0.1',
  '[::1]:443',
  '127.0.0.1:8080',
  'localhost',
  '203.0.113.7, 127.0.0.1',
];

const request = (peer: string, xff?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  }) as unknown as IncomingMessage;

describe('row 4: a forwarded address never makes a request loopback', () => {
  test('every spoofed hop through the trusted proxy needs a token, on every API and the live stream', async (t) => {
    const gw = await startTestGateway(t, {
      server: { trustedProxies: ['127.0.0.1/32', '::1/128'] },
      api: { tokens: [{ name: 'ops', secret: 'tok-ops-0123456789' }] },
    });
    for (const xff of SPOOFS) {
      for (const path of ['/api/v1/events', '/api/v1/agents', '/api/v1/queues', '/metrics']) {
        const res = await httpRequest(`${gw.url}${path}`, {
          headers: { 'x-forwarded-for': xff },
        });
        assert.equal(res.status, 401, `${path} with X-Forwarded-For: ${xff}`);
        assert.equal(res.code, 'SB_AUTH_REQUIRED', `${path} with X-Forwarded-For: ${xff}`);
      }
      const sse = await httpRequest(`${gw.url}/api/v1/live/sse`, {
        headers: { 'x-forwarded-for': xff },
        headOnly: true,
      });
      assert.equal(sse.status, 401, `SSE with X-Forwarded-For: ${xff}`);
      const ws = LiveTestClient.open(gw.url, '', { 'x-forwarded-for': xff });
      t.after(() => ws.close());
      assert.equal((await ws.waitForClose()).code, 4401, `WebSocket with X-Forwarded-For: ${xff}`);
      assert.equal(ws.of('snapshot').length, 0);
    }
    // The proxy relaying a request without saying from whom: still not this machine.
    assert.equal((await httpRequest(`${gw.url}/api/v1/events`)).status, 401);
    // A real loopback client (not the proxy) needs no token; a token still works through it.
    const local = await httpRequest(`${gw.url}/api/v1/events`, { localAddress: '127.0.0.2' });
    assert.equal(local.status, 200);
    const withToken = await httpRequest(`${gw.url}/api/v1/events`, {
      headers: { 'x-forwarded-for': '127.0.0.1', authorization: 'Bearer tok-ops-0123456789' },
    });
    assert.equal(withToken.status, 200);
  });

  test('loopback is a well-formed loopback address of the socket peer, never a prefix', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      assert.equal(isLoopback(a), true, a);
    }
    for (const a of ['127.evil', '127.', '127.0.0.1.evil.example', 'localhost', '', '::2']) {
      assert.equal(isLoopback(a), false, a);
    }
    const proxies = new AddressSet(['127.0.0.1/32']);
    assert.equal(isLocalRequest(request('127.0.0.2'), proxies), true);
    assert.equal(isLocalRequest(request('::ffff:127.0.0.2'), proxies), true);
    for (const xff of SPOOFS) {
      assert.equal(isLocalRequest(request('127.0.0.1', xff), proxies), false, xff);
      assert.equal(isLocalRequest(request('198.51.100.1', xff), proxies), false, xff);
    }
  });

  test('the client address behind a proxy: the right-most untrusted hop; a hop that is not an address ends the walk', () => {
    const proxies = new AddressSet(['10.0.0.0/8']);
    const from = (xff: string, peer = '10.0.0.1') => clientAddress(request(peer, xff), proxies);
    assert.equal(from('198.51.100.7'), '198.51.100.7');
    assert.equal(from('192.0.2.1, 198.51.100.7, 10.0.0.2'), '198.51.100.7');
    assert.equal(from('198.51.100.7:4431'), '198.51.100.7');
    assert.equal(from('[2001:db8::7]:443'), '2001:db8::7');
    // Whatever a client wrote left of a hop nobody vouches for is never believed.
    assert.equal(from('192.0.2.1, unknown'), '10.0.0.1');
    assert.equal(from('192.0.2.1, 127.evil, 10.0.0.2'), '10.0.0.2');
    assert.equal(from(''), '10.0.0.1');
    // Not through a trusted proxy: the header is ignored.
    assert.equal(from('192.0.2.1', '198.51.100.9'), '198.51.100.9');
  });

  test('the ingest allow-list still judges the forwarded client, and a garbage hop does not pass it', async (t) => {
    const gw = await startTestGateway(t, {
      server: { trustedProxies: ['127.0.0.1'] },
      ingest: { allowCidrs: ['10.20.0.0/16'] },
    });
    const send = (xff: string) => {
      const body = JSON.stringify(seedEvent());
      return postWebhook(gw.url, body, {
        'x-genesys-webhook-signature': hmacHex(body),
        'x-forwarded-for': xff,
      });
    };
    assert.equal((await send('10.20.3.4')).status, 200);
    for (const xff of ['198.51.100.4', '10.20.3.4, garbage', '10.20.3.4, 127.evil']) {
      const res = await send(xff);
      assert.equal(res.status, 403, xff);
      assert.equal((res.body.error as { code: string }).code, 'SB_FORBIDDEN_ADDRESS', xff);
    }
  });
});
