// Properties of the live subscription parser (src/hub/live-filter.ts): a filter written as a
// query string reads back as the same filter, whatever the spelling (repeated parameters, commas,
// spaces); any hostile query yields either a filter inside the token's scope or a typed refusal
// (SB_LIVE_BAD_FILTER, SB_LIVE_FORBIDDEN), never another exception.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { TokenScope } from '../../src/config/index.js';
import { SwitchboardError } from '../../src/errors.js';
import { parseLiveRequest } from '../../src/hub/live-filter.js';
import { LIVE_KINDS, type LiveKind } from '../../src/protocol/live-messages.js';
import { corpusJson } from './support/corpus.js';
import { fuzz } from './support/fuzz-run.js';
import { applyByteOps, byteOp } from './support/mutations.js';

interface Seed {
  query: string;
  scope: TokenScope | null;
  lastEventId?: string;
}

const LISTS = ['users', 'queues', 'teams'] as const;
/** An id as a client would send it: no comma, no surrounding space. */
const id = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  .filter((s) => !s.includes(',') && s.trim() === s && s !== '');
const ids = fc.uniqueArray(id, { minLength: 1, maxLength: 6 });

/** Writes ids the ways a client may: one parameter joined by commas, or repeated, with spaces. */
function write(params: URLSearchParams, name: string, values: readonly string[], style: number) {
  if (style % 3 === 0) params.append(name, values.join(','));
  else if (style % 3 === 1) for (const v of values) params.append(name, v);
  else params.append(name, `, ${values.join(' , ')} ,`);
}

const refusal = (err: unknown) => {
  assert.ok(err instanceof SwitchboardError, `not a SwitchboardError: ${String(err)}`);
  assert.ok(['SB_LIVE_BAD_FILTER', 'SB_LIVE_FORBIDDEN'].includes(err.code), err.code);
  return err;
};

