/**
 * String matchers for event patterns (`event-pattern.ts`): case-insensitive equality, prefix
 * and suffix, and `wildcard`. Each is built once from the pattern and then tests event strings
 * without allocating, except the rare value with non-ASCII characters in the compared region,
 * which falls back to `toLowerCase()`.
 */

export type StringTest = (s: string) => boolean;

/** Why a wildcard pattern was refused (the caller adds the JSON path). */
export class WildcardSyntaxError extends Error {}

const isAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
};

/** ASCII case fold of one UTF-16 unit; -1 for anything outside ASCII (caller falls back). */
const fold = (c: number): number => (c > 127 ? -1 : c >= 65 && c <= 90 ? c | 32 : c);

/**
 * Compares `s[from, from + lower.length)` with the already lower-cased ASCII `lower`:
 * 1 equal, 0 different, -1 a non-ASCII unit was met first (answer with the slow path).
 */
function foldCompare(s: string, from: number, lower: string): number {
  for (let i = 0; i < lower.length; i++) {
    const c = fold(s.charCodeAt(from + i));
    if (c < 0) return -1;
    if (c !== lower.charCodeAt(i)) return 0;
  }
  return 1;
}

/** `s.toLowerCase() === value.toLowerCase()`, without allocating for ASCII. */
export function equalsIgnoreCase(value: string): StringTest {
  const lower = value.toLowerCase();
  if (!isAscii(lower)) return (s) => s.toLowerCase() === lower;
  return (s) => {
    if (s.length !== lower.length) return !isAscii(s) && s.toLowerCase() === lower;
    const r = foldCompare(s, 0, lower);
    return r < 0 ? s.toLowerCase() === lower : r === 1;
  };
}

/** `s.toLowerCase().startsWith(value.toLowerCase())`, without allocating for ASCII. */
export function prefixIgnoreCase(value: string): StringTest {
  const lower = value.toLowerCase();
  if (!isAscii(lower)) return (s) => s.toLowerCase().startsWith(lower);
  return (s) => {
    if (s.length < lower.length) return !isAscii(s) && s.toLowerCase().startsWith(lower);
    const r = foldCompare(s, 0, lower);
    return r < 0 ? s.toLowerCase().startsWith(lower) : r === 1;
  };
}

/** `s.toLowerCase().endsWith(value.toLowerCase())`, without allocating for ASCII. */
export function suffixIgnoreCase(value: string): StringTest {
  const lower = value.toLowerCase();
  if (!isAscii(lower)) return (s) => s.toLowerCase().endsWith(lower);
  return (s) => {
    if (s.length < lower.length) return !isAscii(s) && s.toLowerCase().endsWith(lower);
    const r = foldCompare(s, s.length - lower.length, lower);
    return r < 0 ? s.toLowerCase().endsWith(lower) : r === 1;
  };
}

/**
 * Splits a wildcard pattern into its literal parts (between unescaped `*`), following Event
 * Ruler: `\*` is a literal asterisk, `\\` a literal backslash, any other escape is refused, and
 * so are two consecutive wildcards (`**`).
 */
export function parseWildcard(pattern: string): string[] {
  const parts: string[] = [];
  let current = '';
  let lastWasStar = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\')
        throw new WildcardSyntaxError(
          `invalid escape at character ${i + 1}: a backslash escapes only "*" or "\\"`,
        );
      current += next;
      i++;
      lastWasStar = false;
    } else if (ch === '*') {
      if (lastWasStar)
        throw new WildcardSyntaxError(
          `consecutive wildcard characters at character ${i + 1} are not allowed`,
        );
      parts.push(current);
      current = '';
      lastWasStar = true;
    } else {
      current += ch;
      lastWasStar = false;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * A wildcard matcher in linear time and without backtracking: the first literal part is a
 * prefix, the last a suffix, and each middle part is found once with `indexOf`, left to right,
 * from where the previous one ended (the leftmost occurrence is always the right choice when the
 * only metacharacter is `*`).
 */
export function wildcard(pattern: string): StringTest {
  const parts = parseWildcard(pattern);
  const first = parts[0]!;
  if (parts.length === 1) return (s) => s === first;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  const minLength = parts.reduce((n, p) => n + p.length, 0);
  if (middle.length === 0) {
    return (s) => s.length >= minLength && s.startsWith(first) && s.endsWith(last);
  }
  return (s) => {
    if (s.length < minLength || !s.startsWith(first) || !s.endsWith(last)) return false;
    const end = s.length - last.length;
    let at = first.length;
    for (let i = 0; i < middle.length; i++) {
      const part = middle[i]!;
      const found = s.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}
