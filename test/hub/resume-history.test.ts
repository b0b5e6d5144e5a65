import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, test } from 'node:test';
import type { Item } from '../../src/hub/hub-items.js';
import { ResumeHistory } from '../../src/hub/resume-history.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('resume history', () => {
  test('keeps exactly the last changes within the limit, in order', () => {
    const history = new ResumeHistory(10);
    for (let offset = 1; offset <= 100; offset++) history.remember(offset, [{} as Item]);
    const seen: number[] = [];
    history.forEachAfter(0, (entry) => seen.push(entry.offset));
    assert.deepEqual(seen, [91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
    assert.equal(history.base, 90);
  });

  // The soak found the window holding up to 4,096 dropped batches until its bulk splice:
  // 900 MB for a 100,000-change window fed 200 changes per batch.
  test('changes that leave the window are released at once, not at the next bulk splice', async () => {
    const history = new ResumeHistory(10);
    const refs: WeakRef<object>[] = [];
    (() => {
      for (let offset = 1; offset <= 100; offset++) {
        const item = { payload: 'x'.repeat(1024) } as unknown as Item;
        refs.push(new WeakRef(item));
        history.remember(offset, [item]);
      }
    })();
    await tick();
    gc();
    const alive = refs.map((r) => r.deref() !== undefined);
    assert.equal(alive.slice(0, 90).filter(Boolean).length, 0, 'dropped changes still held');
    assert.equal(alive.slice(90).filter(Boolean).length, 10, 'the window lost changes');
  });
});
