// Row 8: "GET /api/v1/events?limit=1000 over 1 MiB events | 500 (RangeError: Invalid string
// length) after a 3.9 s event-loop stall"
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { eventInput } from '../support/events.js';
import { startTestGateway } from '../support/helpers.js';

const MiB = 1024 * 1024;

/** A JSON body of about `bytes`; `escaped` fills it with what JSON must escape (`\"`, `\n`). */
function bigBody(bytes: number, escaped = false): Buffer {
  const pad = escaped ? '\\"\\n'.repeat(Math.floor(bytes / 4)) : 'x'.repeat(bytes);
  return Buffer.from(`{"pad":"${pad}"}`);
}

interface Page {
  status: number;
  bytes: number;
  ids: string[];
  next: number;
}

async function page(gw: Gateway, after: number): Promise<Page> {
  const res = await fetch(`${gw.url}/api/v1/events?after=${after}&limit=1000`);
  const text = await res.text();
  const body = JSON.parse(text) as { events: { id: string; body: string }[]; next: number };
  return {
    status: res.status,
    bytes: Buffer.byteLength(text),
    ids: body.events.map((e) => e.id),
    next: body.next,
  };
}

/** Pages from 0 until a page comes back empty; every page must be a 200 within `maxBytes`. */
async function pageThrough(gw: Gateway, maxBytes: number) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let after = 0;
  for (;;) {
    const p = await page(gw, after);
    assert.equal(p.status, 200);
    assert.ok(p.bytes <= maxBytes, `a page of ${p.bytes} bytes, over ${maxBytes}`);
    if (p.ids.length === 0) {
      assert.equal(p.next, after, 'an empty page stays where it is');
      return { ids, sizes };
    }
    assert.ok(p.next > after, 'next moves forward');
    ids.push(...p.ids);
    sizes.push(p.bytes);
    after = p.next;
  }
}

describe('row 8: a page of /api/v1/events is bounded by bytes, and paging still reaches every event', () => {
  test('1 MiB events: 200, pages within api.maxPageBytes, every event once and in order', async (t) => {
    const maxPageBytes = 4 * MiB;
    const gw = await startTestGateway(t, { api: { maxPageBytes } });
    const appended: string[] = [];
    for (let i = 0; i < 24; i++) {
      const batch = [
        eventInput('system', { id: `big-${i}`, body: bigBody(MiB + 1000, i % 3 === 0) }),
        eventInput('system', { id: `small-${i}`, body: { i } }),
      ];
      await gw.log.append(batch);
      appended.push(...batch.map((e) => e.id));
    }
    const { ids, sizes } = await pageThrough(gw, maxPageBytes);
    assert.deepEqual(ids, appended);
    assert.ok(sizes.length >= 6, `${sizes.length} pages for about 36 MiB of JSON`);
  });

  test('an event larger than the whole budget still comes, one per page', async (t) => {
    const maxPageBytes = 64 * 1024;
    const gw = await startTestGateway(t, { api: { maxPageBytes } });
    const appended: string[] = [];
    for (let i = 0; i < 4; i++) {
      const e = eventInput('system', { id: `huge-${i}`, body: bigBody(MiB, true) });
      await gw.log.append([e]);
      appended.push(e.id);
    }
    const { ids, sizes } = await pageThrough(gw, 3 * MiB);
    assert.deepEqual(ids, appended);
    assert.equal(sizes.length, appended.length, 'one event per page');
  });

  test('small events still fill a page up to the limit', async (t) => {
    const gw = await startTestGateway(t);
    await gw.log.append(
      Array.from({ length: 1500 }, (_, i) => eventInput('system', { id: `e-${i}`, body: { i } })),
    );
    const first = await page(gw, 0);
    assert.equal(first.ids.length, 1000);
    assert.equal(first.next, 1000);
    const rest = await page(gw, first.next);
    assert.equal(rest.ids.length, 500);
  });
});
