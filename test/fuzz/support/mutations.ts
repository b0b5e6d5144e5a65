/**
 * Mutations of corpus inputs, as fast-check arbitraries so that a failure shrinks to the fewest
 * and simplest edits of one seed. Two families:
 * - bytes: flip, set, insert (NUL, invalid UTF-8, a CESU-encoded lone surrogate, a BOM, JSON
 *   punctuation), delete, truncate, duplicate;
 * - JSON structure, on a tree that can hold what JSON.parse cannot give back: duplicate keys,
 *   "__proto__" / "constructor" keys, numbers past 2^53 or past a double, lone surrogates, NUL,
 *   very long strings, nesting 10,000 deep.
 */
import fc from 'fast-check';
import type { CorpusEntry } from './corpus.js';

/** A JSON text as a tree whose leaves are source text, so any token can be planted. */
export type JsonTree =
  | { kind: 'object'; entries: [key: string, value: JsonTree][] }
  | { kind: 'array'; items: JsonTree[] }
  | { kind: 'raw'; text: string };

export function toTree(value: unknown): JsonTree {
  if (Array.isArray(value)) return { kind: 'array', items: value.map(toTree) };
  if (typeof value === 'object' && value !== null) {
    return { kind: 'object', entries: Object.entries(value).map(([k, v]) => [k, toTree(v)]) };
  }
  return { kind: 'raw', text: JSON.stringify(value) };
}

export function serialize(tree: JsonTree): string {
  switch (tree.kind) {
    case 'raw':
      return tree.text;
    case 'array':
      return `[${tree.items.map(serialize).join(',')}]`;
    case 'object':
      return `{${tree.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(',')}}`;
  }
}

const deepArray = (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`;
const deepObject = (d: number) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`;
/** Depths around the default limit (128) and far past it. */
const DEPTHS = [2, 64, 126, 127, 128, 129, 1000, 10_000];

/** JSON tokens a hostile sender would try, as source text. */
const HOSTILE_TOKENS = [
  '9007199254740993',
  '9007199254740992',
  '-9007199254740993',
  '123456789012345678901234567890',
  '1e309',
  '-1e309',
  '1e-400',
  '-0',
  '1.0',
  '0.1e1',
  '"\\ud800"',
  '"\\udfff"',
  '"x\\ud83dy"',
  '"\\u0000"',
  '"a\\u0000b"',
  '" x"',
  '"x "',
  '""',
  '"   "',
  '"\\u2028\\u2029"',
  '"\\ufeffid"',
  '"<script>alert(1)</script>"',
  '"2026-11-23T10:00:00.000Z"',
  '"99999-01-01T00:00:00Z"',
  '1795428000000',
  '"1795428000000"',
  'null',
  'true',
  '{}',
  '[]',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"__proto__":[]}',
];

const longString = fc
  .constantFrom(513, 4096, 65_536, 300_000)
  .map((n) => JSON.stringify('x'.repeat(n)));

/** A JSON value as source text, from the hostile list or generated. */
export const hostileToken: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_TOKENS) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: 'binary', maxLength: 24 }).map((s) => JSON.stringify(s)),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...DEPTHS)
      .chain((d) => fc.constantFrom(deepArray(d), deepObject(d))),
  },
  { weight: 1, arbitrary: longString },
);

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''];

export type JsonOp = {
  op: 'replace' | 'addKey' | 'dupKey' | 'removeKey' | 'wrapArray' | 'wrapDeep' | 'swapType';
  /** Which node (pre-order index, modulo the number of nodes that may change). */
  site: number;
  /** Which entry or position within the node. */
  pick: number;
  key: string;
  token: string;
  depth: number;
};

export function jsonOp(keys: fc.Arbitrary<string> = defaultKeys): fc.Arbitrary<JsonOp> {
  return fc.record({
    op: fc.constantFrom(
      'replace',
      'addKey',
      'dupKey',
      'removeKey',
      'wrapArray',
      'wrapDeep',
      'swapType',
    ),
    site: fc.nat(),
    pick: fc.nat(),
    key: keys,
    token: hostileToken,
    depth: fc.constantFrom(...DEPTHS),
  });
}

