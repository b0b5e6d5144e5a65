import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { Emulator, type EmulatorOptions } from '../../src/emulator/emulator.js';
import {
  GenesysApiError,
  GenesysRestClient,
  apiBaseForRegion,
  loginBaseFor,
  loginBaseForRegion,
  regionHost,
  type GenesysRestClientOptions,
  type RetryInfo,
} from '../../src/genesys/rest-client.js';
import { postFault, requestToken, startTestEmulator } from '../support/emulator.js';
import { waitFor } from '../support/helpers.js';

async function startEmulator(t: TestContext, options: EmulatorOptions = {}) {
  return startTestEmulator(t, { agents: 40, queues: 3, seed: 11, ...options });
}

interface Sent {
  method: string;
  url: URL;
  authorization: string | undefined;
}

/** The real fetch, recording what goes on the wire. */
function recordingFetch() {
  const sent: Sent[] = [];
  const fetchFn: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    sent.push({
      method: init?.method ?? 'GET',
      url,
      authorization: headers.get('authorization') ?? undefined,
    });
    return fetch(input, init);
  };
  return {
    fetch: fetchFn,
    sent,
    tokenRequests: () => sent.filter((s) => s.url.pathname === '/oauth/token'),
    apiRequests: (path?: string) =>
      sent.filter((s) => s.url.pathname !== '/oauth/token' && (!path || s.url.pathname === path)),
  };
}

function emulatorClient(
  emu: Emulator,
  options: Partial<GenesysRestClientOptions> = {},
): GenesysRestClient {
  return new GenesysRestClient({
    apiBase: emu.url,
    clientId: 'demo-client',
    clientSecret: 'demo-secret',
    ...options,
  });
}

describe('regions', () => {
  test('region keys and hosts map to api./login. hosts; emulator URLs log in at themselves', () => {
    assert.equal(apiBaseForRegion('mypurecloud.com'), 'https://api.mypurecloud.com');
    assert.equal(apiBaseForRegion('eu_west_1'), 'https://api.mypurecloud.ie');
    assert.equal(apiBaseForRegion('eu-central-1'), 'https://api.mypurecloud.de');
    assert.equal(loginBaseForRegion('usw2.pure.cloud'), 'https://login.usw2.pure.cloud');
    assert.equal(regionHost('https://api.mypurecloud.ie/'), 'mypurecloud.ie');
    assert.throws(() => regionHost('not a region'), /unknown Genesys Cloud region/);
    assert.equal(loginBaseFor('https://api.mypurecloud.de'), 'https://login.mypurecloud.de');
    assert.equal(loginBaseFor('http://127.0.0.1:9400'), 'http://127.0.0.1:9400');
    const client = new GenesysRestClient({
      apiBase: 'https://api.apne2.pure.cloud/',
      clientId: 'id',
      clientSecret: 'secret',
    });
    assert.equal(client.apiBase, 'https://api.apne2.pure.cloud');
    assert.equal(client.loginBase, 'https://login.apne2.pure.cloud');
  });
});

