/**
 * What a body is, decided with the platform's own parsers (isUtf8, JSON.parse) rather than the
 * code under test: the oracle the parser properties compare against.
 */
import { isUtf8 } from 'node:buffer';

/**
 * Nesting depth of a JSON text that JSON.parse accepted: of the text, not of the value, since a
 * duplicate key can hide a deep member that the parser still had to walk through.
 */
export function textDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}

export type BodyFacts =
  | { kind: 'empty' }
  | { kind: 'invalid-utf8' }
  | { kind: 'not-json' }
  /** `depth`: of the text (textDepth). */
  | { kind: 'json'; value: unknown; depth: number };

export function bodyFacts(bytes: Buffer): BodyFacts {
  if (bytes.length === 0) return { kind: 'empty' };
  if (!isUtf8(bytes)) return { kind: 'invalid-utf8' };
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'not-json' };
  }
  return { kind: 'json', value, depth: textDepth(text) };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep equality of two parsed JSON values, without recursion (bodies nest 10,000 deep). */
export function sameJson(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) {
      if (!Object.is(x, y)) return false;
      continue;
    }
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const xs = Object.keys(x);
    const ys = Object.keys(y);
    if (xs.length !== ys.length) return false;
    for (let i = 0; i < xs.length; i++) {
      if (xs[i] !== ys[i]) return false;
      stack.push([(x as Record<string, unknown>)[xs[i]!], (y as Record<string, unknown>)[ys[i]!]]);
    }
  }
  return true;
}
