import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import Fastify from 'fastify';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { registerDashboard } from '../../src/http/dashboard-route.js';
import { createLogger } from '../../src/ops/logger.js';
import type { Board, BoardsDocument } from '../../src/protocol/boards.js';
import type { HeartbeatMessage } from '../../src/protocol/live-messages.js';
import type { ThresholdsDocument } from '../../src/protocol/thresholds.js';
import { SETTINGS_FILE } from '../../src/settings/dashboard-settings.js';
import { eventInput } from '../support/events.js';
import { tempDir, testConfig, waitFor } from '../support/helpers.js';
import { LiveTestClient } from '../support/live-client.js';

/** A gateway on `dir` (kept across restarts); closed when the test ends, or by `close`. */
async function gatewayOn(
  t: TestContext,
  dir: string,
  overrides: Record<string, unknown> = {},
  lines?: string[],
): Promise<Gateway> {
  const logger = lines
    ? createLogger(
        'warn',
        new Writable({
          write(chunk: Buffer, _enc, done) {
            lines.push(chunk.toString('utf8'));
            done();
          },
        }),
      )
    : createLogger('silent');
  const gw = await startGateway(testConfig(dir, overrides), { logger, defaultMetrics: false });
  t.after(() => gw.close());
  return gw;
}

interface Answer {
  status: number;
  body: Record<string, unknown> & {
    error?: { code: string; message: string; problems?: unknown; version?: number };
  };
  headers: Headers;
}

async function call(
  gw: Gateway,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Answer['body']) : {},
    headers: res.headers,
  };
}

const EMAIL_QUEUE = 'q-email';

/** A queue whose only media is e-mail: 90 % within an hour. */
async function emailQueue(gw: Gateway): Promise<void> {
  const [stored] = await gw.log.append([
    eventInput('reconcile.queue', {
      subject: { queueId: EMAIL_QUEUE },
      body: {
        queue: {
          id: EMAIL_QUEUE,
          name: 'E-mail',
          mediaSettings: { email: { serviceLevel: { percentage: 0.9, durationMs: 3_600_000 } } },
        },
        members: [],
      },
    }),
  ]);
  await waitFor(() => gw.projector.offset >= stored!.offset, { what: 'the projector' });
  await waitFor(() => gw.projector.state.queues().some((q) => q.id === EMAIL_QUEUE), {
    what: 'the e-mail queue',
  });
}

