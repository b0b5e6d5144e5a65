/**
 * One pass over raw JSON bytes, before any parsing: measures nesting depth (so a hostile body
 * cannot make later code recurse without bound) and, for a top-level array, finds each
 * element's exact byte range so every event keeps its own bytes as received.
 * It checks structure only; each slice is still validated by JSON.parse.
 */
export type JsonScan =
  | { ok: true; array: false }
  | { ok: true; array: true; elements: [start: number, end: number][] }
  | { ok: false; reason: 'too-deep' | 'not-json' };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const COMMA = 0x2c;

/** Number of `{` and `[` bytes, counting no further than `stopAt`. */
function countOpeners(buf: Buffer, stopAt: number): number {
  let count = 0;
  for (const opener of [OPEN_OBJ, OPEN_ARR]) {
    for (
      let at = buf.indexOf(opener);
      at !== -1 && count < stopAt;
      at = buf.indexOf(opener, at + 1)
    ) {
      count++;
    }
  }
  return count;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export function scanJson(buf: Buffer, maxDepth: number): JsonScan {
  const n = buf.length;
  let i = 0;
  while (i < n && isSpace(buf[i] as number)) i++;
  if (i === n) return { ok: false, reason: 'not-json' };
  const topIsArray = buf[i] === OPEN_ARR;
  // A single value can nest no deeper than it has openers; counting them with the native
  // indexOf is far cheaper than walking every byte, and typical events have a few dozen.
  if (!topIsArray && countOpeners(buf, maxDepth + 1) <= maxDepth) return { ok: true, array: false };
  const elements: [number, number][] = [];
  let depth = 0;
  if (topIsArray) {
    depth = 1;
    i++;
  }
  let inString = false;
  let elementStart = -1;
  let lastNonSpace = -1;
  let closed = false;

  for (; i < n; i++) {
    const b = buf[i] as number;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      lastNonSpace = i;
      continue;
    }
    if (isSpace(b)) continue;
    if (closed) return { ok: false, reason: 'not-json' }; // content after the top-level value
    if (topIsArray && depth === 1) {
      if (b === COMMA) {
        if (elementStart < 0) return { ok: false, reason: 'not-json' };
        elements.push([elementStart, lastNonSpace + 1]);
        elementStart = -1;
        continue;
      }
      if (b === CLOSE_ARR) {
        if (elementStart >= 0) elements.push([elementStart, lastNonSpace + 1]);
        else if (elements.length > 0) return { ok: false, reason: 'not-json' }; // trailing comma
        depth = 0;
        closed = true;
        continue;
      }
      if (b === CLOSE_OBJ) return { ok: false, reason: 'not-json' };
      if (elementStart < 0) elementStart = i;
    }
    if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_OBJ || b === OPEN_ARR) {
      depth++;
      if (depth > maxDepth) return { ok: false, reason: 'too-deep' };
    } else if (b === CLOSE_OBJ || b === CLOSE_ARR) {
      depth--;
      if (depth < 0) return { ok: false, reason: 'not-json' };
      if (depth === 0) closed = true;
    }
    lastNonSpace = i;
  }
  if (inString || depth !== 0) return { ok: false, reason: 'not-json' };
  return topIsArray ? { ok: true, array: true, elements } : { ok: true, array: false };
}

const COLON = 0x3a;

/**
 * The exact source text of the value at `path` (object keys, outermost first) in a JSON text
 * that JSON.parse has already accepted; undefined when the path is not there. JSON.parse turns
 * a number into a double, so `9007199254740993` and `…992` (or `1.0` and `1`) would read the
 * same; an id needs the digits as sent. Like JSON.parse, the last of duplicate keys wins.
 */
export function sourceTextAt(buf: Uint8Array, path: readonly string[]): string | undefined {
  let at = skipSpace(buf, 0);
  for (const key of path) {
    if (buf[at] !== OPEN_OBJ) return undefined;
    const wanted = Buffer.from(JSON.stringify(key));
    let found = -1;
    at = skipSpace(buf, at + 1);
    while (buf[at] === QUOTE) {
      const keyEnd = skipValue(buf, at);
      const matches = keyEquals(buf, at, keyEnd, wanted);
      at = skipSpace(buf, keyEnd);
      if (buf[at] !== COLON) return undefined;
      const valueStart = skipSpace(buf, at + 1);
      if (matches) found = valueStart;
      at = skipSpace(buf, skipValue(buf, valueStart));
      if (buf[at] === COMMA) at = skipSpace(buf, at + 1);
    }
    if (found < 0) return undefined;
    at = found;
  }
  return Buffer.from(buf.buffer, buf.byteOffset + at, skipValue(buf, at) - at).toString('utf8');
}

function skipSpace(buf: Uint8Array, at: number): number {
  while (at < buf.length && isSpace(buf[at] as number)) at++;
  return at;
}

/** The index just past the value starting at `at` (valid JSON assumed; never recurses). */
function skipValue(buf: Uint8Array, at: number): number {
  const n = buf.length;
  const first = buf[at];
  if (first !== QUOTE && first !== OPEN_OBJ && first !== OPEN_ARR) {
    while (at < n) {
      const b = buf[at] as number;
      if (b === COMMA || b === CLOSE_OBJ || b === CLOSE_ARR || isSpace(b)) break;
      at++;
    }
    return at;
  }
  let depth = 0;
  let inString = false;
  for (; at < n; at++) {
    const b = buf[at] as number;
    if (inString) {
      if (b === BACKSLASH) at++;
      else if (b === QUOTE) {
        inString = false;
        if (depth === 0) return at + 1;
      }
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_OBJ || b === OPEN_ARR) depth++;
    else if (b === CLOSE_OBJ || b === CLOSE_ARR) {
      if (--depth === 0) return at + 1;
    }
  }
  return n;
}

/** Whether the JSON string token [start, end) is `wanted` (itself a JSON string token). */
function keyEquals(buf: Uint8Array, start: number, end: number, wanted: Buffer): boolean {
  const token = Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
  if (token.equals(wanted)) return true;
  // The same key may be written with escapes (`"\u0069d"` is `"id"`).
  return (
    token.includes(BACKSLASH) &&
    JSON.parse(token.toString('utf8')) === JSON.parse(wanted.toString())
  );
}
