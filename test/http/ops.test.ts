import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ERROR_CODES } from '../../src/errors.js';
import { postSigned, seedEvent, startTestGateway } from '../support/helpers.js';

describe('operations surface', () => {
  test('/healthz, /readyz and /metrics answer; readyz turns 503 when the log is closed', async (t) => {
    const gw = await startTestGateway(t);
    assert.deepEqual(await (await fetch(`${gw.url}/healthz`)).json(), { status: 'ok' });
    const ready = await fetch(`${gw.url}/readyz`);
    assert.equal(ready.status, 200);
    const metrics = await fetch(`${gw.url}/metrics`);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await metrics.text(), /switchboard_log_last_offset 0/);
    await postSigned(gw.url, JSON.stringify(seedEvent()));
    const after = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(after, /switchboard_log_last_offset 1/);
    assert.match(after, /switchboard_dedupe_entries 1/);
    await gw.log.close();
    const notReady = await fetch(`${gw.url}/readyz`);
    assert.equal(notReady.status, 503);
    assert.equal(
      ((await notReady.json()) as { error: { code: string } }).error.code,
      'SB_NOT_READY',
    );
    // With the log gone, ingest answers 503 and never a false 200.
    const res = await postSigned(gw.url, JSON.stringify(seedEvent()));
    assert.equal(res.status, 503);
    assert.equal((res.body.error as { code: string }).code, 'SB_LOG_UNAVAILABLE');
  });

  test('GET /api/v1/events validates its query and pages with next', async (t) => {
    const gw = await startTestGateway(t);
    for (let i = 0; i < 5; i++) await postSigned(gw.url, JSON.stringify(seedEvent()));
    const page = (await (await fetch(`${gw.url}/api/v1/events?after=0&limit=2`)).json()) as {
      events: { offset: number }[];
      next: number;
    };
    assert.deepEqual(
      page.events.map((e) => e.offset),
      [1, 2],
    );
    assert.equal(page.next, 2);
    const rest = (await (await fetch(`${gw.url}/api/v1/events?after=${page.next}`)).json()) as {
      events: unknown[];
      next: number;
    };
    assert.equal(rest.events.length, 3);
    const end = (await (await fetch(`${gw.url}/api/v1/events?after=5`)).json()) as {
      events: unknown[];
      next: number;
    };
    assert.deepEqual(end, { events: [], next: 5 });
    for (const q of ['after=-1', 'after=abc', 'limit=0', 'limit=100000']) {
      const res = await fetch(`${gw.url}/api/v1/events?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(
        ((await res.json()) as { error: { code: string } }).error.code,
        'SB_BAD_REQUEST',
      );
    }
  });

  test('docs/errors.md and the registry agree on every code and where it surfaces', () => {
    // Each table row is read by its header (HTTP, close, exit, sink); a code may have rows in
    // several tables (SB_INTERNAL: HTTP and exit), so the cells are merged per code.
    const documented = new Map<string, Map<string, string>>();
    let header: string[] = [];
    for (const line of readFileSync('docs/errors.md', 'utf8').split('\n')) {
      if (!line.startsWith('|')) {
        header = [];
        continue;
      }
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      if (header.length === 0) header = cells;
      const code = /^`(SB_[A-Z_]+)`$/.exec(cells[0] ?? '')?.[1];
      if (code === undefined) continue;
      const row = documented.get(code) ?? new Map<string, string>();
      header.forEach((name, i) => row.set(name, cells[i] ?? ''));
      documented.set(code, row);
    }
    const surfaces = { http: 'HTTP', close: 'close', exit: 'exit', sink: 'sink' } as const;
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      const row = documented.get(code);
      assert.ok(row, `${code} missing from docs/errors.md`);
      for (const [key, column] of Object.entries(surfaces)) {
        const value = (spec as Record<string, string | number | undefined>)[key];
        const cell = row.get(column);
        if (value === undefined) {
          assert.ok(cell === undefined || cell === '—', `${code}: docs say ${column} ${cell}`);
        } else {
          assert.equal(cell, String(value), `${code}: ${column}`);
        }
      }
    }
    for (const code of documented.keys()) assert.ok(code in ERROR_CODES, `${code} not in registry`);
  });
});