describe('dashboard settings: thresholds', () => {
  test('GET and PUT round trip, kept across a restart on the same data directory', async (t) => {
    const dir = tempDir(t);
    const first = await gatewayOn(t, dir);
    const empty = await call(first, 'GET', '/api/v1/thresholds');
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, { version: 0, config: {}, dashboard: {}, updatedAt: null });
    assert.equal(empty.headers.get('etag'), '"0"');

    const layer = {
      all: { longestWaitWarnSec: 30, longestWaitAlertSec: 90 },
      media: { email: { longestWaitWarnSec: 1800, longestWaitAlertSec: 3600 } },
      queues: { 'q-1': { all: { serviceLevelWarnPct: 85, serviceLevelAlertPct: 70 } } },
      states: [{ label: 'Break', warnSec: 600, alertSec: 1200 }],
    };
    const put = await call(first, 'PUT', '/api/v1/thresholds', layer);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const doc = put.body as unknown as ThresholdsDocument;
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.dashboard, layer);
    assert.deepEqual(doc.config, {});
    assert.ok(doc.updatedAt && !Number.isNaN(Date.parse(doc.updatedAt)));
    const board = await call(first, 'PUT', '/api/v1/boards/sales', { title: 'Sales' });
    assert.equal(board.status, 200);
    assert.ok(existsSync(join(dir, SETTINGS_FILE)), 'written before the answer');
    await first.close();

    const second = await gatewayOn(t, dir);
    const again = await call(second, 'GET', '/api/v1/thresholds');
    assert.deepEqual(again.body, { ...doc, version: 2 });
    const boards = (await call(second, 'GET', '/api/v1/boards')).body as unknown as BoardsDocument;
    assert.equal(boards.version, 2);
    assert.deepEqual(
      boards.boards.map((b) => [b.name, b.title, b.source]),
      [['sales', 'Sales', 'dashboard']],
    );
    await second.close();

    // A changed config layer moves the version (open screens refetch it); the saved layer stays.
    const config = { all: { longestWaitAlertSec: 120 } };
    const third = await gatewayOn(t, dir, { dashboard: { thresholds: config } });
    const changed = (await call(third, 'GET', '/api/v1/thresholds'))
      .body as unknown as ThresholdsDocument;
    assert.equal(changed.version, 3);
    assert.deepEqual(changed.config, config);
    assert.deepEqual(changed.dashboard, layer);
  });

  test('refuses a warning after its alert: set together, inherited from the config, against a queue’s own target', async (t) => {
    const gw = await gatewayOn(t, tempDir(t), {
      dashboard: {
        thresholds: {
          all: { longestWaitAlertSec: 100 },
          media: { chat: { serviceLevelAlertPct: 60 } },
        },
      },
    });
    const refused = async (layer: unknown, path: string, words: RegExp) => {
      const res = await call(gw, 'PUT', '/api/v1/thresholds', layer);
      assert.equal(res.status, 400, JSON.stringify(layer));
      assert.equal(res.body.error?.code, 'SB_THRESHOLDS_INVALID');
      const problems = res.body.error?.problems as { path: string; message: string }[];
      assert.ok(Array.isArray(problems) && problems.length > 0);
      assert.equal(problems[0]!.path, path);
      assert.match(problems[0]!.message, words);
      assert.ok(res.body.error.message.includes(path), 'the message names the first problem');
    };
    await refused(
      { all: { longestWaitWarnSec: 60, longestWaitAlertSec: 30 } },
      '$.all.longestWaitWarnSec',
      /warning \(60 s\) must come before the alert \(30 s\)/,
    );
    // The config's alert at 100 s is inherited: a warning at 150 s would come after it.
    await refused({ all: { longestWaitWarnSec: 150 } }, '$.all.longestWaitWarnSec', /\(100 s\)/);
    // The config's chat rule is inherited by the dashboard's chat rule.
    await refused(
      { media: { chat: { serviceLevelWarnPct: 50 } } },
      '$.media.chat.serviceLevelWarnPct',
      /below 60 %/,
    );
    await refused({ all: { longestWaitWarnSec: -1 } }, '$.all.longestWaitWarnSec', /number/);
    await refused({ extra: {} }, '$.extra', /not a thresholds section/);

    // A real queue's own target: e-mail within an hour warns at 3600 s, after an 1800 s alert.
    await emailQueue(gw);
    const view = gw.projector.state.queues().find((q) => q.id === EMAIL_QUEUE)!;
    assert.ok(view.byMedia.some((f) => f.media === 'email' && f.serviceLevelThresholdSec === 3600));
    await refused(
      { all: { longestWaitAlertSec: 1800 } },
      `$.queues.${EMAIL_QUEUE}`,
      /email the wait warning \(3600 s\) would come after the alert \(1800 s\)/,
    );
    // Fixed for that queue's e-mail: accepted.
    const ok = await call(gw, 'PUT', '/api/v1/thresholds', {
      all: { longestWaitWarnSec: 20, longestWaitAlertSec: 90 },
      queues: { [EMAIL_QUEUE]: { media: { email: { longestWaitAlertSec: 7200 } } } },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await call(gw, 'GET', '/api/v1/thresholds')).body.version, 1);
  });

  test('If-Match: the version read, or 409 SB_SETTINGS_CONFLICT', async (t) => {
    const gw = await gatewayOn(t, tempDir(t));
    const put = (version: string) =>
      call(gw, 'PUT', '/api/v1/thresholds', { all: {} }, { 'if-match': version });
    assert.equal((await put('"0"')).status, 200);
    const stale = await put('"0"');
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error?.code, 'SB_SETTINGS_CONFLICT');
    assert.equal(stale.body.error?.version, 1);
    assert.equal((await put('W/"1"')).status, 200);
    assert.equal((await put('*')).status, 200);
    assert.equal((await put('"soon"')).body.error?.code, 'SB_BAD_REQUEST');
    // Boards share the version.
    const board = await call(gw, 'PUT', '/api/v1/boards/b', { title: 'B' }, { 'if-match': '"2"' });
    assert.equal(board.status, 409);
    const fresh = await call(gw, 'PUT', '/api/v1/boards/b', { title: 'B' }, { 'if-match': '"3"' });
    assert.equal(fresh.status, 200);
    assert.equal(
      (await call(gw, 'DELETE', '/api/v1/boards/b', undefined, { 'if-match': '"3"' })).status,
      409,
    );
    assert.equal(
      (await call(gw, 'DELETE', '/api/v1/boards/b', undefined, { 'if-match': '"4"' })).status,
      204,
    );
  });

  test('off loopback: no token 401, a scoped token reads but may not change (403)', async (t) => {
    const gw = await gatewayOn(t, tempDir(t), {
      server: { trustedProxies: ['127.0.0.1/32', '::1'] },
      api: {
        tokens: [
          { name: 'ops', secret: 'tok-ops' },
          { name: 'board', secret: 'tok-board', scope: { queues: ['q-1'] } },
        ],
      },
    });
    const remote = { 'x-forwarded-for': '203.0.113.7' };
    const as = (token?: string) => ({
      ...remote,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    });
    for (const [method, path, body] of [
      ['GET', '/api/v1/thresholds', undefined],
      ['PUT', '/api/v1/thresholds', {}],
      ['GET', '/api/v1/boards', undefined],
      ['GET', '/api/v1/boards/x', undefined],
      ['PUT', '/api/v1/boards/x', { title: 'X' }],
      ['DELETE', '/api/v1/boards/x', undefined],
    ] as const) {
      const anonymous = await call(gw, method, path, body, as());
      assert.equal(anonymous.status, 401, `${method} ${path}`);
      assert.equal(anonymous.body.error?.code, 'SB_AUTH_REQUIRED');
    }
    assert.equal(
      (await call(gw, 'GET', '/api/v1/thresholds', undefined, as('tok-board'))).status,
      200,
    );
    assert.equal((await call(gw, 'GET', '/api/v1/boards', undefined, as('tok-board'))).status, 200);
    for (const [method, path, body] of [
      ['PUT', '/api/v1/thresholds', {}],
      ['PUT', '/api/v1/boards/x', { title: 'X' }],
      ['DELETE', '/api/v1/boards/x', undefined],
    ] as const) {
      const scoped = await call(gw, method, path, body, as('tok-board'));
      assert.equal(scoped.status, 403, `${method} ${path}`);
      assert.equal(scoped.body.error?.code, 'SB_SCOPE_FORBIDDEN');
    }
    assert.equal((await call(gw, 'PUT', '/api/v1/thresholds', {}, as('tok-ops'))).status, 200);
    assert.equal(
      (await call(gw, 'PUT', '/api/v1/boards/x', { title: 'X' }, as('tok-ops'))).status,
      200,
    );
    assert.equal(
      (await call(gw, 'DELETE', '/api/v1/boards/x', undefined, as('tok-ops'))).status,
      204,
    );
  });
});

