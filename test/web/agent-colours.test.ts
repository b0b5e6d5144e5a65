/**
 * Issue 15 point 5 (wallboard side): org-defined presences each get a colour of their own, with
 * enough contrast to be seen on light and dark surfaces; offline agents are left out of the top
 * of "longest in state".
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  CUSTOM_STATE_PALETTE,
  STATE_ORDER,
  customStateIndex,
  selectAgents,
  stateClass,
} from '../../web/src/lib/agents.js';
import { agent } from './fixtures.js';

const lin = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map(lin) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}
/** CIE L*a*b* (D65) distance, CIE76: about 2.3 is just noticeable; 20 is plainly different. */
function lab(hex: string): [number, number, number] {
  const [r, g, b] = rgb(hex).map(lin) as [number, number, number];
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = f((r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047);
  const y = f(r * 0.2126 + g * 0.7152 + b * 0.0722);
  const z = f((r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}
const deltaE = (a: string, b: string) => {
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
};

/** Surfaces a cell or swatch sits on (styles.css): light, warn and alert tints, dark, TV. */
const SURFACES = ['#ffffff', '#fef3c7', '#fee2e2', '#181c23', '#12161c'];
/** The bucket colours of the built-in states (styles.css `--state-*`). */
const BUCKETS = ['#16a34a', '#7c3aed', '#2563eb', '#0891b2', '#dc2626', '#d97706', '#8b93a1'];

describe('colours of org-defined presences', () => {
  test('at least 8 hues, each 3:1 (WCAG 1.4.11) on every surface, apart from each other and from the buckets', () => {
    assert.ok(CUSTOM_STATE_PALETTE.length >= 8);
    for (const c of CUSTOM_STATE_PALETTE) {
      for (const s of SURFACES) {
        assert.ok(contrast(c, s) >= 3, `${c} on ${s}: ${contrast(c, s).toFixed(2)}`);
      }
      for (const d of CUSTOM_STATE_PALETTE) {
        if (d !== c) assert.ok(deltaE(c, d) >= 20, `${c} vs ${d}: ΔE ${deltaE(c, d).toFixed(1)}`);
      }
      for (const b of BUCKETS) {
        assert.ok(deltaE(c, b) >= 15, `${c} vs bucket ${b}: ΔE ${deltaE(c, b).toFixed(1)}`);
      }
    }
  });

  test('styles.css defines each palette slot with the same colour', () => {
    const css = readFileSync(new URL('../../web/src/styles.css', import.meta.url), 'utf8');
    CUSTOM_STATE_PALETTE.forEach((colour, i) => {
      const rule = new RegExp(`\\.state-custom-${i}\\s*\\{\\s*--state-color:\\s*${colour};`, 'i');
      assert.match(css, rule, `.state-custom-${i}`);
    });
  });

  test('built-in states keep their bucket colour; org labels get a stable slot', () => {
    for (const label of [...STATE_ORDER, 'Offline', 'Off Queue']) {
      assert.equal(customStateIndex(label), undefined, label);
      assert.doesNotMatch(stateClass(label), /state-custom/);
    }
    assert.equal(stateClass('Idle'), 'state-idle');
    const coaching = customStateIndex('Coaching');
    assert.ok(coaching !== undefined);
    assert.equal(customStateIndex('coaching'), coaching, 'labels equal under labelKey agree');
    assert.equal(customStateIndex(' Coaching '), coaching);
    assert.equal(stateClass('Coaching'), `state-coaching state-custom state-custom-${coaching}`);
    assert.equal(customStateIndex(''), undefined);
  });

  test('up to the palette size, different org labels get different colours, other scripts too', () => {
    // One page's labels (this test process is the page): 'Coaching' above took its slot first.
    const labels = [
      'Coaching',
      'Project Work',
      'Admin',
      'Outbound Campaign',
      'Team Huddle',
      'Pause déjeuner',
      '休憩',
      '会議',
      'Mentoring',
    ];
    assert.equal(labels.length, CUSTOM_STATE_PALETTE.length);
    const slots = labels.map((l) => customStateIndex(l));
    assert.equal(new Set(slots).size, labels.length, `distinct: ${slots.join(',')}`);
    assert.deepEqual(
      labels.map((l) => customStateIndex(l)),
      slots,
      'a label keeps its colour',
    );
    // Past the palette, colours are shared, still from the palette.
    const extra = customStateIndex('Email Backlog');
    assert.ok(extra !== undefined && extra >= 0 && extra < CUSTOM_STATE_PALETTE.length);
  });
});

describe("'longest in state' leaves offline agents last", () => {
  test('an agent offline since long ago comes after everyone logged in', () => {
    const agents = [
      agent('a', { name: 'Ann', label: 'Idle', since: '2026-11-23T09:00:00Z' }),
      agent('b', {
        name: 'Ben',
        label: 'Offline',
        presence: 'OFFLINE',
        loggedIn: false,
        since: '2026-11-20T09:00:00Z',
      }),
      agent('c', { name: 'Cat', label: 'Coaching', since: '2026-11-23T08:00:00Z' }),
      agent('d', {
        name: 'Dan',
        label: 'Offline',
        presence: 'OFFLINE',
        loggedIn: false,
        since: '2026-11-22T09:00:00Z',
      }),
      agent('e', { name: 'Eve', label: 'Interacting', since: undefined }),
    ];
    assert.deepEqual(
      selectAgents(agents, {}, 'time').map((x) => x.id),
      ['c', 'a', 'e', 'b', 'd'],
      'logged in by time in state (unknown start last among them), then the offline by theirs',
    );
  });
});
