/**
 * The in-memory tail of the SQLite log answers a read exactly as the table would, or not at all.
 * A model (every stored event, in an array) is the table; the cache must agree with it wherever
 * it answers, after any mix of appends, size eviction and retention.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { StoredEvent } from '../../src/log/event-log.js';
import { TailCache } from '../../src/log/tail-cache.js';

const input = (i: number, size: number) => ({
  id: `e-${i}`,
  source: 'webhook' as const,
  topic: 'interaction',
  kind: 'interaction' as const,
  subject: i % 2 === 0 ? { queueId: `q-${i}` } : {},
  occurredAt: i % 3 === 0 ? null : '2026-11-30T10:00:00.000Z',
  receivedAt: '2026-11-30T10:00:01.000Z',
  body: Buffer.alloc(size, i % 251),
});

describe('log tail cache', () => {
  test('answers every read it takes exactly as the stored events would', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant('append' as const),
              n: fc.integer({ min: 1, max: 30 }),
              gap: fc.boolean(),
            }),
            fc.record({
              op: fc.constant('retain' as const),
              keep: fc.integer({ min: 0, max: 60 }),
            }),
            fc.record({
              op: fc.constant('read' as const),
              back: fc.integer({ min: -2, max: 80 }),
              limit: fc.integer({ min: 1, max: 40 }),
            }),
          ),
          { maxLength: 60 },
        ),
        (ops) => {
          const cache = new TailCache(50, 40 * 100);
          const table: StoredEvent[] = [];
          let offset = 0;
          let answered = 0;
          for (const op of ops) {
            if (op.op === 'append') {
              // Offsets may skip (a rolled-back append) but only ever grow.
              if (op.gap) offset += 3;
              for (let k = 0; k < op.n; k++) {
                const e = input(++offset, 1 + (offset % 100));
                cache.add(e, offset);
                table.push({ ...e, offset, subject: { ...e.subject } });
              }
            } else if (op.op === 'retain') {
              table.splice(0, Math.max(0, table.length - op.keep));
              cache.dropBefore(table[0]?.offset ?? Infinity);
            } else {
              const after = Math.max(0, offset - op.back);
              const got = cache.read(after, op.limit);
              if (got === undefined) continue;
              answered++;
              const want = table.filter((e) => e.offset > after).slice(0, op.limit);
              assert.deepEqual(
                got.map((e) => [
                  e.offset,
                  e.id,
                  e.subject,
                  e.occurredAt,
                  Buffer.from(e.body).toString('hex'),
                ]),
                want.map((e) => [
                  e.offset,
                  e.id,
                  e.subject,
                  e.occurredAt,
                  Buffer.from(e.body).toString('hex'),
                ]),
              );
            }
          }
          return answered >= 0;
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a read from before its first event is not answered (the table has to)', () => {
    const cache = new TailCache(3);
    for (let i = 1; i <= 5; i++) cache.add(input(i, 10), i);
    assert.equal(cache.read(1, 10), undefined, 'events 2.. are partly gone from memory');
    assert.deepEqual(
      cache.read(2, 10)?.map((e) => e.offset),
      [3, 4, 5],
    );
    assert.deepEqual(cache.read(5, 10), []);
  });
});