describe('OAuth client credentials against the emulator', () => {
  test('one token for concurrent and later calls', async (t) => {
    const emu = await startEmulator(t);
    const rec = recordingFetch();
    const client = emulatorClient(emu, { fetch: rec.fetch });
    const calls = Array.from({ length: 6 }, () =>
      client.get<{ entities: unknown[] }>('/api/v2/users', { pageSize: 2 }),
    );
    for (const page of await Promise.all(calls)) assert.equal(page.entities.length, 2);
    await client.get('/api/v2/presencedefinitions');
    assert.equal(rec.tokenRequests().length, 1);
    const tokenRequest = rec.tokenRequests()[0]!;
    assert.equal(tokenRequest.method, 'POST');
    assert.equal(
      tokenRequest.authorization,
      `Basic ${Buffer.from('demo-client:demo-secret').toString('base64')}`,
    );
    assert.equal(rec.apiRequests().length, 7);
    assert.equal(new Set(rec.apiRequests().map((s) => s.authorization)).size, 1);
    assert.match(rec.apiRequests()[0]!.authorization ?? '', /^Bearer \S+$/);
    assert.equal(emu.tokens.size, 1);
    assert.deepEqual(client.stats, {
      requests: 8,
      retries: 0,
      rateLimited: 0,
      tokenRefreshes: 1,
      failures: 0,
      budgetWaitMs: 0,
      rateLimitWaitMs: 0,
    });
  });

  test('refreshed before expiry: kept until min(60 s, 10 %) of its lifetime is left', async (t) => {
    const emu = await startEmulator(t, { tokenTtlSec: 300 });
    const rec = recordingFetch();
    let clock = Date.now();
    const client = emulatorClient(emu, { fetch: rec.fetch, now: () => clock });
    await client.get('/api/v2/presencedefinitions');
    clock += 269_000; // 31 s left of 300: more than the 30 s margin
    await client.get('/api/v2/presencedefinitions');
    assert.equal(rec.tokenRequests().length, 1);
    clock += 2_000; // 29 s left
    await client.get('/api/v2/presencedefinitions');
    assert.equal(rec.tokenRequests().length, 2);
    const [a, b, c] = rec.apiRequests().map((s) => s.authorization);
    assert.equal(a, b);
    assert.notEqual(b, c);
    assert.equal(client.stats.tokenRefreshes, 2);
    assert.equal(client.stats.retries, 0);
  });

  test('a token that really expired at the emulator is replaced before use', async (t) => {
    const emu = await startEmulator(t, { tokenTtlSec: 1 });
    const rec = recordingFetch();
    const retries: RetryInfo[] = [];
    const client = emulatorClient(emu, { fetch: rec.fetch, onRetry: (r) => retries.push(r) });
    await client.get('/api/v2/presencedefinitions');
    const first = rec.apiRequests()[0]!.authorization!;
    // Wait until the emulator itself rejects the first token.
    await waitFor(
      async () =>
        (
          await fetch(`${emu.url}/api/v2/presencedefinitions`, {
            headers: { authorization: first },
          })
        ).status === 401,
      { timeoutMs: 5000, intervalMs: 50, what: 'the first token to expire' },
    );
    await client.get('/api/v2/presencedefinitions');
    assert.equal(rec.tokenRequests().length, 2);
    assert.notEqual(rec.apiRequests()[1]!.authorization, first);
    assert.deepEqual(retries, [], 'renewed from its expiry time, not after a 401');
  });

  test('revoked token: the 401 drops it and the call is retried once with a new one', async (t) => {
    const emu = await startEmulator(t);
    const rec = recordingFetch();
    const retries: RetryInfo[] = [];
    const client = emulatorClient(emu, { fetch: rec.fetch, onRetry: (r) => retries.push(r) });
    await client.get('/api/v2/routing/queues');
    assert.equal((await postFault(emu, { fault: 'revoke-tokens' })).status, 200);
    const queues = await client.get<{ entities: { id: string }[] }>('/api/v2/routing/queues');
    assert.deepEqual(
      queues.entities.map((q) => q.id).sort(),
      emu
        .truth()
        .queues.map((q) => q.id)
        .sort(),
    );
    assert.equal(rec.tokenRequests().length, 2);
    const auths = rec.apiRequests().map((s) => s.authorization);
    assert.equal(auths.length, 3);
    assert.equal(auths[0], auths[1], 'the revoked token was tried');
    assert.notEqual(auths[1], auths[2]);
    assert.deepEqual(
      retries.map((r) => [r.reason, r.status, r.delayMs]),
      [['unauthorized', 401, 0]],
    );
  });

  test('token endpoint 429: waits Retry-After, then gets the token', async (t) => {
    const emu = await startEmulator(t, { tokenRatePerSec: 1 });
    assert.equal((await requestToken(emu)).status, 200); // uses this second's only token
    const waits: number[] = [];
    const retries: RetryInfo[] = [];
    const client = emulatorClient(emu, {
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((r) => setTimeout(r, ms));
      },
      onRetry: (r) => retries.push(r),
    });
    const defs = await client.get<{ entities: unknown[] }>('/api/v2/presencedefinitions');
    assert.ok(defs.entities.length > 0, 'presence definitions listed');
    assert.deepEqual(waits, [1000]); // the emulator answered Retry-After: 1
    assert.deepEqual(
      retries.map((r) => [r.method, r.path, r.reason, r.status]),
      [['POST', '/oauth/token', 'rate-limited', 429]],
    );
    assert.equal(client.stats.rateLimited, 1);
    assert.equal(client.stats.tokenRefreshes, 1);
  });

  test('a wrong secret and a 404 are thrown at once as GenesysApiError', async (t) => {
    const emu = await startEmulator(t);
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const bad = emulatorClient(emu, { clientSecret: 'nope', sleep });
    await assert.rejects(bad.get('/api/v2/users'), (err) => {
      assert.ok(err instanceof GenesysApiError, String(err));
      assert.equal(err.status, 401);
      assert.equal(err.code, 'invalid_client');
      assert.equal(err.switchboardCode, 'SB_GENESYS_CREDENTIALS_REJECTED');
      assert.match(err.message, /^SB_GENESYS_CREDENTIALS_REJECTED: /);
      assert.match(err.message, /client id "demo-client"/);
      assert.ok(!err.message.includes('nope'), 'no secret in the message');
      assert.equal(err.path, '/oauth/token');
      assert.equal(err.attempts, 1);
      return true;
    });
    const client = emulatorClient(emu, { sleep });
    const missing = '/api/v2/users/00000000-0000-4000-8000-000000000000';
    await assert.rejects(client.get(missing), (err) => {
      assert.ok(err instanceof GenesysApiError, String(err));
      assert.equal(err.status, 404);
      assert.equal(err.code, 'not.found');
      assert.equal(err.switchboardCode, undefined);
      assert.equal(err.path, missing);
      assert.equal(err.method, 'GET');
      assert.match(err.message, /could not be found/);
      assert.ok(err.contextId, 'contextId from the error body');
      return true;
    });
    assert.deepEqual(waits, []);
    assert.equal(client.stats.failures, 1);
  });
});