describe('dashboard settings: boards', () => {
  test('create, read, replace, delete; config boards are read-only', async (t) => {
    const gw = await gatewayOn(t, tempDir(t), {
      dashboard: {
        boards: [
          { name: 'lobby', title: 'Lobby', filters: { queue: 'q-1' }, layout: { tv: false } },
        ],
      },
    });
    const created = await call(gw, 'PUT', '/api/v1/boards/sales', {
      title: 'Sales floor',
      filters: { team: 't-1', sort: 'time' },
      layout: { agents: 'exceptions', pageSeconds: 30 },
    });
    assert.equal(created.status, 200);
    const board = created.body as unknown as Board;
    assert.deepEqual(
      { ...board, updatedAt: undefined },
      {
        name: 'sales',
        title: 'Sales floor',
        filters: { team: 't-1', sort: 'time' },
        layout: { tv: true, agents: 'exceptions', pageSeconds: 30, sound: false, flash: true },
        source: 'dashboard',
        updatedAt: undefined,
      },
    );
    assert.ok(typeof board.updatedAt === 'string');
    assert.equal((await call(gw, 'PUT', '/api/v1/boards/alpha', { title: 'A' })).status, 200);

    const list = (await call(gw, 'GET', '/api/v1/boards')).body as unknown as BoardsDocument;
    assert.equal(list.version, 2);
    assert.deepEqual(
      list.boards.map((b) => `${b.source}:${b.name}`),
      ['config:lobby', 'dashboard:alpha', 'dashboard:sales'],
    );
    assert.deepEqual(list.boards[0], {
      name: 'lobby',
      title: 'Lobby',
      filters: { queue: 'q-1' },
      layout: { tv: false, agents: 'all', pageSeconds: 15, sound: false, flash: true },
      source: 'config',
      updatedAt: null,
    });
    assert.deepEqual((await call(gw, 'GET', '/api/v1/boards/sales')).body, board);
    assert.equal((await call(gw, 'GET', '/api/v1/boards/lobby')).body.source, 'config');

    // A board as GET returned it may be sent back.
    const replaced = await call(gw, 'PUT', '/api/v1/boards/sales', { ...board, title: 'Sales' });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.title, 'Sales');
    const renamed = await call(gw, 'PUT', '/api/v1/boards/sales', { ...board, name: 'other' });
    assert.equal(renamed.status, 400);

    for (const method of ['PUT', 'DELETE']) {
      const res = await call(
        gw,
        method,
        '/api/v1/boards/lobby',
        method === 'PUT' ? { title: 'L' } : undefined,
      );
      assert.equal(res.status, 409, method);
      assert.equal(res.body.error?.code, 'SB_BOARD_READ_ONLY');
    }
    assert.equal((await call(gw, 'DELETE', '/api/v1/boards/sales')).status, 204);
    const gone = await call(gw, 'GET', '/api/v1/boards/sales');
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error?.code, 'SB_BOARD_NOT_FOUND');
    assert.equal(
      (await call(gw, 'DELETE', '/api/v1/boards/sales')).body.error?.code,
      'SB_BOARD_NOT_FOUND',
    );
    assert.equal((await call(gw, 'GET', '/api/v1/boards')).body.version, 4);
  });

  test('limits: name, title, filters, page time, 200 boards', async (t) => {
    const configBoards = Array.from({ length: 198 }, (_, i) => ({
      name: `c-${i}`,
      title: `C ${i}`,
    }));
    const gw = await gatewayOn(t, tempDir(t), { dashboard: { boards: configBoards } });
    const refused = async (name: string, body: unknown, path: string) => {
      const res = await call(gw, 'PUT', `/api/v1/boards/${name}`, body);
      assert.equal(res.status, 400, `${name} ${JSON.stringify(body)}`);
      assert.equal(res.body.error?.code, 'SB_BOARD_INVALID');
      const problems = res.body.error?.problems as { path: string }[];
      assert.equal(problems[0]?.path, path);
    };
    await refused('Upper', { title: 'x' }, 'name');
    await refused('-dash', { title: 'x' }, 'name');
    await refused('a'.repeat(65), { title: 'x' }, 'name');
    await refused('ok', { title: '' }, '$.title');
    await refused('ok', { title: 'x'.repeat(101) }, '$.title');
    await refused('ok', { title: 'x', filters: { queue: 'q'.repeat(201) } }, '$.filters.queue');
    await refused('ok', { title: 'x', filters: { sort: 'random' } }, '$.filters.sort');
    await refused('ok', { title: 'x', filters: { colour: 'red' } }, '$.filters.colour');
    await refused('ok', { title: 'x', layout: { pageSeconds: 4 } }, '$.layout.pageSeconds');
    await refused('ok', { title: 'x', layout: { pageSeconds: 301 } }, '$.layout.pageSeconds');
    await refused('ok', { title: 'x', layout: { agents: 'some' } }, '$.layout.agents');
    await refused('ok', { title: 'x', layout: { toString: true } }, '$.layout.toString');
    await refused('ok', [], '$');
    assert.equal(
      (
        await call(gw, 'PUT', `/api/v1/boards/${'a'.repeat(64)}`, {
          title: 'x',
          layout: { pageSeconds: 300 },
        })
      ).status,
      200,
    );
    assert.equal((await call(gw, 'PUT', '/api/v1/boards/two', { title: 'x' })).status, 200);
    await refused('three', { title: 'x' }, '$');
    // Replacing one is no new board.
    assert.equal((await call(gw, 'PUT', '/api/v1/boards/two', { title: 'y' })).status, 200);
  });
});

