/**
 * What the soak asserts, and the summary it prints. Slopes are least-squares fits over the
 * samples after the warm-up (the first 20 % of the run), in MB per minute.
 */
import { fixed, percentile, slope, table } from './analysis.js';
import type { IngestCounters } from './ingest.js';
import type { LiveCounters } from './live-pool.js';
import type { Sample } from './sampler.js';

export interface SoakRun {
  minutes: number;
  rate: number;
  slowReaders: number;
  warmupMs: number;
  samples: Sample[];
  ingest: IngestCounters;
  ackedIds: ReadonlySet<string>;
  /** Ids legitimately stored twice: resent after the dedupe horizon had passed. */
  reStoredIds: ReadonlySet<string>;
  live: LiveCounters;
  /** This run's ids in the log, read back at the end, with how often each is there. */
  stored: ReadonlyMap<string, number>;
  fdsBefore: number;
  fdsAfter: number;
  drained: boolean;
  handlerErrors: number;
  /** Where a 5xx came from → how many. */
  server5xx: Record<string, number>;
  floorSpeed: number;
}

/**
 * The bounds. A leak worth finding keeps about 1 KB per live connection (~95 connections a
 * second here: +5.6 MB/min) or per 100 events (at 500/s: +0.3 MB/min).
 *
 * A slope's noise falls as minutes^1.5 (more samples, and a longer lever), so each bound is set
 * for the CI run (2 minutes) and tightens with longer runs, down to a floor:
 * - heap after a full collection (what is kept is all that is left): 3 MB/min over 2 minutes
 *   catches the per-connection leak; from ten minutes, 0.25 MB/min catches the per-event one;
 * - Buffers outside the heap, and RSS, also hold what slow readers have not read until they
 *   are evicted: measured, about 3.5 MB each (a wallboard), filling over a minute or more. That
 *   is bounded, but in a short run it looks like a slope, so 4 MB each is allowed for;
 * - RSS also counts the writer thread, SQLite's page cache and the allocator's free pages: it
 *   moves in steps of several MB and still settles in the first two minutes, so 12 MB/min over
 *   2 minutes (a gross native leak), 2 MB/min from ten.
 */
export function boundsFor(minutes: number, slowReaders: number) {
  const resolvable = (atTwoMinutes: number, floor: number) =>
    Math.max(floor, atTwoMinutes * (2 / minutes) ** 1.5);
  const slowReaderMb = (slowReaders * 4) / (minutes * 0.8);
  return {
    heapMbPerMin: resolvable(3, 0.25),
    externalMbPerMin: resolvable(3, 0.25) + slowReaderMb,
    rssMbPerMin: resolvable(12, 2) + slowReaderMb,
    /** Event-loop delay: the p99 of the median 5 s window, and of the worst one. */
    loopP99Ms: 200,
    loopWorstP99Ms: 1000,
    fdsAboveBaseline: 10,
    /** Share of the offered rate that must be acked (the rest: the gateway fell behind). */
    ingestShare: 0.95,
  };
}