describe('paging against the emulator', () => {
  test('120 users in pages of 25, expand kept on every page', async (t) => {
    const emu = await startEmulator(t, { agents: 120, queues: 4 });
    const rec = recordingFetch();
    const client = emulatorClient(emu, { fetch: rec.fetch, pageSize: 25 });
    const users: { id: string; presence?: unknown; routingStatus?: unknown }[] = [];
    for await (const u of client.pages<(typeof users)[number]>('/api/v2/users', {
      expand: ['presence', 'routingStatus'],
    })) {
      users.push(u);
    }
    const truthIds = emu
      .truth()
      .agents.map((a) => a.id)
      .sort();
    assert.equal(truthIds.length, 120);
    assert.deepEqual(users.map((u) => u.id).sort(), truthIds);
    assert.ok(
      users.every((u) => u.presence !== undefined && u.routingStatus !== undefined),
      'every page was read with expand',
    );
    const pages = rec.apiRequests('/api/v2/users');
    assert.equal(pages.length, Math.ceil(120 / 25));
    for (const p of pages) {
      assert.equal(p.url.searchParams.get('pageSize'), '25');
      assert.deepEqual(p.url.searchParams.getAll('expand'), ['presence', 'routingStatus']);
    }
    assert.deepEqual(
      pages.map((p) => p.url.searchParams.get('pageNumber')),
      ['1', '2', '3', '4', '5'],
    );
  });

  test('queue members (no total/pageCount) are paged until nextUri is absent', async (t) => {
    const emu = await startEmulator(t, { agents: 80, queues: 3 });
    const queue = [...emu.sim.org.queues].sort(
      (a, b) => b.memberIds.length - a.memberIds.length,
    )[0]!;
    const pageSize = 7;
    assert.ok(queue.memberIds.length > 2 * pageSize, `${queue.memberIds.length} members`);
    const path = `/api/v2/routing/queues/${queue.id}/members`;
    const rec = recordingFetch();
    const client = emulatorClient(emu, { fetch: rec.fetch });

    // The listing really has no pageCount: paging must rely on nextUri.
    const first = await client.get<Record<string, unknown>>(path, { pageSize });
    assert.equal(first.pageCount, undefined);
    assert.equal(first.total, undefined);
    assert.equal(typeof first.nextUri, 'string');

    const members: { id: string; joined: boolean }[] = [];
    for await (const m of client.pages<(typeof members)[number]>(path, { pageSize })) {
      members.push(m);
    }
    assert.deepEqual(members.map((m) => m.id).sort(), [...queue.memberIds].sort());
    assert.equal(rec.apiRequests(path).length, 1 + Math.ceil(queue.memberIds.length / pageSize));
  });
});

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