describe('dashboard settings: storage and live push', () => {
  test('a corrupt file: the gateway starts empty, says so, and keeps the file aside', async (t) => {
    const dir = tempDir(t);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, SETTINGS_FILE), '{"format":1,"version":');
    const lines: string[] = [];
    const gw = await gatewayOn(t, dir, {}, lines);
    const doc = (await call(gw, 'GET', '/api/v1/thresholds')).body;
    assert.deepEqual(doc, { version: 0, config: {}, dashboard: {}, updatedAt: null });
    assert.ok(
      lines.some((l) => /dashboard settings: the file is not valid/.test(l)),
      lines.join(''),
    );
    assert.equal(
      readFileSync(join(dir, `${SETTINGS_FILE}.corrupt`), 'utf8'),
      '{"format":1,"version":',
    );
    assert.equal((await call(gw, 'PUT', '/api/v1/thresholds', { all: {} })).status, 200);
    const saved = JSON.parse(readFileSync(join(dir, SETTINGS_FILE), 'utf8')) as { version: number };
    assert.equal(saved.version, 1);
  });

  test('a config change before any save still moves the version', async (t) => {
    const dir = tempDir(t);
    const first = await gatewayOn(t, dir);
    assert.equal((await call(first, 'GET', '/api/v1/thresholds')).body.version, 0);
    await first.close();
    const second = await gatewayOn(t, dir, { dashboard: { boards: [{ name: 'a', title: 'A' }] } });
    assert.equal((await call(second, 'GET', '/api/v1/boards')).body.version, 1);
    await second.close();
    const third = await gatewayOn(t, dir, { dashboard: { boards: [{ name: 'a', title: 'A' }] } });
    assert.equal((await call(third, 'GET', '/api/v1/boards')).body.version, 1, 'same config');
  });

  test('a file that cannot be read: starts empty, left in place; a save that fails is 503 and changes nothing', async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, SETTINGS_FILE), { recursive: true });
    const lines: string[] = [];
    const gw = await gatewayOn(t, dir, {}, lines);
    assert.ok(
      lines.some((l) => /the file cannot be read/.test(l)),
      lines.join(''),
    );
    const res = await call(gw, 'PUT', '/api/v1/thresholds', { all: {} });
    assert.equal(res.status, 503);
    assert.equal(res.body.error?.code, 'SB_SETTINGS_UNAVAILABLE');
    const doc = (await call(gw, 'GET', '/api/v1/thresholds')).body;
    assert.deepEqual(doc, { version: 0, config: {}, dashboard: {}, updatedAt: null });
    assert.equal((await call(gw, 'PUT', '/api/v1/boards/b', { title: 'B' })).status, 503);
    assert.equal((await call(gw, 'GET', '/api/v1/boards/b')).status, 404);
  });

  test('a malformed board or thresholds layer in the file is dropped, the rest kept', async (t) => {
    const dir = tempDir(t);
    writeFileSync(
      join(dir, SETTINGS_FILE),
      JSON.stringify({
        format: 1,
        version: 7,
        configDigest: 'x',
        thresholds: { all: { longestWaitWarnSec: 'soon' } },
        thresholdsUpdatedAt: null,
        boards: [
          { name: 'good', title: 'Good', filters: {}, layout: {}, updatedAt: null },
          { name: 'BAD', title: 'Bad' },
          { name: 'worse', title: 7 },
        ],
      }),
    );
    const lines: string[] = [];
    const gw = await gatewayOn(t, dir, {}, lines);
    const doc = (await call(gw, 'GET', '/api/v1/thresholds')).body as unknown as ThresholdsDocument;
    assert.deepEqual(doc.dashboard, {});
    assert.equal(doc.version, 8, 'the config fingerprint differs: a new version');
    const boards = (await call(gw, 'GET', '/api/v1/boards')).body as unknown as BoardsDocument;
    assert.deepEqual(
      boards.boards.map((b) => b.name),
      ['good'],
    );
    assert.equal(lines.filter((l) => /malformed/.test(l)).length, 3);
  });

  test('a change reaches live clients at once as a heartbeat with the new settingsVersion', async (t) => {
    const gw = await gatewayOn(t, tempDir(t));
    const client = new LiveTestClient(`${gw.url.replace(/^http/, 'ws')}/api/v1/live`);
    t.after(() => client.ws.close());
    await client.opened;
    const beats = () =>
      client.messages.filter((m): m is HeartbeatMessage => m.type === 'heartbeat');
    await waitFor(() => beats().some((m) => m.settingsVersion === 0), { what: 'first heartbeat' });
    const before = Date.now();
    assert.equal((await call(gw, 'PUT', '/api/v1/thresholds', { all: {} })).status, 200);
    await waitFor(() => beats().some((m) => m.settingsVersion === 1), {
      timeoutMs: 1000,
      what: 'a heartbeat with settingsVersion 1',
    });
    assert.ok(Date.now() - before < 1000);
    assert.equal((await call(gw, 'PUT', '/api/v1/boards/b', { title: 'B' })).status, 200);
    await waitFor(() => beats().some((m) => m.settingsVersion === 2), {
      timeoutMs: 1000,
      what: 'a heartbeat with settingsVersion 2',
    });
  });

  test('hostile bodies are refused with 4xx, never 5xx', async (t) => {
    const gw = await gatewayOn(t, tempDir(t));
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const deepObject = (n: number) => '{"all":'.repeat(n) + '{}' + '}'.repeat(n);
    const fixed = [
      deep(100_000),
      deepObject(20_000),
      '{"all":{"longestWaitWarnSec":1e400}}',
      '{"all":{"longestWaitWarnSec":-1e308}}',
      '{"queues":{"__proto__":{"all":{}}}}',
      '{"__proto__":{"all":{}}}',
      '{"queues":{"constructor":{"all":{"longestWaitWarnSec":1}}}}',
      '{"media":{"toString":{}}}',
      `{"states":[${Array.from({ length: 20_000 }, () => '{"label":"x"}').join(',')}]}`,
      `{"queues":{${Array.from({ length: 3000 }, (_, i) => `"q${i}":{}`).join(',')}}}`,
      'null',
      '"text"',
      '12',
      '\u0000',
      '{"title":"x","layout":{"pageSeconds":1e999}}',
      '{"title":{"toString":"x"}}',
    ];
    const paths = ['/api/v1/thresholds', '/api/v1/boards/fuzz'];
    for (const path of paths) {
      for (const body of fixed) {
        const res = await call(gw, 'PUT', path, body);
        const what = `${path} ${body.slice(0, 60)}: ${res.status}`;
        assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), what);
      }
    }
    const tooBig = await call(gw, 'PUT', '/api/v1/thresholds', `{"x":"${'a'.repeat(300 * 1024)}"}`);
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error?.code, 'SB_BODY_TOO_LARGE');
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 6 }),
        fc.constantFrom(...paths),
        async (value, path) => {
          const res = await call(gw, 'PUT', path, JSON.stringify(value));
          assert.ok(res.status < 500, `${path} ${JSON.stringify(value)}: ${res.status}`);
          assert.ok(res.status === 200 || res.status === 400, `${res.status}`);
        },
      ),
      { numRuns: 150 },
    );
    // Nothing hostile was kept: the file reads back as the validators allow.
    assert.equal((await call(gw, 'GET', '/api/v1/thresholds')).status, 200);
  });
});

