/**
 * The writer's dedupe index: an open-addressing hash table (linear probing) in two typed arrays,
 * 8 bytes a slot: a 32-bit fingerprint of the id and the low 32 bits of its dedupe row key.
 * Ids are not held: a fingerprint hit is only a candidate, confirmed by the caller against the
 * stored row (`find`'s `confirm`), and a mismatch goes on probing, so the index is exact while
 * costing about 16 bytes per id (a load between 1/3 and 0.8; see docs/benchmarks.md).
 *
 * Keys rise with insertion (they are never-reused row keys) and with time, so "expired" is a
 * single floor: an entry whose key is below it is skipped without a lookup and dropped when the
 * table is rebuilt. The home slot is a function of the fingerprint alone, so the table can be
 * rebuilt, grown or shrunk without the ids.
 *
 * Pure TypeScript, no SQLite: `sqlite-dedupe.ts` persists what it needs.
 */

/** The index could not grow (allocation failed or a configured ceiling): refuse the append. */
export class DedupePressureError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DedupePressureError';
  }
}

export interface DedupeIndexOptions {
  /** Fingerprint bits kept (default 32). Tests lower it to force collisions; 0 makes all equal. */
  fingerprintBits?: number;
  /** Most slots the table may have; growth past it fails as a failed allocation would. */
  maxSlots?: number;
}

/** Entries to load, in rising key order: fingerprint i belongs to the i-th key of `runs`. */
export interface LoadEntries {
  fingerprints: Uint32Array;
  /** [first key, count] pairs of consecutive keys, covering `fingerprints` in order. */
  runs: Float64Array;
}

const MAX_LOAD = 0.8;
const TARGET_LOAD = 0.5;
// Below this load a pruned table is rebuilt smaller: 8 bytes a slot / (1/3) = 24 bytes an id.
const MIN_LOAD = 1 / 3;
const MIN_SLOTS = 1024;
// A typed array holds at most 2^32 - 1 elements.
const MAX_SLOTS = 2 ** 32 - 1;
const TWO_32 = 2 ** 32;
// Bulk loads sort entries into this many home regions (a region's slots stay in cache).
const LOAD_REGION_BITS = 12;

export class DedupeIndex {
  #fps: Uint32Array;
  #keys: Uint32Array;
  #slots: number;
  /** Occupied slots, expired entries included (they leave only at a rebuild). */
  #used = 0;
  #lastKey = 0;
  #floor = 0;
  /** Runs of consecutive keys held, as [first, last] pairs (keys are dense: one run or few). */
  #runs: Float64Array = new Float64Array(8);
  #runCount = 0;
  readonly #mask: number;
  readonly #maxSlots: number;

  constructor(options: DedupeIndexOptions = {}, slots = MIN_SLOTS) {
    const bits = options.fingerprintBits ?? 32;
    this.#mask = bits >= 32 ? 0xffffffff : (2 ** bits - 1) >>> 0;
    this.#maxSlots = Math.min(options.maxSlots ?? MAX_SLOTS, MAX_SLOTS);
    this.#slots = Math.min(Math.max(slots, MIN_SLOTS), this.#maxSlots);
    this.#fps = allocate(this.#slots);
    this.#keys = allocate(this.#slots);
  }

