/**
 * One sample of the gateway under soak, read from outside: /healthz latency, /metrics (the
 * process's own event-loop delay, live clients, evictions, dedupe entries), /proc (RSS, open
 * files, CPU) and the inspector (heap and Buffers after a full collection).
 */
import { mb, percentile } from './analysis.js';
import { cpuSeconds, openFds, parseMetrics, rssBytes, type GatewayChild } from './gateway-child.js';

export interface Sample {
  /** Seconds since ingest and clients started. */
  t: number;
  rssMb: number;
  heapGcMb: number;
  externalGcMb: number;
  heapRawMb: number;
  /** How long the forced collection and the read took (the gateway's pause, about). */
  gcMs: number;
  fds: number;
  loopP99Ms: number;
  loopMaxMs: number;
  healthzMs: number;
  ingestPerSec: number;
  ackP99Ms: number;
  liveClients: number;
  slowReaders: number;
  handles: number;
  dedupeEntries: number;
  evicted: number;
  handlerErrors: number;
  logLines: number;
  gatewayCores: number;
  driverCores: number;
}

/**
 * Sum of a metric over its label sets, optionally only those with every given label; NaN when
 * there is none (a labelled counter has no line until its first increment).
 */
export function metric(m: Map<string, number>, name: string, labels: string[] = []): number {
  let sum = 0;
  let found = false;
  for (const [key, value] of m) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (!labels.every((l) => key.includes(l))) continue;
    sum += value;
    found = true;
  }
  return found ? sum : NaN;
}

export class Sampler {
  readonly #gw: GatewayChild;
  readonly #t0: number;
  /** Told the status of every answer (the soak counts 5xx wherever they come from). */
  readonly #status: (where: string, status: number) => void;
  #last: { at: number; acked: number; gwCpu: number; selfCpu: number };

  constructor(gw: GatewayChild, t0: number, status: (where: string, status: number) => void) {
    this.#gw = gw;
    this.#t0 = t0;
    this.#status = status;
    this.#last = { at: t0, acked: 0, gwCpu: cpuSeconds(gw.pid), selfCpu: cpuSeconds('self') };
  }

  async metrics(): Promise<Map<string, number>> {
    const res = await fetch(`${this.#gw.url}/metrics`);
    this.#status('/metrics', res.status);
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    return parseMetrics(await res.text());
  }

  async sample(driver: {
    acked: number;
    ackLatencies: number[];
    slowReaders: number;
  }): Promise<Sample> {
    const { url, pid, inspector } = this.#gw;
    const h0 = performance.now();
    const health = await fetch(`${url}/healthz`);
    await health.arrayBuffer();
    const healthzMs = performance.now() - h0;
    this.#status('/healthz', health.status);
    const m = await this.metrics();
    const rss = rssBytes(pid);
    const fds = openFds(pid);
    const g0 = performance.now();
    const mem = await inspector.memoryAfterGc();
    const gcMs = performance.now() - g0;
    const now = performance.now();
    const gwCpu = cpuSeconds(pid);
    const selfCpu = cpuSeconds('self');
    const sec = (now - this.#last.at) / 1000;
    const s: Sample = {
      t: (now - this.#t0) / 1000,
      rssMb: mb(rss),
      heapGcMb: mb(mem.heapUsed),
      externalGcMb: mb(mem.external),
      heapRawMb: mb(metric(m, 'switchboard_nodejs_heap_size_used_bytes')),
      gcMs,
      fds,
      loopP99Ms: metric(m, 'switchboard_nodejs_eventloop_lag_p99_seconds') * 1000,
      loopMaxMs: metric(m, 'switchboard_nodejs_eventloop_lag_max_seconds') * 1000,
      healthzMs,
      ingestPerSec: (driver.acked - this.#last.acked) / sec,
      ackP99Ms: percentile(driver.ackLatencies, 0.99),
      liveClients: metric(m, 'switchboard_live_clients'),
      slowReaders: driver.slowReaders,
      handles: metric(m, 'switchboard_nodejs_active_handles_total'),
      dedupeEntries: metric(m, 'switchboard_dedupe_entries'),
      evicted: metric(m, 'switchboard_live_evicted_total') || 0,
      handlerErrors: metric(m, 'switchboard_handler_errors_total') || 0,
      logLines: this.#gw.logLines(),
      gatewayCores: (gwCpu - this.#last.gwCpu) / sec,
      driverCores: (selfCpu - this.#last.selfCpu) / sec,
    };
    this.#last = { at: now, acked: driver.acked, gwCpu, selfCpu };
    return s;
  }
}
