import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import type { StoredEvent } from '../../src/log/event-log.js';
import { BronzeWriter, bronzeLine, fileName, lateFileName } from '../../src/sinks/lake/bronze.js';
import { LakeSink } from '../../src/sinks/lake/lake-sink.js';
import { formatTable, queryLake } from '../../src/sinks/lake/query.js';
import { runCli } from '../support/cli.js';
import { makeStoredEvent, runSinkSuite, type TargetRecord } from './sink-suite.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-lake-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir` (relative path → bytes), for byte-for-byte comparisons. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

/** Every line of the lake's bronze files, as a reader sees it. */
function lines(lake: string): Record<string, unknown>[] {
  return [...snapshot(join(lake, 'bronze')).values()].flatMap((bytes) =>
    bytes
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
}

function records(lake: string): TargetRecord[] {
  return lines(lake).map((l) => ({
    key: l.id as string,
    body:
      l.bodyEncoding === 'base64'
        ? Buffer.from(l.body as string, 'base64')
        : Buffer.from(l.body as string, 'utf8'),
  }));
}

const enospc = () =>
  Object.assign(new Error('ENOSPC: no space left on device, write'), {
    code: 'ENOSPC',
    syscall: 'write',
  });

runSinkSuite('lake sink', {
  cannot: {
    permanentRejection:
      'the lake refuses no event: every body is written as received (failures are the disk, retryable)',
  },
  async open(t) {
    const lake = tempDir(t);
    let broken: { ids: Set<string> | undefined } | undefined;
    let held: { waiting: (() => void)[] } | undefined;
    const sink = new LakeSink({
      name: 'lake',
      path: lake,
      // The disk as the tests make it: full (for some ids, or all), or holding writes.
      beforeWrite: async (events) => {
        if (broken && events.some((e) => !broken!.ids || broken!.ids.has(e.id))) throw enospc();
        const h = held;
        if (h) await new Promise<void>((resolve) => h.waiting.push(resolve));
      },
    });
    t.after(() => sink.close());
    return {
      sink,
      records: async () => records(lake),
      breakTarget: (mode, ids) => {
        broken = mode === 'none' ? undefined : { ids: ids && new Set(ids) };
      },
      holdTarget: () => {
        const h = { waiting: [] as (() => void)[] };
        held = h;
        return {
          arrived: () => h.waiting.length,
          release: () => {
            held = undefined;
            for (const go of h.waiting.splice(0)) go();
          },
        };
      },
    };
  },
});

let offset = 0;
function event(over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    ...makeStoredEvent(),
    offset: ++offset,
    kind: 'user.presence',
    receivedAt: '2026-11-30T10:00:00.000Z',
    ...over,
  };
}

/** `n` events in offset order, spread over two kinds and two days, one minute apart. */
function stream(n: number): StoredEvent[] {
  const start = Date.parse('2026-11-30T23:30:00.000Z');
  return Array.from({ length: n }, (_, i) =>
    event({
      kind: i % 3 === 0 ? 'queue.observation' : 'user.presence',
      receivedAt: new Date(start + i * 60_000).toISOString(),
    }),
  );
}

