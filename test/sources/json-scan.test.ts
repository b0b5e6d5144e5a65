import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scanJson, sourceTextAt } from '../../src/sources/normalize/json-scan.js';

const scan = (s: string, depth = 64) => scanJson(Buffer.from(s), depth);
const slices = (s: string) => {
  const r = scan(s);
  assert.ok(r.ok && r.array);
  return r.elements.map(([a, b]) => s.slice(a, b));
};

describe('scanJson', () => {
  test('splits a top-level array into exact element slices', () => {
    assert.deepEqual(slices('[{"a":1},{"b":[1,2,{"c":"]"}]}]'), [
      '{"a":1}',
      '{"b":[1,2,{"c":"]"}]}',
    ]);
    assert.deepEqual(slices(' [ {"a":"x,\\"y"} ,\n\t{"b":2}\n] '), ['{"a":"x,\\"y"}', '{"b":2}']);
    assert.deepEqual(slices('[1, "two", null, [3]]'), ['1', '"two"', 'null', '[3]']);
    assert.deepEqual(slices('[]'), []);
    assert.deepEqual(slices('["\\\\"]'), ['"\\\\"']);
  });

  test('reports a single value as not an array', () => {
    assert.deepEqual(scan('{"a":[1,2]}'), { ok: true, array: false });
    assert.deepEqual(scan('42'), { ok: true, array: false });
  });

  test('leaves single values with few openers to JSON.parse (it validates them anyway)', () => {
    assert.deepEqual(scan('{"a":"unterminated}'), { ok: true, array: false });
  });

  test('rejects broken array structure', () => {
    for (const bad of [
      '',
      '   ',
      '[{"a":1}',
      '[{"a":1},]',
      '[,{"a":1}]',
      '[{"a":1}] x',
      '[{"a":"unterminated}]',
      '[{"a":1}]]',
      '[}',
    ]) {
      assert.deepEqual(scan(bad), { ok: false, reason: 'not-json' }, bad);
    }
  });

  test('stops at the depth limit without recursion', () => {
    assert.deepEqual(scan('['.repeat(65) + ']'.repeat(65)), { ok: false, reason: 'too-deep' });
    assert.equal(scan('['.repeat(64) + ']'.repeat(64)).ok, true);
    const huge = '{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000);
    assert.deepEqual(scan(huge, 128), { ok: false, reason: 'too-deep' });
  });

  test('sourceTextAt gives the exact text of a value at a key path (last duplicate wins)', () => {
    const at = (text: string, ...path: string[]) => sourceTextAt(Buffer.from(text), path);
    assert.equal(at('{"id":9007199254740993}', 'id'), '9007199254740993');
    assert.equal(
      at(' { "a" : { "b\\"" : 1, "c": ["}", {"d":"\\\\"}], "d" : 1.50E+3 } } ', 'a', 'd'),
      '1.50E+3',
    );
    assert.equal(at('{"a":{"b":1},"a":{"b":-0}}', 'a', 'b'), '-0');
    assert.equal(at('{"\\u0061":7}', 'a'), '7');
    assert.equal(at('{"a":"x"}', 'a'), '"x"');
    assert.equal(at('{"a":[1]}', 'a', 'b'), undefined);
    assert.equal(at('{"a":1}', 'b'), undefined);
    assert.equal(at('[{"a":1}]', 'a'), undefined);
  });
});