describe('fuzz: live filter', () => {
  test('parse(serialize(filter)) gives the filter back, narrowed to the scope', async () => {
    const spec = fc.record({
      kinds: fc.option(fc.subarray([...LIVE_KINDS], { minLength: 1 }), { nil: undefined }),
      users: fc.option(ids, { nil: undefined }),
      queues: fc.option(ids, { nil: undefined }),
      teams: fc.option(ids, { nil: undefined }),
      since: fc.option(fc.nat({ max: 999_999_999_999_999 }), { nil: undefined }),
      sinceAsLastEventId: fc.boolean(),
      style: fc.nat(),
      /** The scope covers what is asked, and perhaps more. */
      scoped: fc.boolean(),
      extraQueues: fc.array(id, { maxLength: 3 }),
      extraTeams: fc.array(id, { maxLength: 3 }),
    });
    await fuzz(
      'live-filter: round trip',
      fc.property(spec, (s) => {
        const params = new URLSearchParams();
        if (s.kinds) write(params, 'kinds', s.kinds, s.style);
        for (const name of LISTS) {
          const values = s[name];
          if (values) write(params, name, values, s.style >> 2);
        }
        const lastEventId = s.sinceAsLastEventId ? s.since?.toString() : undefined;
        if (s.since !== undefined && lastEventId === undefined) params.set('since', `${s.since}`);
        const scope = s.scoped
          ? {
              queues: [...new Set([...(s.queues ?? []), ...s.extraQueues])],
              teams: [...new Set([...(s.teams ?? []), ...s.extraTeams])],
            }
          : undefined;
        const parsed = parseLiveRequest(new URLSearchParams(params.toString()), scope, {
          maxIds: 50,
          lastEventId,
        });
        const { filter } = parsed;
        assert.deepEqual([...filter.kinds].sort(), [...(s.kinds ?? LIVE_KINDS)].sort());
        assert.deepEqual(sorted(filter.users), s.users && [...s.users].sort());
        assert.equal(parsed.since, s.since);
        const askedNothing = !s.users && !s.queues && !s.teams;
        if (scope && askedNothing) {
          // Nothing asked: the scope is the filter.
          assert.deepEqual(sorted(filter.queues), nonEmpty(scope.queues));
          assert.deepEqual(sorted(filter.teams), nonEmpty(scope.teams));
        } else {
          assert.deepEqual(sorted(filter.queues), s.queues && [...s.queues].sort());
          assert.deepEqual(sorted(filter.teams), s.teams && [...s.teams].sort());
        }
        assert.deepEqual(sorted(filter.scope?.queues), scope && [...scope.queues].sort());
        assert.deepEqual(sorted(filter.scope?.teams), scope && [...scope.teams].sort());
      }),
      { quick: 300 },
    );
  });

  test('a hostile query gives a filter inside the scope or a typed refusal', async () => {
    const seeds = corpusJson<Seed>('live-filter');
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc
        .array(fc.constantFrom('kinds', 'users', 'queues', 'teams', 'since', 'x'), {
          maxLength: 30,
        })
        .chain((names) =>
          fc
            .array(fc.string({ unit: 'binary', maxLength: 20 }), {
              minLength: names.length,
              maxLength: names.length,
            })
            .map((values) =>
              names.map((n, i) => `${n}=${encodeURIComponent(values[i]!)}`).join('&'),
            ),
        ),
      fc
        .tuple(fc.constantFrom(...seeds), fc.array(byteOp, { maxLength: 4 }))
        .map(([seed, ops]) => applyByteOps(Buffer.from(seed.value.query), ops).toString('latin1')),
    );
    const scope = fc.option(
      fc.record({ queues: fc.array(id, { maxLength: 3 }), teams: fc.array(id, { maxLength: 3 }) }),
      { nil: undefined },
    );
    await fuzz(
      'live-filter: hostile queries',
      fc.property(
        hostile,
        scope,
        fc.option(fc.string({ unit: 'binary', maxLength: 20 }), { nil: undefined }),
        fc.integer({ min: 1, max: 20 }),
        (query, scope, lastEventId, maxIds) => {
          const params = new URLSearchParams(query);
          let parsed;
          try {
            parsed = parseLiveRequest(params, scope, { maxIds, lastEventId });
          } catch (err) {
            refusal(err);
            return;
          }
          const sent = (name: string) =>
            new Set(params.getAll(name).flatMap((v) => v.split(',').map((x) => x.trim())));
          const { filter, since } = parsed;
          // Only what was asked for, or the scope: nothing invented.
          assert.ok(filter.kinds.size > 0);
          for (const k of filter.kinds) assert.ok(LIVE_KINDS.includes(k));
          if (params.getAll('kinds').join('').trim() !== '') {
            for (const k of sent('kinds')) {
              if (k !== '') assert.ok(LIVE_KINDS.includes(k as LiveKind), `kind ${k} let through`);
            }
          }
          for (const name of LISTS) {
            const got = filter[name];
            if (got === undefined) continue;
            const allowed = sent(name);
            // The limit is on what the client sent; the scope (from the config) may be longer.
            const asked = [...got].filter((v) => allowed.has(v)).length;
            assert.ok(asked <= maxIds, `${name}: ${asked} ids over ${maxIds}`);
            const fromScope = new Set(name === 'users' ? [] : (scope?.[name] ?? []));
            for (const v of got) assert.ok(allowed.has(v) || fromScope.has(v), `${name} ${v}`);
          }
          if (scope) {
            for (const q of filter.queues ?? []) assert.ok(scope.queues.includes(q));
            for (const t of filter.teams ?? []) assert.ok(scope.teams.includes(t));
          }
          if (since !== undefined) {
            assert.ok(Number.isSafeInteger(since) && since >= 0);
            assert.equal(`${since}`, String(Number(lastEventId ?? params.get('since'))));
          }
        },
      ),
      { quick: 500 },
    );
  });
});

function sorted(set: ReadonlySet<string> | undefined): string[] | undefined {
  return set && [...set].sort();
}

function nonEmpty(list: readonly string[]): string[] | undefined {
  return list.length > 0 ? [...list].sort() : undefined;
}