export function verdict(run: SoakRun): {
  failures: string[];
  text: string;
  result: Record<string, unknown>;
} {
  const bounds = boundsFor(run.minutes, run.slowReaders);
  const steady = run.samples.filter((s) => s.t * 1000 >= run.warmupMs);
  const series = (pick: (s: Sample) => number) => steady.map(pick);
  const fit = (pick: (s: Sample) => number) =>
    slope(
      steady.map((s) => s.t / 60),
      series(pick),
    );
  const heap = fit((s) => s.heapGcMb);
  const external = fit((s) => s.externalGcMb);
  const rss = fit((s) => s.rssMb);
  const rawHeap = fit((s) => s.heapRawMb);
  const loopMedian = percentile(
    series((s) => s.loopP99Ms),
    0.5,
  );
  const loopWorst = Math.max(...series((s) => s.loopP99Ms));
  const ingestRate = series((s) => s.ingestPerSec).reduce((a, b) => a + b, 0) / steady.length;

  // Every acked id stored once (twice if resent past the horizon), nothing stored unacked.
  let storedTwice = 0;
  let storedUnacked = 0;
  for (const [id, n] of run.stored) {
    if (n > (run.reStoredIds.has(id) ? 2 : 1)) storedTwice++;
    if (!run.ackedIds.has(id)) storedUnacked++;
  }
  let missing = 0;
  for (const id of run.ackedIds) if (!run.stored.has(id)) missing++;

  const c = run.ingest;
  const l = run.live;
  const server5xx = { ...run.server5xx };
  for (const [s, n] of Object.entries(c.statuses)) {
    if (Number(s) >= 500) server5xx[`/ingest/webhook ${s}`] = n;
  }
  for (const [s, n] of Object.entries(l.refused)) {
    if (Number(s) >= 500) server5xx[`live handshake ${s}`] = n;
  }
  const otherStatuses = Object.entries(c.statuses).filter(([s]) => Number(s) < 500);
  const refusedLive = Object.values(l.refused).reduce((a, b) => a + b, 0);
  const closedLive = Object.values(l.serverClosed).reduce((a, b) => a + b, 0);

  const failures: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) failures.push(message);
  };
  const slopeCheck = (name: string, f: { slope: number }, bound: number) =>
    check(
      Math.abs(f.slope) < bound,
      `${name} slope ${fixed(f.slope, 2)} MB/min (bound ±${fixed(bound, 2)})`,
    );
  slopeCheck('heap', heap, bounds.heapMbPerMin);
  slopeCheck('external memory', external, bounds.externalMbPerMin);
  slopeCheck('RSS', rss, bounds.rssMbPerMin);
  check(
    loopMedian < bounds.loopP99Ms,
    `event-loop delay p99 ${fixed(loopMedian)} ms in the median window (bound ${bounds.loopP99Ms})`,
  );
  check(
    loopWorst < bounds.loopWorstP99Ms,
    `event-loop delay p99 ${fixed(loopWorst)} ms in the worst window (bound ${bounds.loopWorstP99Ms})`,
  );
  check(run.drained, 'live clients did not drain from the gateway within 60 s');
  check(
    run.fdsAfter <= run.fdsBefore + bounds.fdsAboveBaseline,
    `open files ${run.fdsAfter} after the clients left, ${run.fdsBefore} before (bound +${bounds.fdsAboveBaseline})`,
  );
  check(Object.keys(server5xx).length === 0, `5xx answers: ${JSON.stringify(server5xx)}`);
  check(
    otherStatuses.length === 0,
    `ingest answers other than 200 and 429: ${JSON.stringify(Object.fromEntries(otherStatuses))}`,
  );
  check(c.networkErrors === 0, `${c.networkErrors} ingest requests failed on the network`);
  check(
    ingestRate >= run.rate * bounds.ingestShare,
    `ingest achieved ${fixed(ingestRate, 0)}/s of ${run.rate}/s offered`,
  );
  check(missing === 0, `${missing} acked events are not in the log`);
  check(storedTwice === 0, `${storedTwice} events are stored more than once`);
  check(storedUnacked === 0, `${storedUnacked} events are stored but were never acked`);
  check(
    c.storedTwice === 0,
    `${c.storedTwice} resends within the dedupe horizon were stored again`,
  );
  check(c.falseDuplicates === 0, `${c.falseDuplicates} new events were acked as duplicates`);
  check(refusedLive === 0, `live handshakes refused: ${JSON.stringify(l.refused)}`);
  check(
    closedLive === 0,
    `the gateway closed ${closedLive} live clients that were reading: ${JSON.stringify(l.serverClosed)}`,
  );
  check(
    l.firstMessageWrong === 0,
    `${l.firstMessageWrong} live clients did not start with a snapshot`,
  );
  check(l.clientErrors === 0, `${l.clientErrors} live connections failed`);
  check(run.handlerErrors === 0, `${run.handlerErrors} errors escaped the gateway's handlers`);

  const row = (
    name: string,
    values: number[],
    digits: number,
    check: string,
    f?: { slope: number; se: number },
  ) => [
    name,
    fixed(values[0] ?? NaN, digits),
    fixed(percentile(values, 0.5), digits),
    fixed(Math.max(...values), digits),
    f ? `${fixed(f.slope, 3)} ± ${fixed(f.se, 3)}` : '',
    check,
  ];
  const slopeBound = (b: number) => `|slope| < ${fixed(b, 2)}`;
  const summary = table(
    ['after warm-up', 'first', 'median', 'max', 'slope MB/min', 'check'],
    [
      row(
        'heap after GC, MB',
        series((s) => s.heapGcMb),
        1,
        slopeBound(bounds.heapMbPerMin),
        heap,
      ),
      row(
        'external after GC, MB',
        series((s) => s.externalGcMb),
        1,
        slopeBound(bounds.externalMbPerMin),
        external,
      ),
      row(
        'RSS, MB',
        series((s) => s.rssMb),
        1,
        slopeBound(bounds.rssMbPerMin),
        rss,
      ),
      row(
        'heap before GC, MB',
        series((s) => s.heapRawMb),
        1,
        '',
        rawHeap,
      ),
      row(
        'open files',
        series((s) => s.fds),
        0,
        `end ${run.fdsAfter}, start ${run.fdsBefore} (+${bounds.fdsAboveBaseline})`,
      ),
      row(
        'loop delay p99, ms',
        series((s) => s.loopP99Ms),
        1,
        `median < ${bounds.loopP99Ms}, max < ${bounds.loopWorstP99Ms}`,
      ),
      row(
        'loop delay max, ms',
        series((s) => s.loopMaxMs),
        1,
        '',
      ),
      row(
        'GET /healthz, ms',
        series((s) => s.healthzMs),
        1,
        '',
      ),
      row(
        'ingest ack p99, ms',
        series((s) => s.ackP99Ms),
        1,
        '',
      ),
      row(
        'ingest, events/s',
        series((s) => s.ingestPerSec),
        0,
        `mean ${fixed(ingestRate, 0)} ≥ ${bounds.ingestShare * run.rate}`,
      ),
      row(
        'live clients',
        series((s) => s.liveClients),
        0,
        '',
      ),
      row(
        'gateway CPU, cores',
        series((s) => s.gatewayCores),
        2,
        '',
      ),
      row(
        'driver CPU, cores',
        series((s) => s.driverCores),
        2,
        '',
      ),
      row(
        'forced GC pause, ms',
        series((s) => s.gcMs),
        0,
        '',
      ),
    ],
  );
  const last = run.samples.at(-1);
  const facts = [
    `${run.samples.length} samples, ${steady.length} after the ${fixed(run.warmupMs / 1000, 0)} s warm-up`,
    `ingest: ${c.acked} acked; ${c.duplicateAcks} resends acked as duplicates, ` +
      `${c.storedAgainPastHorizon} answered past the horizon; ${c.retried429} 429s retried`,
    `log: ${run.stored.size} of this run's ids, ${missing} missing, ${storedTwice} twice, ${storedUnacked} unacked`,
    `live: ${l.connects} connections (${l.resumed} resumed), ${l.messages} messages, ` +
      `${fixed(l.bytes / 1024 / 1024, 0)} MB, ${l.pongs} pongs; ${l.slowReaderConnects} slow readers, ` +
      `${last?.evicted ?? 0} evictions`,
    `gateway log lines (warn+): ${last?.logLines ?? 0}; dedupe entries at the end: ` +
      `${last?.dedupeEntries ?? '–'}; the floor ran ${fixed(run.floorSpeed)}× real time`,
  ];
  return {
    failures,
    text: `${summary}\n\n${facts.join('\n')}`,
    result: {
      bounds,
      slopesMbPerMin: { heap, external, rss, rawHeap },
      loopP99Ms: { median: loopMedian, worst: loopWorst },
      ingestPerSec: ingestRate,
      fds: { before: run.fdsBefore, after: run.fdsAfter },
      ingest: { ...c, stored: run.stored.size, missing, storedTwice, storedUnacked },
      live: l,
      server5xx,
    },
  };
}