  /**
   * An index of the entries whose key is at least `floor`. Placing tens of millions of entries
   * in key order would touch a random cache line each, several times slower than this: one pass
   * sorts them by home region into the front of the new table itself (no extra memory), then
   * regions are placed from the last to the first, each region's entries lifted out of that
   * front first. Region b's slots start at or above where the entries of regions before b were
   * sorted to (checked; else entries are placed one by one), so nothing is overwritten unread.
   */
  static load(entries: LoadEntries, floor: number, options: DedupeIndexOptions = {}): DedupeIndex {
    const { fingerprints, runs } = entries;
    const index = new DedupeIndex(options, MIN_SLOTS);
    const mask = index.#mask;
    const regions = 2 ** LOAD_REGION_BITS;
    const shift = 32 - LOAD_REGION_BITS;
    const sizes = new Float64Array(regions);
    // The live part of each run: [first key, first index, end index) triples.
    const live: number[] = [];
    let count = 0;
    for (let r = 0, at = 0; r < runs.length / 2; r++) {
      const first = runs[2 * r]!;
      const n = runs[2 * r + 1]!;
      const skip = Math.min(n, Math.max(0, floor - first));
      if (skip < n) {
        live.push(first + skip, at + skip, at + n);
        index.#noteRun(first + skip, first + n - 1);
        count += n - skip;
        for (let j = at + skip; j < at + n; j++) {
          const b = slotFingerprint(fingerprints[j]!, mask) >>> shift;
          sizes[b] = sizes[b]! + 1;
        }
      }
      at += n;
    }
    const slots = Math.min(index.#maxSlots, Math.max(MIN_SLOTS, Math.ceil(count / TARGET_LOAD)));
    if (count > MAX_LOAD * slots) {
      throw new DedupePressureError(`${count} dedupe entries exceed the index's ceiling`);
    }
    index.#resize(slots);
    index.#floor = floor;
    const starts = new Float64Array(regions + 1);
    let largest = 0;
    let sortable = true;
    for (let b = 0; b < regions; b++) {
      starts[b + 1] = starts[b]! + sizes[b]!;
      largest = Math.max(largest, sizes[b]!);
      if (starts[b]! > index.#home((b * 2 ** shift) >>> 0)) sortable = false;
    }
    const visit = (place: (fp: number, low: number) => void) => {
      for (let l = 0; l < live.length; l += 3) {
        const first = live[l]!;
        const start = live[l + 1]! | 0;
        const end = live[l + 2]! | 0;
        for (let j = start; j < end; j++) {
          place(slotFingerprint(fingerprints[j]!, mask), (first + (j - start)) >>> 0);
        }
      }
    };
    if (!sortable) {
      visit((fp, low) => index.#placeLow(fp, low));
      return index;
    }
    const fps = index.#fps;
    const keys = index.#keys;
    const next = starts.slice(0, regions);
    visit((fp, low) => {
      const b = fp >>> shift;
      const p = next[b]!;
      next[b] = p + 1;
      fps[p] = fp;
      keys[p] = low;
    });
    const liftedFps = new Uint32Array(largest);
    const liftedKeys = new Uint32Array(largest);
    // Entries whose probe runs off the end wrap to the front, where sorted entries still wait.
    const wrapped: number[] = [];
    for (let b = regions - 1; b >= 0; b--) {
      const from = starts[b]!;
      const to = starts[b + 1]!;
      liftedFps.set(fps.subarray(from, to));
      liftedKeys.set(keys.subarray(from, to));
      fps.fill(0, from, to);
      for (let i = 0; i < to - from; i++) {
        const fp = liftedFps[i]!;
        let s = index.#home(fp);
        while (s < slots && fps[s] !== 0) s++;
        if (s === slots) {
          wrapped.push(fp, liftedKeys[i]!);
          continue;
        }
        fps[s] = fp;
        keys[s] = liftedKeys[i]!;
        index.#used++;
      }
    }
    for (let w = 0; w < wrapped.length; w += 2) index.#placeLow(wrapped[w]!, wrapped[w + 1]!);
    return index;
  }

  /** Unexpired ids held. */
  get size(): number {
    let n = 0;
    for (let r = 0; r < this.#runCount; r++) {
      const first = Math.max(this.#runs[2 * r]!, this.#floor);
      const last = this.#runs[2 * r + 1]!;
      if (last >= first) n += last - first + 1;
    }
    return n;
  }

  /** Memory held by the table. */
  get bytes(): number {
    return this.#fps.byteLength + this.#keys.byteLength + this.#runs.byteLength;
  }

  get slots(): number {
    return this.#slots;
  }

  get lastKey(): number {
    return this.#lastKey;
  }

  /**
   * The key of the entry for `fingerprint` that `confirm` accepts, or 0. `confirm` is called
   * only for unexpired entries with the same fingerprint, in probe order.
   */
  find(fingerprint: number, confirm: (key: number) => boolean): number {
    const fp = this.#fingerprint(fingerprint);
    const fps = this.#fps;
    let s = this.#home(fp);
    for (;;) {
      const v = fps[s]!;
      if (v === 0) return 0;
      if (v === fp) {
        const key = this.#fullKey(this.#keys[s]!);
        if (key >= this.#floor && confirm(key)) return key;
      }
      s = s + 1 === this.#slots ? 0 : s + 1;
    }
  }

  /**
   * Makes room for `n` more entries so that `insert` never allocates: grows (or compacts away
   * expired entries) now, before the caller commits anything. Throws DedupePressureError.
   */
  reserve(n: number): void {
    if (this.#runs.length < 2 * (this.#runCount + n)) {
      this.#runs = copyGrown(this.#runs, 2 * (this.#runCount + n) * 2);
    }
    if (this.#used + n <= MAX_LOAD * this.#slots) return;
    const needed = this.size + n;
    const slots = Math.min(this.#maxSlots, Math.max(MIN_SLOTS, Math.ceil(needed / TARGET_LOAD)));
    if (needed > MAX_LOAD * slots) {
      throw new DedupePressureError(
        `the dedupe index cannot hold ${needed} ids (at most ${Math.floor(MAX_LOAD * slots)})`,
      );
    }
    this.#rebuild(slots);
  }

  /** Adds an entry whose key is above every key held. Never allocates after `reserve`. */
  insert(fingerprint: number, key: number): void {
    this.#place(fingerprint, key);
    this.#noteRun(key, key);
  }

  /** Entries with a key below `floor` are expired from now on; a mostly empty table shrinks. */
  expireBefore(floor: number): void {
    if (floor <= this.#floor) return;
    this.#floor = floor;
    let kept = 0;
    for (let r = 0; r < this.#runCount; r++) {
      if (this.#runs[2 * r + 1]! < floor) continue;
      this.#runs[2 * kept] = this.#runs[2 * r]!;
      this.#runs[2 * kept + 1] = this.#runs[2 * r + 1]!;
      kept++;
    }
    this.#runCount = kept;
    const live = this.size;
    if (this.#slots > MIN_SLOTS && live < MIN_LOAD * this.#slots) {
      try {
        this.#rebuild(Math.max(MIN_SLOTS, Math.ceil(live / TARGET_LOAD)));
      } catch (err) {
        // Shrinking is an economy; without memory for the copy the larger table stays.
        if (!(err instanceof DedupePressureError)) throw err;
      }
    }
  }

  #rebuild(slots: number): void {
    const oldFps = this.#fps;
    const oldKeys = this.#keys;
    const oldSlots = this.#slots;
    this.#resize(slots);
    // Old slots in order are nearly sorted by home (it rises with the fingerprint), so the new
    // table is written almost sequentially.
    for (let s = 0; s < oldSlots; s++) {
      const v = oldFps[s]!;
      if (v !== 0 && this.#fullKey(oldKeys[s]!) >= this.#floor) this.#placeLow(v, oldKeys[s]!);
    }
  }

  /** Empty tables of `slots` (the old ones stay if allocation fails). */
  #resize(slots: number): void {
    if (slots > this.#maxSlots) {
      throw new DedupePressureError(`${slots} slots exceed the index's ceiling`);
    }
    let fps: Uint32Array;
    let keys: Uint32Array;
    try {
      fps = allocate(slots);
      keys = allocate(slots);
    } catch (err) {
      throw new DedupePressureError(`the dedupe index could not grow to ${slots} slots`, {
        cause: err,
      });
    }
    this.#fps = fps;
    this.#keys = keys;
    this.#slots = slots;
    this.#used = 0;
  }

  #place(fingerprint: number, key: number): void {
    this.#placeLow(this.#fingerprint(fingerprint), key >>> 0);
  }

  /** Writes an already-masked fingerprint and a key's low 32 bits into the first free slot. */
  #placeLow(fp: number, low: number): void {
    const fps = this.#fps;
    let s = this.#home(fp);
    while (fps[s] !== 0) s = s + 1 === this.#slots ? 0 : s + 1;
    fps[s] = fp;
    this.#keys[s] = low;
    this.#used++;
  }

  /** Records the keys [first, last], above every key held; room was made by `reserve`. */
  #noteRun(first: number, last: number): void {
    if (last > this.#lastKey) this.#lastKey = last;
    const prev = this.#runCount - 1;
    if (prev >= 0 && this.#runs[2 * prev + 1] === first - 1) {
      this.#runs[2 * prev + 1] = last;
      return;
    }
    if (this.#runs.length < 2 * (this.#runCount + 1)) {
      this.#runs = copyGrown(this.#runs, this.#runs.length * 2);
    }
    this.#runs[2 * this.#runCount] = first;
    this.#runs[2 * this.#runCount + 1] = last;
    this.#runCount++;
  }

  #fingerprint(fp: number): number {
    return slotFingerprint(fp, this.#mask);
  }

  /** Maps the fingerprint onto [0, slots) by its high bits (monotonic: regions follow buckets). */
  #home(fp: number): number {
    return Math.floor((fp / TWO_32) * this.#slots);
  }

  /** The full key from its low 32 bits: the nearest key at or below the highest key held. */
  #fullKey(low: number): number {
    return this.#lastKey - ((this.#lastKey - low) % TWO_32);
  }
}

/** The fingerprint as a slot holds it: cut to the configured bits, never 0 (an empty slot). */
function slotFingerprint(fp: number, mask: number): number {
  const v = (fp & mask) >>> 0;
  return v === 0 ? 1 : v;
}

function allocate(slots: number): Uint32Array {
  if (slots > MAX_SLOTS) throw new RangeError(`${slots} slots exceed a typed array`);
  return new Uint32Array(slots);
}

function copyGrown(runs: Float64Array, length: number): Float64Array {
  const grown = new Float64Array(length);
  grown.set(runs);
  return grown;
}