/** A tiny real HTTP server standing in for Genesys where the emulator has no such mode. */
async function fakeGenesys(t: TestContext, routes: Record<string, Handler>) {
  const hits = new Map<string, number>();
  const seen: { method: string; url: URL; authorization: string | undefined }[] = [];
  let tokens = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    seen.push({ method: req.method ?? '', url, authorization: req.headers.authorization });
    if (url.pathname === '/oauth/token') {
      tokens++;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ access_token: `tok-${tokens}`, token_type: 'bearer', expires_in: 86400 }),
      );
      return;
    }
    if (!/^Bearer tok-\d+$/.test(req.headers.authorization ?? '')) {
      res.statusCode = 401;
      res.end(
        JSON.stringify({ code: 'authentication.required', message: 'no token', status: 401 }),
      );
      return;
    }
    const key = `${req.method} ${url.pathname}`;
    const handler = routes[key];
    const hit = (hits.get(key) ?? 0) + 1;
    hits.set(key, hit);
    if (!handler) {
      res.statusCode = 404;
      res.end(JSON.stringify({ code: 'not.found', message: `no ${key}`, status: 404 }));
      return;
    }
    handler(req, res, hit);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits: (key: string) => hits.get(key) ?? 0, seen, tokens: () => tokens };
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

describe('retries at the HTTP boundary', () => {
  const NOW = Date.parse('2026-11-23T10:00:00.000Z');

  function fakeClient(url: string, extra: Partial<GenesysRestClientOptions> = {}) {
    const waits: number[] = [];
    const retries: RetryInfo[] = [];
    const client = new GenesysRestClient({
      apiBase: url,
      clientId: 'id',
      clientSecret: 'secret',
      now: () => NOW,
      sleep: async (ms) => void waits.push(ms),
      onRetry: (r) => retries.push(r),
      ...extra,
    });
    return { client, waits, retries };
  }

  test('the request budget: ten seconds of it at once, then one request per 1/rate, for every caller together', async (t) => {
    const g = await fakeGenesys(t, {
      'GET /api/v2/ping': (_q, res) => json(res, 200, { ok: true }),
    });
    const { client, waits } = fakeClient(g.url, { requestsPerMinute: 60 });
    // 25 calls from concurrent callers: the token request and 9 calls go at once (a burst of
    // 10 = ten seconds at 60 a minute), then each request waits one second for the budget.
    await Promise.all(Array.from({ length: 25 }, () => client.get('/api/v2/ping')));
    assert.equal(g.hits('GET /api/v2/ping'), 25);
    assert.equal(client.stats.requests, 26);
    assert.deepEqual(
      waits,
      Array.from({ length: 16 }, () => 1000),
    );
    assert.equal(client.stats.budgetWaitMs, 16_000);

    const free = fakeClient(g.url, { requestsPerMinute: 0 });
    await Promise.all(Array.from({ length: 25 }, () => free.client.get('/api/v2/ping')));
    assert.deepEqual(free.waits, [], '0: no budget');
  });

  test('429: Retry-After in seconds, as an HTTP-date, missing (backoff), capped', async (t) => {
    const fake = await fakeGenesys(t, {
      'GET /api/v2/limited': (_req, res, hit) => {
        const throttled = { code: 'too.many.requests', message: 'slow down', status: 429 };
        if (hit === 1) json(res, 429, throttled, { 'retry-after': '2' });
        else if (hit === 2)
          json(res, 429, throttled, { 'retry-after': new Date(NOW + 5000).toUTCString() });
        else if (hit === 3) json(res, 429, throttled);
        else if (hit === 4) json(res, 429, throttled, { 'retry-after': '120' });
        else json(res, 200, { ok: true, hit });
      },
    });
    const { client, waits, retries } = fakeClient(fake.url, {
      maxRetryDelayMs: 10_000,
      random: () => 0.5,
    });
    assert.deepEqual(await client.get('/api/v2/limited'), { ok: true, hit: 5 });
    assert.equal(waits.length, 4);
    assert.equal(waits[0], 2000);
    assert.equal(waits[1], 5000);
    // No header: full-jitter backoff for the third retry (uniform below 500 · 2²; random 0.5).
    assert.equal(waits[2], 1000, `backoff ${waits[2]}`);
    assert.equal(waits[3], 10_000, 'Retry-After 120 s capped by maxRetryDelayMs');
    assert.ok(
      retries.every((r) => r.reason === 'rate-limited' && r.status === 429),
      JSON.stringify(retries),
    );
    assert.deepEqual(
      retries.map((r) => r.attempt),
      [1, 2, 3, 4],
    );
    assert.equal(client.stats.rateLimited, 4);
    assert.equal(client.stats.retries, 4);
    assert.equal(fake.hits('GET /api/v2/limited'), 5);
  });

  test("429: a Retry-After holds the client's other requests to that host too, once each", async (t) => {
    let clock = NOW;
    const fake = await fakeGenesys(t, {
      'GET /api/v2/limited': (_req, res, hit) => {
        const throttled = { code: 'too.many.requests', message: 'slow down', status: 429 };
        if (hit === 1) json(res, 429, throttled, { 'retry-after': '3' });
        else json(res, 200, { ok: true });
      },
      'GET /api/v2/other': (_req, res) => json(res, 200, { ok: true }),
    });
    const { client, waits } = fakeClient(fake.url, {
      now: () => clock,
      requestsPerMinute: 0,
    });
    await client.accessToken();
    // The fake sleep returns at once and the clock stays: a second after the 429 by the clock,
    // 2 s of its Retry-After are left for any other request.
    assert.deepEqual(await client.get('/api/v2/limited'), { ok: true });
    assert.deepEqual(waits, [3000], 'the throttled call waits once');
    clock += 1000;
    assert.deepEqual(await client.get('/api/v2/other'), { ok: true });
    assert.deepEqual(waits, [3000, 2000], 'the other request waits out the rest of it');
    assert.equal(client.stats.rateLimitWaitMs, 5000);
    assert.equal(client.stats.rateLimited, 1);
    // The token endpoint has its own limit: not held.
    client.invalidateToken();
    await client.accessToken();
    assert.equal(waits.length, 2);
  });

  test('503 and 500 are retried with growing jittered backoff; exhausted retries throw', async (t) => {
    const fake = await fakeGenesys(t, {
      'GET /api/v2/flaky': (_req, res, hit) =>
        hit <= 2
          ? json(res, hit === 1 ? 503 : 500, { code: 'service.unavailable', message: 'later' })
          : json(res, 200, { entities: [] }),
      'GET /api/v2/down': (_req, res) =>
        json(res, 503, { code: 'service.unavailable', message: 'down' }),
      'POST /api/v2/down': (_req, res) =>
        json(res, 503, { code: 'service.unavailable', message: 'down' }),
    });
    const draws = [0.5, 0.999];
    const { client, waits, retries } = fakeClient(fake.url, {
      maxRetries: 3,
      random: () => draws.shift() ?? 0,
    });
    assert.deepEqual(await client.get('/api/v2/flaky'), { entities: [] });
    assert.equal(waits.length, 2);
    // Full jitter: uniform below a ceiling of 500, then 1000.
    assert.equal(waits[0], 250, `first backoff ${waits[0]}`);
    assert.equal(waits[1], 999, `second backoff ${waits[1]}`);
    assert.deepEqual(
      retries.map((r) => [r.reason, r.status]),
      [
        ['server-error', 503],
        ['server-error', 500],
      ],
    );

    waits.length = 0;
    await assert.rejects(client.get('/api/v2/down'), (err) => {
      assert.ok(err instanceof GenesysApiError, String(err));
      assert.equal(err.status, 503);
      assert.equal(err.code, 'service.unavailable');
      assert.equal(err.attempts, 4);
      return true;
    });
    assert.equal(fake.hits('GET /api/v2/down'), 4);
    assert.equal(waits.length, 3);

    // A POST may have taken effect: a 5xx is not retried unless the caller says it is safe.
    waits.length = 0;
    await assert.rejects(client.post('/api/v2/down', { x: 1 }), { status: 503 });
    assert.equal(fake.hits('POST /api/v2/down'), 1);
    await assert.rejects(client.post('/api/v2/down', { x: 1 }, { idempotent: true }), {
      status: 503,
    });
    assert.equal(fake.hits('POST /api/v2/down'), 1 + 4);
    assert.equal(fake.tokens(), 1);
  });

  test('other 4xx throw at once with the Genesys code; a second 401 is not retried again', async (t) => {
    const fake = await fakeGenesys(t, {
      'GET /api/v2/bad': (_req, res) =>
        json(res, 400, {
          code: 'bad.request',
          message: 'pageSize too big',
          status: 400,
          contextId: 'ctx-9',
        }),
      'GET /api/v2/locked': (_req, res) =>
        json(res, 401, {
          code: 'bad.credentials',
          message: 'Invalid login credentials.',
          status: 401,
        }),
    });
    const { client, waits } = fakeClient(fake.url);
    await assert.rejects(client.get('/api/v2/bad', { pageSize: 9999 }), (err) => {
      assert.ok(err instanceof GenesysApiError, String(err));
      assert.deepEqual(
        [err.status, err.code, err.path, err.contextId, err.attempts],
        [400, 'bad.request', '/api/v2/bad?pageSize=9999', 'ctx-9', 1],
      );
      assert.match(err.message, /pageSize too big/);
      return true;
    });
    assert.equal(fake.hits('GET /api/v2/bad'), 1);
    await assert.rejects(client.get('/api/v2/locked'), { status: 401, code: 'bad.credentials' });
    assert.equal(fake.hits('GET /api/v2/locked'), 2);
    assert.equal(fake.tokens(), 2);
    assert.deepEqual(waits, []);
  });

  test('timeouts and network errors are retried, then thrown with status 0', async (t) => {
    const fake = await fakeGenesys(t, {
      'GET /api/v2/hang': () => {
        /* never answers */
      },
      'GET /api/v2/reset': (req) => req.socket.destroy(),
    });
    const { client, retries } = fakeClient(fake.url, { timeoutMs: 150, maxRetries: 1 });
    await assert.rejects(client.get('/api/v2/hang'), (err) => {
      assert.ok(err instanceof GenesysApiError, String(err));
      assert.equal(err.status, 0);
      assert.equal(err.code, 'timeout');
      assert.equal(err.attempts, 2);
      return true;
    });
    assert.equal(fake.hits('GET /api/v2/hang'), 2);
    await assert.rejects(client.get('/api/v2/reset'), { status: 0, code: 'network.error' });
    assert.equal(fake.hits('GET /api/v2/reset'), 2);
    assert.deepEqual(
      retries.map((r) => r.reason),
      ['timeout', 'network'],
    );
  });

  test('pages: absolute nextUri (query carried over) and pageCount without nextUri', async (t) => {
    const fake = await fakeGenesys(t, {
      'GET /api/v2/cursor': (req, res) => {
        const url = new URL(req.url ?? '/', 'http://fake');
        if (url.searchParams.get('cursor') === null)
          json(res, 200, {
            entities: [{ n: 1 }, { n: 2 }],
            // Absolute, on another host: only its path and query may be used.
            nextUri: 'https://api.elsewhere.example/api/v2/cursor?cursor=abc',
          });
        else json(res, 200, { entities: [{ n: 3 }] });
      },
      'GET /api/v2/numbered': (req, res) => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const pageNumber = Number(url.searchParams.get('pageNumber'));
        const pageSize = Number(url.searchParams.get('pageSize'));
        const all = Array.from({ length: 10 }, (_, i) => ({ n: i + 1 }));
        json(res, 200, {
          entities: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
          pageNumber,
          pageSize,
          pageCount: Math.ceil(all.length / pageSize),
        });
      },
    });
    const { client } = fakeClient(fake.url);
    const cursor: number[] = [];
    for await (const e of client.pages<{ n: number }>('/api/v2/cursor', { name: 'Sales*' })) {
      cursor.push(e.n);
    }
    assert.deepEqual(cursor, [1, 2, 3]);
    const second = fake.seen.filter((s) => s.url.pathname === '/api/v2/cursor')[1]!;
    assert.equal(second.url.searchParams.get('cursor'), 'abc');
    assert.equal(second.url.searchParams.get('name'), 'Sales*');
    assert.equal(second.url.searchParams.get('pageNumber'), null);
    assert.match(second.authorization ?? '', /^Bearer tok-/);

    const numbered: number[] = [];
    for await (const e of client.pages<{ n: number }>('/api/v2/numbered', { pageSize: 4 })) {
      numbered.push(e.n);
    }
    assert.deepEqual(numbered, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(fake.hits('GET /api/v2/numbered'), 3);
  });
});