describe('not found', () => {
  test('a browser asking for an unknown page gets 404 with the app; everything else the JSON 404', async (t) => {
    const gw = await gatewayOn(t, tempDir(t));
    const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const page = await fetch(`${gw.url}/no/such/page`, { headers: html });
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /<html|<!doctype/i);
    for (const path of [
      '/api/nope',
      '/api/v1/boards-nope',
      '/ingest/nope',
      '/assets/nope.js',
      '/emulator/x',
    ]) {
      const res = await fetch(`${gw.url}${path}`, { headers: html });
      assert.equal(res.status, 404, path);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'SB_NOT_FOUND', path);
    }
    const json = await fetch(`${gw.url}/no/such/page`, { headers: { accept: 'application/json' } });
    assert.equal(json.status, 404);
    assert.equal(((await json.json()) as { error: { code: string } }).error.code, 'SB_NOT_FOUND');
    const post = await fetch(`${gw.url}/no/such/page`, { method: 'POST', headers: html });
    assert.equal(post.status, 404);
    assert.match(post.headers.get('content-type') ?? '', /json/);
    await post.body?.cancel();
  });

  test('the app’s routes, /boards/<name> included, answer index.html; unknown pages 404 with it, uncached', async (t) => {
    const root = tempDir(t, 'sb-web-');
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Switchboard</title>');
    const app = Fastify();
    app.get('/api/v1/agents', async () => ({ agents: [] }));
    app.setNotFoundHandler(async (_req, reply) =>
      reply.code(404).send({ error: { code: 'SB_NOT_FOUND' } }),
    );
    registerDashboard(app, { root });
    await app.ready();
    t.after(() => app.close());
    const board = await app.inject('/boards/sales-floor?tv=1');
    assert.equal(board.statusCode, 200);
    assert.match(board.body, /<title>Switchboard/);
    const missing = await app.inject({ url: '/nope', headers: { accept: 'text/html' } });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['cache-control'], 'no-cache');
    assert.match(missing.body, /<title>Switchboard/);
    const head = await app.inject({
      method: 'HEAD',
      url: '/nope',
      headers: { accept: 'text/html' },
    });
    assert.equal(head.statusCode, 404);
    for (const url of ['/api/v1/nope', '/healthz', '/readyz', '/metrics', '/ingest/x']) {
      const res = await app.inject({ url, headers: { accept: 'text/html' } });
      assert.equal(res.statusCode, 404, url);
      assert.deepEqual(res.json(), { error: { code: 'SB_NOT_FOUND' } }, url);
    }
    assert.deepEqual((await app.inject('/nope')).json(), { error: { code: 'SB_NOT_FOUND' } });
  });
});
