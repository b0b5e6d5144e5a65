import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DedupeIndex, DedupePressureError } from '../../src/log/dedupe-index.js';
import { IdFingerprint, halfSipHash24 } from '../../src/log/id-fingerprint.js';

/** A deterministic stream of 32-bit values (xorshift). */
function randoms(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** An index of keys 1…n with the given fingerprints, inserted one append at a time. */
function filled(n: number, fp: (key: number) => number, options = {}): DedupeIndex {
  const index = new DedupeIndex(options);
  for (let key = 1; key <= n; key++) {
    index.reserve(1);
    index.insert(fp(key), key);
  }
  return index;
}

describe('HalfSipHash-2-4', () => {
  test('matches the reference vectors (key 00…07, message 00…n-1)', () => {
    const message = Uint8Array.from({ length: 64 }, (_, i) => i);
    const expected: Record<number, string> = {
      0: 'a9359f5b',
      1: '27475ab8',
      3: '8afee704',
      4: '2a6e4689',
      7: '8bcf63c5',
      8: 'd0b8848f',
      63: '59ea4a74',
    };
    for (const [n, hex] of Object.entries(expected)) {
      const out = Buffer.alloc(4);
      out.writeUInt32LE(halfSipHash24(0x03020100, 0x07060504, message, Number(n)));
      assert.equal(out.toString('hex'), hex, `length ${n}`);
    }
  });

  test('an id hashes as the UTF-8 SQLite keeps, under the database key', () => {
    const a = new IdFingerprint(Buffer.from('0001020304050607', 'hex'));
    const b = new IdFingerprint(Buffer.from('0001020304050608', 'hex'));
    assert.equal(a.of('\ud800'), a.of('\ufffd'), 'a lone surrogate is stored as U+FFFD');
    assert.notEqual(a.of('id-1'), a.of('id-2'));
    assert.notEqual(a.of('id-1'), b.of('id-1'), 'another key, another fingerprint');
    assert.equal(a.of('é'.repeat(300)), a.of('é'.repeat(300)), 'long ids too');
  });
});

describe('DedupeIndex', () => {
  test('a shared fingerprint is only a candidate: each id is found by its own confirmation', () => {
    const index = filled(500, () => 42, { fingerprintBits: 0 });
    for (const key of [1, 250, 500]) {
      const asked: number[] = [];
      const found = index.find(42, (k) => {
        asked.push(k);
        return k === key;
      });
      assert.equal(found, key);
      assert.equal(asked.at(-1), key);
      if (key > 1) assert.ok(asked.length > 1, 'other candidates were refused on the way');
    }
    assert.equal(
      index.find(42, () => false),
      0,
      'no confirmation, no hit',
    );
  });

  test('expired keys are skipped without a confirmation and leave at the next rebuild', () => {
    const next = randoms(7);
    const fps = Array.from({ length: 5001 }, () => next());
    const index = filled(5000, (k) => fps[k]!);
    const slots = index.slots;
    index.expireBefore(4001);
    assert.equal(index.size, 1000);
    let confirmedExpired = false;
    for (let key = 1; key <= 4000; key += 97) {
      index.find(fps[key]!, (k) => {
        if (k < 4001) confirmedExpired = true;
        return k === key;
      });
    }
    assert.equal(confirmedExpired, false);
    assert.ok(index.slots < slots, 'a mostly expired table shrinks');
    for (let key = 4001; key <= 5000; key++) {
      assert.equal(
        index.find(fps[key]!, (k) => k === key),
        key,
      );
    }
  });

  test('at most 24 bytes an id at every size, growth included, and inserts never allocate', () => {
    const next = randoms(11);
    const index = new DedupeIndex();
    let worst = 0;
    for (let key = 1; key <= 200_000; key++) {
      index.reserve(1);
      const bytes = index.bytes;
      index.insert(next(), key);
      assert.equal(index.bytes, bytes);
      if (index.slots > 1024) worst = Math.max(worst, index.bytes / index.size);
    }
    assert.ok(worst <= 24, `worst ${worst.toFixed(1)} bytes an id`);
  });

  test('a growth that cannot happen throws before anything changes', () => {
    const index = filled(800, (k) => k * 7919, { maxSlots: 1024 });
    assert.throws(() => index.reserve(100), DedupePressureError);
    assert.equal(index.size, 800);
    assert.equal(
      index.find(400 * 7919, (k) => k === 400),
      400,
    );
    index.expireBefore(701);
    index.reserve(100); // room again: expired entries are dropped by the rebuild
    index.insert(1, 801);
    assert.equal(index.size, 101);
  });

  test('a bulk load holds the entries from the floor on, across a gap in the keys', () => {
    const next = randoms(3);
    const fps = Array.from({ length: 30_001 }, () => next());
    // Two runs of keys with a gap between them: 1…20,000 and 25,001…35,000.
    const keyOf = (i: number) => (i <= 20_000 ? i : i + 5000);
    const fingerprints = Uint32Array.from({ length: 30_000 }, (_, i) => fps[i + 1]!);
    const loaded = DedupeIndex.load(
      { fingerprints, runs: Float64Array.of(1, 20_000, 25_001, 10_000) },
      10_001,
    );
    assert.equal(loaded.size, 20_000);
    assert.equal(loaded.lastKey, 35_000);
    for (let i = 1; i <= 30_000; i += 7) {
      const key = keyOf(i);
      assert.equal(
        loaded.find(fps[i]!, (k) => k === key),
        key > 10_000 ? key : 0,
      );
    }
    loaded.reserve(1);
    loaded.insert(fps[0]!, 35_001);
    assert.equal(
      loaded.find(fps[0]!, (k) => k === 35_001),
      35_001,
    );
    assert.equal(loaded.size, 20_001);
  });
});
