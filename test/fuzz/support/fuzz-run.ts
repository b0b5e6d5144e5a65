/**
 * How many runs each property gets and with which seed, and the record `npm run fuzz` prints.
 *
 * In `npm test` (no FUZZ_RUNS) every property runs its small `quick` count with a fixed seed, so
 * the suite is fast and a failure is the same on every machine. `npm run fuzz` (scripts/fuzz.mjs)
 * sets FUZZ_RUNS, FUZZ_SEED (random unless given, so a failure can be replayed) and FUZZ_REPORT
 * (a file each property appends its outcome to, for the summary table).
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

/** The seed `npm test` uses: any fixed value will do, it only has to be the same every time. */
const FIXED_SEED = 20261123;

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return value;
}

const longRuns = envInt('FUZZ_RUNS');
const seed = envInt('FUZZ_SEED') ?? FIXED_SEED;

/** True in `npm run fuzz`: properties may print more and spend longer. */
export const LONG_RUN = longRuns !== undefined;

export interface FuzzOptions {
  /** Runs in `npm test`. */
  quick: number;
  /**
   * Properties whose one run is many requests (a gateway round trip per delivery) take
   * FUZZ_RUNS / cost runs in a long run; the summary prints the runs actually made.
   */
  cost?: number;
  /** Longest one run may take (ms) before it counts as a failure: a hang is a finding too. */
  timeoutMs?: number;
  /** A bug found and reported, not yet fixed (the test is `todo`): shown in the summary. */
  knownBug?: string;
}

type AnyProperty<Ts> = fc.IProperty<Ts> | fc.IAsyncProperty<Ts>;

/**
 * Checks `property` and records the outcome. On failure it throws fast-check's report (the
 * shrunk counterexample, seed and path) with the command that replays it.
 */
export async function fuzz<Ts>(
  name: string,
  property: AnyProperty<Ts>,
  options: FuzzOptions,
): Promise<void> {
  const numRuns =
    longRuns === undefined
      ? options.quick
      : Math.max(1, Math.round(longRuns / (options.cost ?? 1)));
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  const started = performance.now();
  const details = await fc.check(property, {
    seed,
    numRuns,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  const seconds = (performance.now() - started) / 1000;
  record({
    name,
    runs: details.numRuns,
    failures: details.failed ? 1 : 0,
    seconds,
    ...(options.knownBug ? { knownBug: options.knownBug } : {}),
  });
  if (details.failed) {
    const report = (await fc.asyncDefaultReportMessage(details)) ?? 'property failed';
    const cause = details.errorInstance;
    const why = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
    throw new Error(
      `${name}\n${report}\n${why}\nreplay: FUZZ_SEED=${seed} FUZZ_RUNS=${numRuns * (options.cost ?? 1)} npm run fuzz`,
      { cause },
    );
  }
  // A parser that let "__proto__" or "constructor" through would show here, whatever the run.
  assertUnpolluted();
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys);
}

/** Fails when hostile input reached Object.prototype (the mutations plant `polluted`). */
export function assertUnpolluted(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype polluted');
  assert.equal(
    (Object.prototype as Record<string, unknown>).polluted,
    undefined,
    'Object.prototype polluted',
  );
}

interface Outcome {
  name: string;
  runs: number;
  failures: number;
  seconds: number;
  knownBug?: string;
}

function record(outcome: Outcome): void {
  const file = process.env.FUZZ_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(outcome)}\n`);
}