const defaultKeys = fc.oneof(
  fc.constantFrom(...HOSTILE_KEYS, 'id', 'topicName', 'metadata', 'detail', 'eventBody'),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

/** Keys that cannot change which shape (webhook, Notification, EventBridge) a body has. */
export const payloadKeys = fc.oneof(
  fc.constantFrom(...HOSTILE_KEYS, 'name', 'userId', 'queueId', 'state', 'eventTime'),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

type Path = (string | number)[];
interface Site {
  node: JsonTree;
  path: Path;
  set: (replacement: JsonTree) => void;
}

function sites(root: { tree: JsonTree }): Site[] {
  const out: Site[] = [];
  const visit = (node: JsonTree, path: Path, set: Site['set']) => {
    out.push({ node, path, set });
    if (node.kind === 'object') {
      node.entries.forEach((entry) => visit(entry[1], [...path, entry[0]], (r) => (entry[1] = r)));
    } else if (node.kind === 'array') {
      node.items.forEach((item, i) => visit(item, [...path, i], (r) => (node.items[i] = r)));
    }
  };
  visit(root.tree, [], (r) => (root.tree = r));
  return out;
}

/**
 * Applies `ops` to a copy of `tree`. `mayChange(path)` says which nodes are fair game (the
 * ingest model keeps the id and shape keys as they are); by default every node is.
 */
export function applyJsonOps(
  tree: JsonTree,
  ops: readonly JsonOp[],
  mayChange: (path: Path) => boolean = () => true,
): JsonTree {
  const root = { tree: structuredClone(tree) };
  for (const o of ops) {
    const candidates = sites(root).filter((s) => mayChange(s.path));
    if (candidates.length === 0) break;
    const site = candidates[o.site % candidates.length]!;
    const { node } = site;
    const leaf: JsonTree = { kind: 'raw', text: o.token };
    switch (o.op) {
      case 'replace':
        site.set(leaf);
        break;
      case 'addKey':
        if (node.kind === 'object') {
          node.entries.splice(o.pick % (node.entries.length + 1), 0, [o.key, leaf]);
        } else site.set(leaf);
        break;
      case 'dupKey':
        // The same key twice: JSON.parse keeps the last, a hand-written scanner may keep the first.
        if (node.kind === 'object' && node.entries.length > 0) {
          const [key] = node.entries[o.pick % node.entries.length]!;
          node.entries.splice(o.pick % (node.entries.length + 1), 0, [key, leaf]);
        } else site.set(leaf);
        break;
      case 'removeKey':
        if (node.kind === 'object' && node.entries.length > 0) {
          node.entries.splice(o.pick % node.entries.length, 1);
        } else if (node.kind === 'array' && node.items.length > 0) {
          node.items.splice(o.pick % node.items.length, 1);
        }
        break;
      case 'wrapArray':
        site.set({ kind: 'array', items: [node, structuredClone(node)] });
        break;
      case 'wrapDeep': {
        const text = serialize(node);
        site.set({ kind: 'raw', text: `${'['.repeat(o.depth)}${text}${']'.repeat(o.depth)}` });
        break;
      }
      case 'swapType':
        if (node.kind === 'object')
          site.set({ kind: 'array', items: node.entries.map((e) => e[1]) });
        else if (node.kind === 'array') {
          site.set({ kind: 'object', entries: node.items.map((v, i) => [String(i), v]) });
        } else site.set({ kind: 'raw', text: JSON.stringify(node.text) });
        break;
    }
  }
  return root.tree;
}

/** Bytes a hostile or broken sender puts in a body. */
const SPECIAL_BYTES: number[][] = [
  [0x00],
  [0xff],
  [0xed, 0xa0, 0x80], // a lone surrogate, CESU-8: not UTF-8
  [0xc0, 0xaf], // overlong "/"
  [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
  [0xef, 0xbb, 0xbf], // BOM
  [0xe2, 0x80, 0xa8], // U+2028
  [0x22],
  [0x5c],
  [0x7b],
  [0x7d],
  [0x5b],
  [0x5d],
  [0x2c],
  [0x3a],
];

export type ByteOp = {
  op: 'flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'duplicate';
  at: number;
  len: number;
  bytes: number[];
};

export const byteOp: fc.Arbitrary<ByteOp> = fc.record({
  op: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'duplicate'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 64 }),
  bytes: fc.oneof(
    fc.constantFrom(...SPECIAL_BYTES),
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
  ),
});

export function applyByteOps(input: Buffer, ops: readonly ByteOp[]): Buffer {
  let buf = Buffer.from(input);
  for (const o of ops) {
    const at = o.at % (buf.length + 1);
    const end = Math.min(buf.length, at + o.len);
    const bytes = Buffer.from(o.bytes);
    switch (o.op) {
      case 'flip':
        if (at < buf.length) buf[at] = buf[at]! ^ (o.bytes[0]! || 0x20);
        break;
      case 'set':
        buf = Buffer.concat([buf.subarray(0, at), bytes, buf.subarray(at + bytes.length)]);
        break;
      case 'insert':
        buf = Buffer.concat([buf.subarray(0, at), bytes, buf.subarray(at)]);
        break;
      case 'delete':
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(end)]);
        break;
      case 'truncate':
        buf = buf.subarray(0, at);
        break;
      case 'duplicate':
        buf = Buffer.concat([buf.subarray(0, end), buf.subarray(at, end), buf.subarray(end)]);
        break;
    }
  }
  return buf;
}

