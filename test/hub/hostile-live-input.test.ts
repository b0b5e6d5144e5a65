import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  CLOSE,
  closeReason,
  shouldReconnect,
  truncateUtf8,
} from '../../src/protocol/close-codes.js';
import { startTestGateway, tempDir, waitFor } from '../support/helpers.js';
import { LiveTestClient } from '../support/live-client.js';
import { BAD_FRAMES, rawRequest, rawWebSocket } from '../support/raw-socket.js';

const liveUrl = (base: string, query: string) =>
  `${base.replace(/^http/, 'ws')}/api/v1/live?${query}`;

describe('hostile live input never stops the gateway', () => {
  test('truncateUtf8 keeps the longest whole-character prefix within the byte limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.nat(130), (text, max) => {
        const cut = truncateUtf8(text, max);
        assert.ok(text.startsWith(cut));
        assert.ok(Buffer.byteLength(cut) <= max, `${Buffer.byteLength(cut)} > ${max}`);
        if (cut.length < text.length) {
          // One more character (a whole surrogate pair, if it is one) would not fit.
          const next = String.fromCodePoint(text.codePointAt(cut.length)!);
          assert.ok(Buffer.byteLength(cut + next) > max);
        }
      }),
      { numRuns: 2000 },
    );
    assert.equal(Buffer.byteLength(closeReason('é'.repeat(200))), 122);
    assert.equal(closeReason('😀'.repeat(40)).length, 60, '30 emoji of 4 bytes, never half of one');
  });

  test('close codes decide reconnection by range alone', () => {
    for (const code of [1001, 1006, 1011, 1013, CLOSE.MISSED_PONG, 4408, 4429, 4500, 4999]) {
      assert.equal(shouldReconnect(code), true, String(code));
    }
    for (const code of [CLOSE.BAD_FILTER, CLOSE.AUTH_REQUIRED, CLOSE.FORBIDDEN, 4404, 4499]) {
      assert.equal(shouldReconnect(code), false, String(code));
    }
  });

  test('a multi-byte kind filter (80 × "é") is refused with 4400, and the gateway stays up', async (t) => {
    const gw = await startTestGateway(t);
    const client = new LiveTestClient(
      liveUrl(gw.url, `kinds=${encodeURIComponent('é'.repeat(80))}`),
    );
    t.after(() => client.ws.terminate());
    await waitFor(() => client.closed, { what: 'close' });
    assert.equal(client.closed!.code, CLOSE.BAD_FILTER);
    assert.ok(Buffer.byteLength(client.closed!.reason) <= 123);
    assert.match(client.closed!.reason, /unknown kind/);
    const error = client.messages.find((m) => m.type === 'error') as { code?: string } | undefined;
    assert.equal(error?.code, 'SB_LIVE_BAD_FILTER');
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
  });

  test('random hostile filters on WebSocket and SSE get 4xx answers, never a crash or a 5xx', async (t) => {
    const gw = await startTestGateway(t, {
      api: { tokens: [{ name: 'team', secret: 'tok-team', scope: { teams: ['t1'] } }] },
    });
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc.string({
        unit: fc.constantFrom('é', '😀', '\ud800', '\udfff', ',', '%', '\u0000'),
        maxLength: 300,
      }),
    );
    const param = fc.constantFrom('kinds', 'users', 'queues', 'teams', 'since');
    await fc.assert(
      fc.asyncProperty(param, hostile, fc.boolean(), async (name, value, scoped) => {
        const query = new URLSearchParams({ [name]: value });
        if (scoped) query.set('access_token', 'tok-team');
        const ws = new LiveTestClient(liveUrl(gw.url, query.toString()));
        const sse = await fetch(`${gw.url}/api/v1/live/sse?${query.toString()}`, {
          signal: AbortSignal.timeout(5000),
        });
        await sse.body?.cancel();
        assert.ok(sse.status < 500, `SSE ${name}=${JSON.stringify(value)} → ${sse.status}`);
        if (sse.status !== 200) {
          await waitFor(() => ws.closed, { what: 'close' });
          assert.ok([4400, 4401, 4403].includes(ws.closed!.code), `WS closed ${ws.closed!.code}`);
          assert.ok(Buffer.byteLength(ws.closed!.reason) <= 123);
        }
        ws.ws.terminate();
      }),
      { numRuns: 60 },
    );
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
  });
});

async function rawUpgrade(base: string, target: string): Promise<string> {
  const { socket, status } = await rawWebSocket(base, target);
  socket.destroy();
  return status;
}

describe('hostile handshakes', () => {
  test('request targets that are not URLs get 404 at the handshake, and nothing escapes', async (t) => {
    const gw = await startTestGateway(t);
    for (const target of ['//', '/\\', '//[', 'http://[', '*', '/api/v1/live/../live%']) {
      assert.match(await rawUpgrade(gw.url, target), /^HTTP\/1\.1 404 /, target);
    }
    assert.match(await rawUpgrade(gw.url, '/api/v1/live'), /^HTTP\/1\.1 101 /);
    const escaped = (await gw.metrics.handlerErrors.get()).values;
    assert.deepEqual(escaped, [], 'no error needed containing');
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
  });
});

