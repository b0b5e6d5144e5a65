// `npm run fuzz`: the properties of test/fuzz with many runs and a fresh seed, then a table of
// what ran. FUZZ_RUNS (default 20,000) is the runs per property (properties whose one run is
// many gateway requests take a stated fraction); FUZZ_SEED replays a failure. Extra arguments
// pick test files by substring, like run-tests.mjs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = process.env.FUZZ_RUNS || '20000';
const seed = process.env.FUZZ_SEED || String(Math.floor(Math.random() * 2 ** 31));
const filter = process.argv.slice(2);
const files = readdirSync('test/fuzz')
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test/fuzz', f))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no fuzz files matched');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'sb-fuzz-'));
const report = join(dir, 'report.jsonl');
console.log(`fuzz: FUZZ_RUNS=${runs} FUZZ_SEED=${seed} (${files.length} files)`);
const started = Date.now();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed, FUZZ_REPORT: report },
  },
);

let rows = [];
try {
  rows = readFileSync(report, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
} catch {
  // no property got as far as recording
}
rmSync(dir, { recursive: true, force: true });

const table = [
  ['property', 'runs', 'failures', 'seconds'],
  ...rows
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => [
      r.knownBug ? `${r.name} (known bug: ${r.knownBug})` : r.name,
      String(r.runs),
      String(r.failures),
      r.seconds.toFixed(1),
    ]),
];
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (row) =>
  `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
console.log(`\n${line(table[0])}`);
console.log(
  `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`,
);
for (const row of table.slice(1)) console.log(line(row));
const total = rows.reduce((n, r) => n + r.runs, 0);
const failed = rows.reduce((n, r) => n + r.failures, 0);
const known = rows.filter((r) => r.knownBug && r.failures > 0).length;
console.log(
  `\n${rows.length} properties, ${total} runs, ${failed} failed (${known} of them known bugs), ` +
    `${((Date.now() - started) / 1000).toFixed(0)} s; seed ${seed}`,
);
if (result.status !== 0) console.log(`replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz`);
process.exit(result.status ?? 1);