export interface Mutated {
  /** The seed and the edits, for the counterexample. */
  name: string;
  bytes: Buffer;
}

/** How a counterexample prints: the seed, the edits, and the start of the bytes as text. */
export function shown(name: string, edits: unknown, bytes: Buffer): Mutated {
  return {
    name,
    bytes,
    [fc.toStringMethod]: () => {
      const text = bytes.toString('latin1');
      const shown = text.length > 400 ? `${text.slice(0, 400)}… (${bytes.length} bytes)` : text;
      const short = (_: string, v: unknown) =>
        typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…(${v.length} chars)` : v;
      return `${name} ${JSON.stringify(edits, short)}\n  bytes: ${JSON.stringify(shown)}`;
    },
  } as Mutated;
}

/**
 * A corpus seed, as it is or with a few byte or structure edits. Seeds that are not JSON get
 * byte edits only.
 */
export function mutatedSeed(entries: readonly CorpusEntry[]): fc.Arbitrary<Mutated> {
  return fc
    .tuple(
      fc.nat({ max: entries.length - 1 }),
      fc.oneof(
        { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
        {
          weight: 3,
          arbitrary: fc.record({
            kind: fc.constant('bytes' as const),
            ops: fc.array(byteOp, { minLength: 1, maxLength: 4 }),
          }),
        },
        {
          weight: 4,
          arbitrary: fc.record({
            kind: fc.constant('json' as const),
            ops: fc.array(jsonOp(), { minLength: 1, maxLength: 4 }),
          }),
        },
      ),
    )
    .map(([index, mutation]) => {
      const seed = entries[index]!;
      if (mutation.kind === 'none') return shown(seed.name, [], seed.bytes);
      if (mutation.kind === 'bytes') {
        return shown(seed.name, mutation.ops, applyByteOps(seed.bytes, mutation.ops));
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(seed.bytes.toString('utf8'));
      } catch {
        return shown(seed.name, [], seed.bytes);
      }
      const tree = applyJsonOps(toTree(parsed), mutation.ops);
      return shown(seed.name, mutation.ops, Buffer.from(serialize(tree)));
    });
}
