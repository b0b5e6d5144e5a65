/**
 * The EventLog conformance suite. Every backend runs it through a tiny spec
 * (`sqlite-event-log.test.ts`, …) that passes a factory; nothing here knows which backend it has.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AppendResult, EventInput, EventLog, StoredEvent } from '../../src/log/event-log.js';
import { eventInput } from '../support/events.js';
import { waitFor } from '../support/helpers.js';

export interface OpenOptions {
  now?: () => number;
  dedupeHorizonMs?: number;
  retention?: { maxAgeMs?: number; maxBytes?: number; intervalMs?: number };
  onRetentionError?: (err: unknown) => void;
  /**
   * Backends whose dedupe index keeps fingerprints instead of ids give every id the same one,
   * so only the confirmation against the stored id tells ids apart; others ignore it.
   */
  collideFingerprints?: boolean;
}

export interface EventLogFactory {
  /** A fresh, empty location (directory, stream name, …), removed when the test ends. */
  location(t: TestContext): Promise<string>;
  /** Opens (or reopens) the log at `location`. */
  open(location: string, options?: OpenOptions): Promise<EventLog>;
  /** Module whose `open(location)` the hard-kill child process calls (it exports `factory`). */
  moduleUrl: string;
}

export function makeEvent(overrides: Partial<EventInput> = {}): EventInput {
  const id = overrides.id ?? randomUUID();
  return {
    ...eventInput('interaction', {
      id,
      source: 'webhook',
      subject: { conversationId: `c-${id.slice(0, 6)}` },
      occurredAt: '2026-11-23T10:00:00.000Z',
      receivedAt: new Date().toISOString(),
      body: { notificationId: id, n: Math.random() },
    }),
    ...overrides,
  };
}

async function readAll(log: EventLog): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await log.read(after, 1000);
    if (page.length === 0) return out;
    out.push(...page);
    after = (page[page.length - 1] as StoredEvent).offset;
  }
}