describe('lake bronze files', () => {
  test('layout kind=/date=/<first offset>.ndjson; a line is the events API fields, the body as received', async (t) => {
    const lake = tempDir(t);
    const writer = new BronzeWriter({
      root: join(lake, 'bronze'),
      maxFileBytes: 1 << 20,
      maxFileAgeMs: 3_600_000,
    });
    const json = event({ body: Buffer.from('{"b":1,  "a":[1.0e2]}') });
    const binary = event({ body: Buffer.from([0xff, 0xfe, 0x00, 0x41]) });
    await writer.write([json, binary]);
    await writer.close();
    const files = [...snapshot(lake).keys()];
    assert.deepEqual(files, [`bronze/kind=user.presence/date=2026-11-30/${fileName(json.offset)}`]);
    assert.match(files[0]!, /\/0{10}\d{6}\.ndjson$/);
    const [first, second] = lines(lake);
    assert.deepEqual(Object.keys(first!), [
      'offset',
      'id',
      'source',
      'topic',
      'kind',
      'subject',
      'occurredAt',
      'receivedAt',
      'body',
    ]);
    assert.equal(first!.body, '{"b":1,  "a":[1.0e2]}', 'the body text exactly as received');
    assert.equal(second!.bodyEncoding, 'base64', 'bytes that are not UTF-8 are kept exact');
    assert.deepEqual(Buffer.from(second!.body as string, 'base64'), Buffer.from(binary.body));
    assert.equal(
      bronzeLine(json),
      readFileSync(join(lake, files[0]!), 'utf8').split('\n')[0] + '\n',
    );
  });

  test('files close on size and on age (by receivedAt), named by their first offset', async (t) => {
    const lake = tempDir(t);
    const events = stream(40);
    const lineBytes = Buffer.byteLength(bronzeLine(events[1]!));
    const writer = new BronzeWriter({
      root: join(lake, 'bronze'),
      maxFileBytes: lineBytes * 5,
      maxFileAgeMs: 10 * 60_000,
    });
    await writer.write(events);
    await writer.close();
    const files = snapshot(lake);
    for (const [path, bytes] of files) {
      const held = bytes.toString().trimEnd().split('\n');
      const parsed = held.map((l) => JSON.parse(l) as { offset: number; receivedAt: string });
      assert.ok(path.endsWith(fileName(parsed[0]!.offset)), `${path} named by its first offset`);
      assert.ok(bytes.length <= lineBytes * 5 + 8, `${path} within the size limit`);
      const span = Date.parse(parsed.at(-1)!.receivedAt) - Date.parse(parsed[0]!.receivedAt);
      assert.ok(span < 10 * 60_000, `${path} spans ${span} ms`);
    }
    assert.ok(files.size > 4, `several files (${files.size})`);
    assert.ok(
      [...files.keys()].some((p) => p.includes('date=2026-12-01')),
      'the next day',
    );
    assert.equal(lines(lake).length, 40);
  });

  test('a crash at any point, then redelivery from the last commit: identical files, each event once', async (t) => {
    const events = stream(60);
    const options = (root: string) => ({
      root: join(root, 'bronze'),
      maxFileBytes: 2000,
      maxFileAgeMs: 15 * 60_000,
    });
    const reference = tempDir(t);
    const clean = new BronzeWriter(options(reference));
    for (let i = 0; i < events.length; i += 7) await clean.write(events.slice(i, i + 7));
    await clean.close();
    const expected = snapshot(reference);

    for (const crashAt of [1, 7, 13, 30, 59]) {
      const lake = tempDir(t);
      const before = new BronzeWriter(options(lake));
      await before.write(events.slice(0, crashAt));
      // The process dies mid-append: the newest file ends in half a line. The router committed
      // less than was written (it commits after the write), so it redelivers from earlier.
      const newest = [...snapshot(lake).keys()].sort((a, b) =>
        a.slice(-23).localeCompare(b.slice(-23)),
      );
      const torn = join(lake, newest.at(-1)!);
      truncateSync(torn, Math.max(1, statSync(torn).size - 17));
      const committed = Math.max(0, crashAt - 9);
      const after = new BronzeWriter(options(lake));
      const results = [];
      for (let i = committed; i < events.length; i += 7)
        results.push(...(await after.write(events.slice(i, i + 7))).written);
      await after.close();
      assert.deepEqual(snapshot(lake), expected, `crash after ${crashAt} events`);
      // Written again: the torn event and those never written; the rest were duplicates.
      assert.equal(
        results.filter((w) => w).length,
        events.length - crashAt + 1,
        'what was intact on disk is a duplicate',
      );
    }
  });

  test('a replayed dead letter older than the partition newest goes to a file of its own, once', async (t) => {
    const lake = tempDir(t);
    const writer = new BronzeWriter({
      root: join(lake, 'bronze'),
      maxFileBytes: 1 << 20,
      maxFileAgeMs: 3_600_000,
    });
    const [a, skipped, c] = [event(), event(), event()];
    await writer.write([a, c]);
    assert.deepEqual((await writer.write([skipped])).written, [true]);
    assert.deepEqual((await writer.write([skipped, a, c])).written, [false, false, false]);
    await writer.close();
    const restarted = new BronzeWriter({
      root: join(lake, 'bronze'),
      maxFileBytes: 1 << 20,
      maxFileAgeMs: 3_600_000,
    });
    assert.deepEqual((await restarted.write([a, skipped, c])).written, [false, false, false]);
    await restarted.close();
    assert.ok(
      snapshot(lake).has(
        `bronze/kind=user.presence/date=2026-11-30/${lateFileName(skipped.offset)}`,
      ),
    );
    assert.deepEqual(
      lines(lake).map((l) => l.id),
      [a.id, c.id, skipped.id],
    );
  });
});

