// Row 9: "loopback WebSocket with Origin: http://evil.example; REST with Host:
// attacker.rebind.example | full snapshot and log: open to cross-site WebSocket hijacking and DNS
// rebinding from any browser on the host"
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  hmacHex,
  seedEvent,
  startTestGateway,
  tempDir,
  testConfig,
  waitFor,
} from '../support/helpers.js';
import { httpRequest } from '../support/http-request.js';
import { LiveTestClient } from '../support/live-client.js';
import { rawWebSocket } from '../support/raw-socket.js';

const EVIL = 'http://evil.example';
const API = ['/api/v1/events', '/api/v1/agents', '/api/v1/queues', '/api/v1/stats/history'];

describe('row 9: a tokenless loopback request must name this gateway (Host) and come from it (Origin)', () => {
  test('a page from another site gets no WebSocket handshake, no API and no reconcile', async (t) => {
    const gw = await startTestGateway(t);
    const port = new URL(gw.url).port;
    for (const origin of [EVIL, 'null', `http://127.0.0.1.evil.example:${port}`]) {
      const ws = await rawWebSocket(gw.url, '/api/v1/live', { origin });
      t.after(() => ws.socket.destroy());
      assert.match(ws.status, /^HTTP\/1\.1 403 /, `WebSocket from ${origin}`);
      await waitFor(() => ws.received().includes('}}'), { what: 'the error body' });
      assert.match(ws.received(), /"code":"SB_ORIGIN_NOT_ALLOWED"/);
    }
    for (const path of [...API, '/metrics']) {
      const res = await httpRequest(`${gw.url}${path}`, { headers: { origin: EVIL } });
      assert.equal(res.status, 403, path);
      assert.equal(res.code, 'SB_ORIGIN_NOT_ALLOWED', path);
    }
    const sse = await httpRequest(`${gw.url}/api/v1/live/sse`, { headers: { origin: EVIL } });
    assert.equal(sse.code, 'SB_ORIGIN_NOT_ALLOWED');
    // A cross-site form post needs no CORS: it must not start a run either.
    const reconcile = await httpRequest(`${gw.url}/api/v1/reconcile`, {
      method: 'POST',
      headers: { origin: EVIL },
    });
    assert.equal(reconcile.code, 'SB_ORIGIN_NOT_ALLOWED');
  });

  test('a rebound DNS name in Host gets nothing, on REST, SSE and the WebSocket', async (t) => {
    const gw = await startTestGateway(t);
    const port = new URL(gw.url).port;
    for (const host of [
      `attacker.rebind.example:${port}`,
      'attacker.rebind.example',
      `127.0.0.1.rebind.example:${port}`,
      `localhost.rebind.example:${port}`,
      'user@127.0.0.1',
    ]) {
      for (const path of [...API, '/metrics', '/api/v1/live/sse']) {
        const res = await httpRequest(`${gw.url}${path}`, { headers: { host } });
        assert.equal(res.status, 403, `${path} with Host ${host}`);
        assert.equal(res.code, 'SB_HOST_NOT_ALLOWED', `${path} with Host ${host}`);
      }
      const ws = LiveTestClient.open(gw.url, '', { host });
      t.after(() => ws.close());
      await ws.waitForClose();
      assert.equal(ws.refused, 403, `WebSocket with Host ${host}`);
      assert.equal(ws.messages.length, 0);
    }
  });

  test('the dashboard (same origin), the CLI (no Origin) and configured names keep working', async (t) => {
    const gw = await startTestGateway(t, {
      server: {
        allowedHosts: ['switchboard.lan'],
        allowedOrigins: ['https://wall.example.com'],
      },
      api: { tokens: [{ name: 'board', secret: 'tok-board-0123456789' }] },
    });
    const port = new URL(gw.url).port;
    const ok: Record<string, string>[] = [
      {},
      { host: `localhost:${port}`, origin: `http://localhost:${port}` },
      { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` },
      { host: `[::1]:${port}` },
      { host: `board.localhost:${port}` },
      { host: `switchboard.lan:${port}`, origin: `http://switchboard.lan:${port}` },
      { origin: 'https://wall.example.com' },
      // A valid token is judged on the token, whatever page sent it.
      { origin: EVIL, authorization: 'Bearer tok-board-0123456789' },
    ];
    for (const headers of ok) {
      const res = await httpRequest(`${gw.url}/api/v1/events`, { headers });
      assert.equal(res.status, 200, JSON.stringify(headers));
    }
    for (const origin of [`http://127.0.0.1:${port}`, 'https://wall.example.com']) {
      const c = LiveTestClient.open(gw.url, '', { origin });
      t.after(() => c.close());
      await waitFor(() => c.of('snapshot').length > 0, { what: `a snapshot for ${origin}` });
    }
    const withToken = LiveTestClient.open(gw.url, '?access_token=tok-board-0123456789', {
      origin: EVIL,
    });
    t.after(() => withToken.close());
    await waitFor(() => withToken.of('snapshot').length > 0, { what: 'a snapshot by token' });
    for (const origin of ['https://wall.example.com.evil.example', 'http://wall.example.com']) {
      const res = await httpRequest(`${gw.url}/api/v1/events`, { headers: { origin } });
      assert.equal(res.code, 'SB_ORIGIN_NOT_ALLOWED', origin);
    }
  });

  test('server.allowedOrigins takes origins only', (t) => {
    for (const bad of ['https://wall.example.com/board', 'wall.example.com', 'null', '*']) {
      assert.throws(
        () => testConfig(tempDir(t), { server: { allowedOrigins: [bad] } }),
        /allowedOrigins/,
        bad,
      );
    }
  });

  test('ingest is not judged by Host: senders reach the gateway by whatever name they know it', async (t) => {
    const gw = await startTestGateway(t);
    const body = JSON.stringify(seedEvent());
    const res = await httpRequest(`${gw.url}/ingest/webhook`, {
      method: 'POST',
      headers: {
        host: 'switchboard.example.com',
        origin: EVIL,
        'content-type': 'application/json',
        'x-genesys-webhook-signature': hmacHex(body),
      },
      body,
    });
    assert.equal(res.status, 200);
  });
});