export function runEventLogSuite(name: string, factory: EventLogFactory): void {
  async function openFresh(t: TestContext, options?: OpenOptions) {
    const location = await factory.location(t);
    const log = await factory.open(location, options);
    t.after(() => log.close());
    return { log, location };
  }

  describe(`EventLog conformance: ${name}`, () => {
    test('append assigns strictly increasing offsets in array order and read returns the events as given', async (t) => {
      const { log } = await openFresh(t);
      const events = [
        makeEvent({ body: Buffer.from([0x7b, 0x7d]) }),
        makeEvent({
          subject: { userId: 'u1', queueId: 'q1', conversationId: 'c1' },
          occurredAt: null,
        }),
        makeEvent({ body: Buffer.from('{"ünïcødé":"✓"}') }),
      ];
      const results = await log.append(events);
      assert.deepEqual(
        results.map((r) => r.duplicate),
        [false, false, false],
      );
      const offsets = results.map((r) => r.offset);
      assert.ok(offsets[0]! > 0 && offsets[0]! < offsets[1]! && offsets[1]! < offsets[2]!);
      const read = await log.read(0, 10);
      assert.equal(read.length, 3);
      read.forEach((stored, i) => {
        const given = events[i]!;
        assert.equal(stored.offset, offsets[i]);
        assert.equal(stored.id, given.id);
        assert.equal(stored.source, given.source);
        assert.equal(stored.topic, given.topic);
        assert.equal(stored.kind, given.kind);
        assert.deepEqual(stored.subject, given.subject);
        assert.equal(stored.occurredAt, given.occurredAt);
        assert.equal(stored.receivedAt, given.receivedAt);
        assert.deepEqual(Buffer.from(stored.body), Buffer.from(given.body));
      });
    });

    test('read pages by offset: after is exclusive and limit is respected', async (t) => {
      const { log } = await openFresh(t);
      const results = await log.append(Array.from({ length: 25 }, () => makeEvent()));
      const offsets = results.map((r) => r.offset);
      const page1 = await log.read(0, 10);
      const page2 = await log.read(page1[9]!.offset, 10);
      const page3 = await log.read(page2[9]!.offset, 10);
      assert.deepEqual(
        [...page1, ...page2, ...page3].map((e) => e.offset),
        offsets,
      );
      assert.equal(page3.length, 5);
      assert.deepEqual(await log.read(offsets[24]!, 10), []);
    });

    test('a duplicate id inside the horizon is reported and returns the first offset', async (t) => {
      const { log } = await openFresh(t);
      const a = makeEvent();
      const [first] = await log.append([a]);
      const again = await log.append([makeEvent({ id: a.id, body: Buffer.from('{"other":1}') })]);
      assert.deepEqual(again, [{ offset: first!.offset, duplicate: true }]);
      // Duplicates inside one call are deduped against each other.
      const b = makeEvent();
      const inCall = await log.append([b, makeEvent({ id: b.id }), makeEvent()]);
      assert.equal(inCall[0]!.duplicate, false);
      assert.deepEqual(inCall[1], { offset: inCall[0]!.offset, duplicate: true });
      assert.equal(inCall[2]!.duplicate, false);
      const all = await readAll(log);
      assert.equal(all.length, 3);
      assert.equal(Buffer.from(all[0]!.body).toString(), Buffer.from(a.body).toString());
    });

    test('the same id outside the dedupe horizon is stored again with a new offset', async (t) => {
      let now = Date.parse('2026-11-23T00:00:00Z');
      const { log } = await openFresh(t, { now: () => now, dedupeHorizonMs: 60_000 });
      const a = makeEvent();
      const [first] = await log.append([a]);
      now += 59_000;
      const [inside] = await log.append([makeEvent({ id: a.id })]);
      assert.deepEqual(inside, { offset: first!.offset, duplicate: true });
      now += 2_000; // 61 s after the first copy
      const [outside] = await log.append([makeEvent({ id: a.id })]);
      assert.equal(outside!.duplicate, false);
      assert.ok(outside!.offset > first!.offset);
      // The horizon now runs from the second copy.
      now += 30_000;
      const [again] = await log.append([makeEvent({ id: a.id })]);
      assert.deepEqual(again, { offset: outside!.offset, duplicate: true });
    });

    test('dedupe survives a restart, and forgets ids once the horizon and pruning pass', async (t) => {
      let now = Date.parse('2026-11-23T00:00:00Z');
      const location = await factory.location(t);
      const options = { now: () => now, dedupeHorizonMs: 60_000 };
      let log = await factory.open(location, options);
      const a = makeEvent();
      const [first] = await log.append([a]);
      await log.close();
      log = await factory.open(location, options);
      assert.deepEqual(await log.append([makeEvent({ id: a.id })]), [
        { offset: first!.offset, duplicate: true },
      ]);
      now += 61_000;
      await log.runRetention();
      await log.close();
      log = await factory.open(location, options);
      t.after(() => log.close());
      const [again] = await log.append([makeEvent({ id: a.id })]);
      assert.equal(again!.duplicate, false);
      assert.ok(again!.offset > first!.offset);
    });

    test('after a reopen every stored id is a duplicate with its first offset, and new ids are new', async (t) => {
      const location = await factory.location(t);
      let log = await factory.open(location);
      const first = Array.from({ length: 1500 }, (_, i) => makeEvent({ id: `reopen-${i}` }));
      const stored: AppendResult[] = [];
      for (let i = 0; i < first.length; i += 250) {
        stored.push(...(await log.append(first.slice(i, i + 250))));
      }
      await log.close();
      log = await factory.open(location);
      t.after(() => log.close());
      const again = await log.append(first.map((e) => makeEvent({ id: e.id })));
      assert.deepEqual(
        again,
        stored.map((r) => ({ offset: r.offset, duplicate: true })),
      );
      const fresh = await log.append([makeEvent({ id: 'reopen-1500' }), makeEvent()]);
      assert.deepEqual(
        fresh.map((r) => r.duplicate),
        [false, false],
      );
      assert.equal((await readAll(log)).length, 1502);
    });

    test('ids that share a fingerprint are never merged, before or after a reopen', async (t) => {
      const location = await factory.location(t);
      const options = { collideFingerprints: true };
      let log = await factory.open(location, options);
      const ids = Array.from({ length: 300 }, (_, i) => `collide-${i}`);
      const stored = await log.append(ids.map((id) => makeEvent({ id })));
      assert.equal(stored.filter((r) => r.duplicate).length, 0, 'no id taken for another');
      assert.equal(new Set(stored.map((r) => r.offset)).size, 300);
      const check = async () => {
        // Every other id again, interleaved with new ones: each answer must be its own.
        const batch = ids.flatMap((id, i) => (i % 2 === 0 ? [id, `collide-new-${i}`] : []));
        const results = await log.append(batch.map((id) => makeEvent({ id })));
        batch.forEach((id, j) => {
          const i = ids.indexOf(id);
          if (i >= 0) assert.deepEqual(results[j], { offset: stored[i]!.offset, duplicate: true });
          else assert.equal(results[j]!.duplicate, false, `${id} is new`);
        });
      };
      await check();
      await log.close();
      log = await factory.open(location, options);
      t.after(() => log.close());
      const reopened = await log.append(ids.map((id) => makeEvent({ id })));
      assert.deepEqual(
        reopened,
        stored.map((r) => ({ offset: r.offset, duplicate: true })),
      );
      assert.equal((await readAll(log)).length, 300 + 150);
    });

    test('duplicates inside one call, mixed with stored ids, keep the first offset of each', async (t) => {
      const { log } = await openFresh(t);
      const [old] = await log.append([makeEvent({ id: 'old' })]);
      const results = await log.append(
        ['a', 'b', 'a', 'old', 'c', 'b', 'old', 'a'].map((id) => makeEvent({ id })),
      );
      const a = results[0]!.offset;
      const b = results[1]!.offset;
      const c = results[4]!.offset;
      assert.deepEqual(results, [
        { offset: a, duplicate: false },
        { offset: b, duplicate: false },
        { offset: a, duplicate: true },
        { offset: old!.offset, duplicate: true },
        { offset: c, duplicate: false },
        { offset: b, duplicate: true },
        { offset: old!.offset, duplicate: true },
        { offset: a, duplicate: true },
      ]);
      assert.ok(old!.offset < a && a < b && b < c);
      assert.equal((await readAll(log)).length, 4);
    });

    test('the horizon still expires ids after a reopen, with or without a pruning pass', async (t) => {
      let now = Date.parse('2026-11-23T00:00:00Z');
      const location = await factory.location(t);
      const options = { now: () => now, dedupeHorizonMs: 60_000 };
      let log = await factory.open(location, options);
      const [early] = await log.append([makeEvent({ id: 'early' })]);
      now += 30_000;
      const [late] = await log.append([makeEvent({ id: 'late' })]);
      await log.close();
      now += 40_000; // early: 70 s old, late: 40 s
      log = await factory.open(location, options);
      const afterReopen = await log.append([makeEvent({ id: 'early' }), makeEvent({ id: 'late' })]);
      assert.equal(afterReopen[0]!.duplicate, false, 'early is outside the horizon');
      assert.ok(afterReopen[0]!.offset > late!.offset);
      assert.deepEqual(afterReopen[1], { offset: late!.offset, duplicate: true });
      now += 30_000; // late: 70 s old, no pruning pass yet
      const [lateAgain] = await log.append([makeEvent({ id: 'late' })]);
      assert.equal(lateAgain!.duplicate, false);
      await log.close();
      log = await factory.open(location, options);
      t.after(() => log.close());
      const final = await log.append([makeEvent({ id: 'early' }), makeEvent({ id: 'late' })]);
      assert.deepEqual(final, [
        { offset: afterReopen[0]!.offset, duplicate: true },
        { offset: lateAgain!.offset, duplicate: true },
      ]);
      assert.notEqual(early!.offset, afterReopen[0]!.offset);
    });

    test('stats().dedupeEntries counts the ids inside the horizon, across pruning and a reopen', async (t) => {
      let now = Date.parse('2026-11-23T00:00:00Z');
      const location = await factory.location(t);
      const options = { now: () => now, dedupeHorizonMs: 60_000 };
      let log = await factory.open(location, options);
      assert.equal((await log.stats()).dedupeEntries, 0);
      await log.append(Array.from({ length: 40 }, (_, i) => makeEvent({ id: `s-${i}` })));
      await log.append(Array.from({ length: 40 }, (_, i) => makeEvent({ id: `s-${i}` })));
      assert.equal((await log.stats()).dedupeEntries, 40, 'duplicates add nothing');
      now += 45_000;
      await log.append(Array.from({ length: 25 }, (_, i) => makeEvent({ id: `t-${i}` })));
      assert.equal((await log.stats()).dedupeEntries, 65);
      now += 20_000; // the first 40 are 65 s old
      await log.runRetention();
      assert.equal((await log.stats()).dedupeEntries, 25);
      await log.close();
      log = await factory.open(location, options);
      t.after(() => log.close());
      assert.equal((await log.stats()).dedupeEntries, 25);
      await log.append([makeEvent({ id: 's-0' })]);
      assert.equal((await log.stats()).dedupeEntries, 26, 'an expired id stored again counts once');
    });

    test('many concurrent appenders: every event stored once, offsets unique and ordered', async (t) => {
      const { log } = await openFresh(t);
      const shared = makeEvent();
      const appenders = Array.from({ length: 50 }, async (_, a) => {
        const results = [];
        for (let i = 0; i < 20; i++) {
          const batch = [makeEvent({ id: `a${a}-e${i}` }), makeEvent({ id: shared.id })];
          results.push(...(await log.append(batch)));
        }
        return results;
      });
      const results = (await Promise.all(appenders)).flat();
      const stored = results.filter((r) => !r.duplicate);
      assert.equal(stored.length, 50 * 20 + 1);
      assert.equal(new Set(stored.map((r) => r.offset)).size, stored.length);
      const all = await readAll(log);
      assert.equal(all.length, 1001);
      for (let i = 1; i < all.length; i++) assert.ok(all[i]!.offset > all[i - 1]!.offset);
      assert.equal(all.filter((e) => e.id === shared.id).length, 1);
      const sharedOffset = all.find((e) => e.id === shared.id)!.offset;
      for (const r of results.filter((r) => r.duplicate)) assert.equal(r.offset, sharedOffset);
    });

    test('every acknowledged append survives a hard kill (SIGKILL) of the writing process', async (t) => {
      const location = await factory.location(t);
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          fileURLToPath(new URL('../support/append-child.ts', import.meta.url)),
          factory.moduleUrl,
          location,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const acked = new Map<string, number>();
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const [kind, id, offset] = line.split(' ');
        if (kind === 'ack' && id && offset) acked.set(id, Number(offset));
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_c, s) => resolve(s)),
      );
      const target = 300 + Math.floor(Math.random() * 1500);
      await waitFor(() => acked.size >= target, { timeoutMs: 30_000, what: `${target} acks` });
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
      const log = await factory.open(location);
      t.after(() => log.close());
      const all = await readAll(log);
      const byId = new Map<string, number[]>();
      for (const e of all) byId.set(e.id, [...(byId.get(e.id) ?? []), e.offset]);
      for (const [id, offset] of acked) {
        assert.deepEqual(
          byId.get(id),
          [offset],
          `acked event ${id} must be stored exactly once at ${offset}`,
        );
      }
      // And appends keep working after recovery, with offsets after everything recovered.
      const [next] = await log.append([makeEvent()]);
      assert.ok(next!.offset > Math.max(...all.map((e) => e.offset)));
    });

    test('a consumer resumes after its committed offset across a restart', async (t) => {
      const location = await factory.location(t);
      let log = await factory.open(location);
      const results = await log.append(Array.from({ length: 10 }, () => makeEvent()));
      const sub = await log.subscribe('projector', { batchSize: 4 });
      const seen: number[] = [];
      for await (const batch of sub) {
        seen.push(...batch.map((e) => e.offset));
        if (seen.length >= 6) break;
      }
      await sub.commit(results[5]!.offset);
      await log.close();

      log = await factory.open(location);
      t.after(() => log.close());
      assert.deepEqual(
        (await log.consumers()).find((c) => c.name === 'projector')?.committedOffset,
        results[5]!.offset,
      );
      const resumed = await log.subscribe('projector', { batchSize: 100 });
      const iterator = resumed[Symbol.asyncIterator]();
      const next = await iterator.next();
      assert.deepEqual(
        (next.value as StoredEvent[]).map((e) => e.offset),
        results.slice(6).map((r) => r.offset),
      );
      resumed.close();
    });

    test('a subscription waits for and receives events appended later; close ends it', async (t) => {
      const { log } = await openFresh(t);
      const sub = await log.subscribe('tail', { startAt: 'latest' });
      const received: StoredEvent[] = [];
      const consuming = (async () => {
        for await (const batch of sub) received.push(...batch);
      })();
      const later = makeEvent();
      await log.append([later]);
      await waitFor(() => received.some((e) => e.id === later.id), { what: 'live event' });
      sub.close();
      await consuming;
    });

    test('commits are durable and never move a consumer backwards', async (t) => {
      const { log } = await openFresh(t);
      const results = await log.append(Array.from({ length: 5 }, () => makeEvent()));
      const sub = await log.subscribe('sink');
      await sub.commit(results[3]!.offset);
      await sub.commit(results[1]!.offset);
      assert.equal((await log.consumers())[0]?.committedOffset, results[3]!.offset);
      sub.close();
    });

    test('retention by age keeps events a registered consumer has not committed', async (t) => {
      let now = Date.parse('2026-11-23T00:00:00Z');
      const { log } = await openFresh(t, { now: () => now, retention: { maxAgeMs: 60_000 } });
      const old = await log.append(Array.from({ length: 10 }, () => makeEvent()));
      const sub = await log.subscribe('slow');
      await sub.commit(old[3]!.offset);
      now += 120_000;
      const fresh = await log.append([makeEvent()]);
      const deleted = await log.runRetention();
      assert.equal(deleted, 4, 'only the 4 committed old events may go');
      assert.equal((await log.read(0, 100))[0]!.offset, old[4]!.offset);
      await sub.commit(fresh[0]!.offset);
      assert.equal(await log.runRetention(), 6);
      assert.deepEqual(
        (await log.read(0, 100)).map((e) => e.offset),
        [fresh[0]!.offset],
      );
      await log.unregister('slow');
      sub.close();
    });

    test('retention by size trims the oldest events and offsets are never reused', async (t) => {
      const { log } = await openFresh(t, { retention: { maxBytes: 256 * 1024 } });
      const big = () => makeEvent({ body: Buffer.alloc(4096, 0x61) });
      const first = await log.append(Array.from({ length: 200 }, big)); // ~800 KiB
      const deleted = await log.runRetention();
      assert.ok(deleted > 0, 'something must be trimmed');
      const stats = await log.stats();
      assert.ok(stats.sizeBytes <= 400 * 1024, `size ${stats.sizeBytes} should be near the limit`);
      const remaining = await readAll(log);
      assert.equal((await log.stats()).eventCount, remaining.length, 'stats count what is stored');
      assert.equal(
        remaining[remaining.length - 1]!.offset,
        first[199]!.offset,
        'newest events stay',
      );
      const [next] = await log.append([makeEvent()]);
      assert.ok(next!.offset > first[199]!.offset);
    });

    test('a timed retention pass that fails is reported, and the next pass runs again', async (t) => {
      let broken = false;
      const errors: unknown[] = [];
      const { log } = await openFresh(t, {
        now: () => {
          if (broken) throw new Error('clock failed on purpose');
          return Date.now();
        },
        retention: { intervalMs: 20 },
        onRetentionError: (err) => errors.push(err),
      });
      await log.append([makeEvent()]);
      broken = true;
      await waitFor(() => errors.length >= 2, { what: 'two failed passes reported' });
      assert.match(String(errors[0]), /clock failed on purpose/);
      broken = false;
    });

    test('quarantine is durable across a restart, listed in order, and takes no offset', async (t) => {
      const location = await factory.location(t);
      const log = await factory.open(location);
      const before = (await log.append([makeEvent()]))[0]!.offset;
      const body = Buffer.from([0xff, 0xfe, 0x00, 0x7b]);
      const ids = [
        await log.quarantine.put({
          source: 'webhook',
          reason: 'invalid-utf8',
          receivedAt: '2026-11-23T10:00:00.000Z',
          contentType: 'application/json',
          body,
        }),
        await log.quarantine.put({
          source: 'eventbridge',
          reason: 'not-json',
          receivedAt: '2026-11-23T10:00:01.000Z',
          contentType: undefined,
          body: Buffer.from('{'),
        }),
      ];
      assert.ok(ids[1]! > ids[0]!);
      await log.close();
      const reopened = await factory.open(location);
      t.after(() => reopened.close());
      assert.equal(await reopened.quarantine.count(), 2);
      const items = await reopened.quarantine.list(0, 10);
      assert.deepEqual(
        items.map((i) => [i.id, i.source, i.reason, i.contentType]),
        [
          [ids[0], 'webhook', 'invalid-utf8', 'application/json'],
          [ids[1], 'eventbridge', 'not-json', undefined],
        ],
      );
      assert.deepEqual(Buffer.from(items[0]!.body), body, 'byte-exact');
      assert.deepEqual(await reopened.quarantine.list(ids[0]!, 10).then((l) => l.length), 1);
      const [next] = await reopened.append([makeEvent()]);
      assert.equal(next!.offset, before + 1, 'quarantine used no offset');
    });

    test('pendingEvents counts appends not yet durable, synchronously, and returns to 0', async (t) => {
      const { log } = await openFresh(t);
      assert.equal(log.pendingEvents(), 0);
      const appends = Array.from({ length: 50 }, () => log.append([makeEvent(), makeEvent()]));
      const seen = log.pendingEvents();
      assert.ok(seen > 0 && seen <= 100, `pending right after append: ${seen}`);
      await Promise.all(appends);
      assert.equal(log.pendingEvents(), 0);
      assert.equal((await log.stats()).pendingEvents, 0);
    });

    test('close waits for appends already accepted, then refuses new ones', async (t) => {
      const location = await factory.location(t);
      const log = await factory.open(location);
      const pending = Array.from({ length: 20 }, () => log.append([makeEvent()]));
      const closed = log.close();
      await assert.rejects(log.append([makeEvent()]), { code: 'SB_LOG_UNAVAILABLE' });
      const results = await Promise.all(pending);
      await closed;
      assert.equal(log.isWritable(), false);
      const reopened = await factory.open(location);
      t.after(() => reopened.close());
      assert.equal((await readAll(reopened)).length, results.length);
    });
  });
}
