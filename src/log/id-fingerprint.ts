/**
 * 32-bit fingerprints of event ids for the dedupe index: HalfSipHash-2-4 (Aumasson and
 * Bernstein's keyed hash, the 32-bit variant) of the id's UTF-8 bytes under a random key kept
 * with the database. Keyed because ids come from outside: with a public hash anyone could send
 * ids sharing one fingerprint, and each shared fingerprint costs a row lookup to tell apart.
 */

const encoder = new TextEncoder();

export class IdFingerprint {
  readonly #k0: number;
  readonly #k1: number;
  #scratch = new Uint8Array(256);

  /** `key`: 8 bytes. */
  constructor(key: Uint8Array) {
    if (key.byteLength !== 8) throw new RangeError('a fingerprint key is 8 bytes');
    this.#k0 = readLe32(key, 0);
    this.#k1 = readLe32(key, 4);
  }

  /**
   * The id's fingerprint. Lone surrogates encode as U+FFFD, as SQLite stores them, so an id read
   * back from the database has the fingerprint it had when it arrived.
   */
  of(id: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (id.length * 3 > this.#scratch.byteLength) {
      this.#scratch = new Uint8Array(Math.max(id.length * 3, this.#scratch.byteLength * 2));
    }
    const { written } = encoder.encodeInto(id, this.#scratch);
    return halfSipHash24(this.#k0, this.#k1, this.#scratch, written);
  }
}

/**
 * HalfSipHash-2-4 with a 32-bit output over `bytes[0, length)`; the key as two LE words.
 * The SipRound is written out in both loops on purpose: a helper would have to return four state
 * words per call, and this runs for every id appended and every id loaded at start.
 */
export function halfSipHash24(k0: number, k1: number, bytes: Uint8Array, length: number): number {
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = (0x6c796765 ^ k0) | 0;
  let v3 = (0x74656462 ^ k1) | 0;
  const end = length - (length % 4);
  for (let i = 0; i <= end; i += 4) {
    let m: number;
    if (i < end) {
      m = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    } else {
      // The last word: the remaining bytes and the length's low byte on top.
      m = (length & 0xff) << 24;
      const left = length - end;
      if (left >= 3) m |= bytes[i + 2]! << 16;
      if (left >= 2) m |= bytes[i + 1]! << 8;
      if (left >= 1) m |= bytes[i]!;
    }
    v3 ^= m;
    for (let r = 0; r < 2; r++) {
      v0 = (v0 + v1) | 0;
      v1 = rotl(v1, 5) ^ v0;
      v0 = rotl(v0, 16);
      v2 = (v2 + v3) | 0;
      v3 = rotl(v3, 8) ^ v2;
      v0 = (v0 + v3) | 0;
      v3 = rotl(v3, 7) ^ v0;
      v2 = (v2 + v1) | 0;
      v1 = rotl(v1, 13) ^ v2;
      v2 = rotl(v2, 16);
    }
    v0 ^= m;
  }
  v2 ^= 0xff;
  for (let r = 0; r < 4; r++) {
    v0 = (v0 + v1) | 0;
    v1 = rotl(v1, 5) ^ v0;
    v0 = rotl(v0, 16);
    v2 = (v2 + v3) | 0;
    v3 = rotl(v3, 8) ^ v2;
    v0 = (v0 + v3) | 0;
    v3 = rotl(v3, 7) ^ v0;
    v2 = (v2 + v1) | 0;
    v1 = rotl(v1, 13) ^ v2;
    v2 = rotl(v2, 16);
  }
  return (v1 ^ v3) >>> 0;
}

function rotl(x: number, b: number): number {
  return (x << b) | (x >>> (32 - b));
}

function readLe32(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
  );
}