describe('lake query', () => {
  test('the bronze view reads every event; a line being written is skipped; SQL errors name the problem', async (t) => {
    const lake = tempDir(t);
    const sink = new LakeSink({ name: 'lake', path: lake });
    await sink.start();
    const events = stream(30).map((e, i) =>
      i < 3 ? { ...e, body: Buffer.from(`{"eventBody":{"n":${i}}}`) } : e,
    );
    await sink.deliver(events);
    await sink.close();
    const file = [...snapshot(lake).keys()][0]!;
    // Half a line, as a reader sees a file mid-append.
    const { appendFileSync } = await import('node:fs');
    appendFileSync(join(lake, file), '{"offset":99999,"id":"half');
    const r = await queryLake(
      lake,
      `SELECT kind, count(*) AS events, max("offset") AS last FROM bronze GROUP BY kind ORDER BY kind`,
    );
    assert.deepEqual(r.columns, ['kind', 'events', 'last']);
    assert.deepEqual(r.rows, [
      ['queue.observation', '10', String(events[27]!.offset)],
      ['user.presence', '20', String(events[29]!.offset)],
    ]);
    const body = await queryLake(
      lake,
      `SELECT body::JSON->'eventBody'->>'n' AS n FROM bronze WHERE body LIKE '{"eventBody"%' ORDER BY n`,
    );
    assert.deepEqual(body.rows, [['0'], ['1'], ['2']]);
    assert.match(formatTable(r), /^kind +events +last\n-+ +-+ +-+\nqueue\.observation +10 +\d+\n/);
    await assert.rejects(queryLake(lake, 'SELECT nope FROM bronze'), /nope/);
  });

  test('an empty lake has an empty bronze view', async (t) => {
    const r = await queryLake(tempDir(t), 'SELECT count(*) AS n FROM bronze');
    assert.deepEqual(r.rows, [['0']]);
  });
});

describe('switchboard lake query', () => {
  test("finds the config's lake, prints a table or JSON lines; bad SQL and a missing lake exit 2", async (t) => {
    const dataDir = tempDir(t);
    const sink = new LakeSink({ name: 'lake', path: join(dataDir, 'lake'), silver: false });
    await sink.start();
    await sink.deliver(stream(6));
    await sink.close();
    const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_CONFIG: '' };
    const table = await runCli(
      ['lake', 'query', 'SELECT kind, count(*) AS n FROM bronze GROUP BY kind ORDER BY kind'],
      env,
    );
    assert.equal(table.code, 0, table.stderr);
    assert.equal(
      table.stdout,
      'kind               n\n-----------------  -\nqueue.observation  2\nuser.presence      4\n(2 rows)\n',
    );
    const json = await runCli(['lake', 'query', '--json', 'SELECT count(*) AS n FROM bronze'], env);
    assert.equal(json.stdout, '{"n":"6"}\n');
    const bad = await runCli(['lake', 'query', 'SELECT nope FROM bronze'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^switchboard: .*nope/);
    const none = await runCli(['lake', 'query', 'SELECT 1'], {
      ...env,
      SWITCHBOARD_DATA_DIR: join(dataDir, 'elsewhere'),
    });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^switchboard: no lake at .*elsewhere/);
    const usage = await runCli(['lake', 'query'], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /lake query needs the SQL/);
  });
});

describe('lake config', () => {
  test('on by default: a lake under the data directory with every event routed to it', (t) => {
    const dir = tempDir(t);
    const config = loadConfig({ env: { SWITCHBOARD_DATA_DIR: dir } });
    assert.deepEqual(
      config.sinks.targets.map((x) => [x.name, x.type, x.type === 'lake' ? x.path : '']),
      [['lake', 'lake', join(dir, 'lake')]],
    );
    assert.deepEqual(config.sinks.routes, [
      { name: 'all-to-lake', pattern: {}, targets: ['lake'] },
    ]);
    const off = loadConfig({
      env: { SWITCHBOARD_DATA_DIR: dir },
      overrides: { sinks: { targets: [] } },
    });
    assert.deepEqual([off.sinks.targets, off.sinks.routes], [[], []]);
  });
});
