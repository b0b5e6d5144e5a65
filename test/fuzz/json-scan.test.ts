// Properties of the pre-parse scanner (src/sources/normalize/json-scan.ts), judged against
// JSON.parse: valid JSON within the depth limit is never refused, deeper JSON always is, a
// top-level array splits into exactly its elements' bytes, and nothing throws.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { scanJson, sourceTextAt } from '../../src/sources/normalize/json-scan.js';
import { corpus } from './support/corpus.js';
import { fuzz } from './support/fuzz-run.js';
import { bodyFacts, isPlainObject, sameJson } from './support/json-facts.js';
import { shown, mutatedSeed, type Mutated } from './support/mutations.js';

const seeds = [...corpus('webhook'), ...corpus('notification'), ...corpus('eventbridge')];
const SPACE = new Set([0x20, 0x0a, 0x0d, 0x09]);

const body: fc.Arbitrary<Mutated> = fc.oneof(
  { weight: 4, arbitrary: mutatedSeed(seeds) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => shown('random', [], Buffer.from(b))),
  },
);

describe('fuzz: json-scan', () => {
  test('scanJson agrees with JSON.parse and splits arrays into exact element bytes', async () => {
    await fuzz(
      'json-scan: classify and split',
      fc.property(body, fc.constantFrom(2, 3, 8, 128), ({ bytes }, maxDepth) => {
        const scan = scanJson(bytes, maxDepth);
        if (scan.ok && scan.array) {
          let last = 0;
          for (const [start, end] of scan.elements) {
            assert.ok(start >= last && start < end && end <= bytes.length, 'element in order');
            assert.ok(!SPACE.has(bytes[start]!) && !SPACE.has(bytes[end - 1]!), 'trimmed');
            last = end;
          }
        }
        const facts = bodyFacts(bytes);
        if (facts.kind !== 'json') return; // structure only: JSON.parse of each slice decides
        if (facts.depth > maxDepth) {
          assert.deepEqual(scan, { ok: false, reason: 'too-deep' });
          return;
        }
        assert.ok(scan.ok, `valid JSON of depth ${facts.depth} refused: ${JSON.stringify(scan)}`);
        assert.equal(scan.array, Array.isArray(facts.value));
        if (!scan.array || !Array.isArray(facts.value)) return;
        assert.equal(scan.elements.length, facts.value.length);
        scan.elements.forEach(([start, end], i) => {
          const element: unknown = JSON.parse(bytes.subarray(start, end).toString('utf8'));
          assert.ok(sameJson(element, (facts.value as unknown[])[i]), `element ${i} differs`);
        });
      }),
      { quick: 400 },
    );
  });

  test('sourceTextAt finds what JSON.parse finds, as the exact text sent', async () => {
    const object = mutatedSeed(seeds).filter(({ bytes }) => {
      const facts = bodyFacts(bytes);
      return facts.kind === 'json' && isPlainObject(facts.value);
    });
    await fuzz(
      'json-scan: source text of a path',
      fc.property(object, fc.nat(), fc.string({ maxLength: 6 }), ({ bytes }, pick, extra) => {
        const value = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
        const paths = keyPaths(value);
        const path = [...paths[pick % paths.length]!];
        if (pick % 5 === 0) path.push(extra); // sometimes a key that is not there
        const expected = valueAt(value, path);
        const text = sourceTextAt(bytes, path);
        if (expected.found) {
          assert.notEqual(text, undefined, `nothing at ${JSON.stringify(path)}`);
          assert.ok(sameJson(JSON.parse(text!), expected.value), `${text!.slice(0, 80)}`);
          assert.ok(bytes.includes(Buffer.from(text!)), 'a slice of the body');
        } else {
          assert.equal(text, undefined);
        }
      }),
      { quick: 300 },
    );
  });
});

/** Paths of every object member, outermost first (objects only, as ids are found). */
function keyPaths(root: Record<string, unknown>): string[][] {
  const out: string[][] = [[]];
  const stack: [Record<string, unknown>, string[]][] = [[root, []]];
  while (stack.length > 0 && out.length < 200) {
    const [node, path] = stack.pop()!;
    for (const key of Object.keys(node)) {
      const child = node[key];
      out.push([...path, key]);
      if (isPlainObject(child)) stack.push([child, [...path, key]]);
    }
  }
  return out;
}

function valueAt(root: unknown, path: readonly string[]): { found: boolean; value?: unknown } {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return { found: false };
    node = node[key];
  }
  return { found: true, value: node };
}