describe('process guard', () => {
  const child = (mode: string, dir: string, overrides: Record<string, unknown> = {}) =>
    spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/support/guarded-gateway-child.ts',
        mode,
        dir,
        JSON.stringify(overrides),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  /** All the child's stdout so far, and its URL once it prints one. */
  const output = (proc: ReturnType<typeof child>) => {
    const seen = { text: '' };
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => (seen.text += chunk));
    return seen;
  };

  test('an error escaping from a callback a handler started is logged and counted; the gateway goes on', async (t) => {
    const proc = child('handler', tempDir(t));
    t.after(() => proc.kill('SIGKILL'));
    const out = output(proc);
    const url = await waitFor(() => /^url (\S+)$/m.exec(out.text)?.[1], {
      what: 'the child',
      timeoutMs: 30_000,
    });
    // The child's hub throws on connect (synchronously and from a timer it started).
    const client = new LiveTestClient(liveUrl(url, ''));
    await waitFor(() => client.closed, { what: 'close' });
    assert.equal(client.closed!.code, CLOSE.INTERNAL);
    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return (
          /switchboard_handler_errors_total\{handler="uncaughtException"\} 1/.test(text) && text
        );
      },
      { what: 'the escaped error to be counted' },
    );
    assert.ok(metrics);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal(proc.exitCode, null, 'still running');
    await waitFor(() => /a handler failed; the gateway goes on/.test(out.text), {
      what: 'the log line',
    });
  });

  test('bad frames after a refusal, HEAD on the stream, odd asset paths and malformed HTTP: the gateway answers and stays up', async (t) => {
    const proc = child('plain', tempDir(t), {
      server: { trustedProxies: ['127.0.0.1/32'] },
      api: { tokens: [{ name: 'board', secret: 'tok-board' }] },
    });
    t.after(() => proc.kill('SIGKILL'));
    const out = output(proc);
    const url = await waitFor(() => /^url (\S+)$/m.exec(out.text)?.[1], {
      what: 'the child',
      timeoutMs: 30_000,
    });
    const refusals: [string, Record<string, string>, number][] = [
      // The trusted proxy's own address is not loopback: these carry the token.
      ['/api/v1/live?kinds=bogus', { authorization: 'Bearer tok-board' }, CLOSE.BAD_FILTER],
      ['/api/v1/live?since=abc', { authorization: 'Bearer tok-board' }, CLOSE.BAD_FILTER],
      // Off loopback through the trusted proxy, with no token: anyone who reaches the port.
      ['/api/v1/live', { 'x-forwarded-for': '203.0.113.9' }, CLOSE.AUTH_REQUIRED],
    ];
    for (const [target, headers, code] of refusals) {
      for (const [name, frame] of Object.entries(BAD_FRAMES)) {
        const ws = await rawWebSocket(url, target, headers);
        assert.match(ws.status, /^HTTP\/1\.1 101 /, `${target} ${name}`);
        // The refusal is complete once its close frame (0x88, length, code) has arrived.
        const at = await waitFor(
          () => {
            const i = ws.received().indexOf('\x88');
            return i >= 0 && ws.received().length >= i + 4 ? i + 1 : 0;
          },
          { what: `the refusal of ${target}` },
        );
        const text = ws.received();
        assert.equal((text.charCodeAt(at + 1) << 8) | text.charCodeAt(at + 2), code, target);
        ws.socket.write(frame);
        await once(ws.socket, 'close', { signal: AbortSignal.timeout(5000) });
      }
    }
    const head = await fetch(`${url}/api/v1/live/sse`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(head.status, 404, 'HEAD is not the stream, and it answers');
    for (const path of [
      '/assets/..',
      '/assets/%2e%2e',
      '/assets//',
      '/assets/%00',
      '/assets/%ff',
    ]) {
      const answer = await rawRequest(
        url,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert.match(answer, /^HTTP\/1\.1 4\d\d /, path);
      assert.match(answer, /"code":"SB_(NOT_FOUND|BAD_REQUEST)"/, path);
    }
    const badLength = await rawRequest(
      url,
      'POST /ingest/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    );
    assert.match(badLength, /^HTTP\/1\.1 400 [\s\S]*"code":"SB_BAD_REQUEST"/);
    const hugeHeaders = await rawRequest(
      url,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    assert.match(hugeHeaders, /^HTTP\/1\.1 431 [\s\S]*"code":"SB_HEADERS_TOO_LARGE"/);

    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal(proc.exitCode, null, 'still running');
    assert.doesNotMatch(out.text, /"level":60/, 'nothing fatal');
    assert.doesNotMatch(out.text, /a handler failed/, 'nothing needed containing');
  });

  test('an InvariantError stops the process, loudly', async (t) => {
    const proc = child('invariant', tempDir(t));
    t.after(() => proc.kill('SIGKILL'));
    const out = output(proc);
    const [code] = (await once(proc, 'exit')) as [number];
    assert.equal(code, 1);
    assert.match(
      out.text,
      /"level":60.*a broken invariant, or a storm of escaped errors; stopping/,
    );
    assert.match(out.text, /broken on purpose/);
  });

  test('a storm of escaped errors is not survivable: the process stops, loudly', async (t) => {
    const proc = child('storm', tempDir(t));
    t.after(() => proc.kill('SIGKILL'));
    const out = output(proc);
    const [code] = (await once(proc, 'exit')) as [number];
    assert.equal(code, 1);
    assert.equal(out.text.match(/a handler failed; the gateway goes on/g)?.length, 20);
    assert.match(out.text, /"level":60.*"origin":"uncaughtException \(more than 20 in 60000 ms\)"/);
  });
});
