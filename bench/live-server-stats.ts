/**
 * Inside a live-bench server process (Switchboard or the Socket.IO peer): how long each fan-out
 * of a batch of changes blocks the event loop, how delayed and busy the loop is, and the peak
 * RSS (sampled every 250 ms). The client process reads and resets them at phase boundaries over
 * a side HTTP port on loopback (`GET /` → ServerStats JSON), so the server's own share of the
 * latency can be told apart from the clients'. With BENCH_LIVE_PROFILE=<dir>, `GET /?profile=<name>`
 * also starts a V8 CPU profile of the server's main thread, and the next `GET /` writes it to
 * `<dir>/<name>-<pid>.cpuprofile`: a profile of exactly one phase.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface ServerStats {
  sec: number;
  /** Fan-outs (hub publishes / Socket.IO request emits) in the interval. */
  fanouts: number;
  fanoutP50: number;
  fanoutP99: number;
  fanoutMax: number;
  /** Share of wall time the event loop spent fanning out. */
  fanoutBusy: number;
  /** Event-loop utilization of the server's main thread. */
  loopBusy: number;
  loopDelayP99: number;
  rssMax: number;
}

export interface StatsRecorder {
  /** Runs one fan-out and records how long it took. */
  time<T>(fn: () => T): T;
  port: number;
}

export async function startStatsServer(): Promise<StatsRecorder> {
  let durations: number[] = [];
  let since = performance.now();
  let elu = performance.eventLoopUtilization();
  let rssMax = process.memoryUsage.rss();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage.rss())), 250).unref();

  const read = (): ServerStats => {
    const now = performance.now();
    const sorted = Float64Array.from(durations).sort();
    const at = (q: number) =>
      sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    const busy = durations.reduce((sum, d) => sum + d, 0);
    const stats: ServerStats = {
      sec: (now - since) / 1000,
      fanouts: durations.length,
      fanoutP50: at(0.5),
      fanoutP99: at(0.99),
      fanoutMax: at(1),
      fanoutBusy: busy / (now - since),
      loopBusy: performance.eventLoopUtilization(elu).utilization,
      loopDelayP99: delay.percentile(99) / 1e6,
      rssMax,
    };
    durations = [];
    since = now;
    elu = performance.eventLoopUtilization();
    delay.reset();
    return stats;
  };

  const profileDir = process.env.BENCH_LIVE_PROFILE;
  const session = profileDir ? new Session() : undefined;
  session?.connect();
  let profiling: string | undefined;
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session!.post(method, (err, result) => (err ? reject(err) : resolve(result))),
    );

  const server = createServer((req, res) => {
    void (async () => {
      const stats = read();
      if (session && profiling) {
        const { profile } = (await post('Profiler.stop')) as { profile: unknown };
        writeFileSync(
          join(profileDir!, `${profiling}-${process.pid}.cpuprofile`),
          JSON.stringify(profile),
        );
        profiling = undefined;
      }
      const name = new URL(req.url ?? '/', 'http://stats').searchParams.get('profile');
      if (session && name) {
        await post('Profiler.enable');
        await post('Profiler.start');
        profiling = name;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(stats));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    time<T>(fn: () => T): T {
      const t = performance.now();
      try {
        return fn();
      } finally {
        durations.push(performance.now() - t);
      }
    },
  };
}
