import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchboardError } from '../errors.js';
import type { RestClientStats } from '../genesys/rest-client.js';
import type { EventLog } from '../log/event-log.js';
import { setCounter, setLabelledCounter, type Metrics } from '../ops/metrics.js';
import type { TargetStats } from '../router/target-consumer.js';
import { ageOf } from '../hub/source-freshness.js';
import type { SourceHealth } from '../sources/source.js';

export interface OpsRouteDeps {
  log: EventLog;
  metrics: Metrics;
  isShuttingDown: () => boolean;
  /** Names of consumers that should be running, and whether each is. */
  consumersRunning: () => Record<string, boolean>;
  /** Each source's health by name; informative only: it changes no status code. */
  sourcesHealth: () => Record<string, SourceHealth>;
  /** The shared Genesys REST client's counters; undefined while there is no client. */
  genesysStats?: () => Readonly<RestClientStats> | undefined;
  /** Throws unless the request may read org-wide figures (an unscoped token off loopback). */
  authorizeUnscoped: (request: FastifyRequest) => void;
  /** The router's targets (none without one). */
  targetStats?: () => Promise<
    (TargetStats & { lag: number; dlqDepth: number; details?: Record<string, unknown> })[]
  >;
}

const CIRCUIT = { closed: 0, 'half-open': 1, open: 2 } as const;

/** Each source's health with `ageMs`: milliseconds since its `lastEventAt` (null before one). */
function withAges(
  sources: Record<string, SourceHealth>,
  nowMs: number,
): Record<string, SourceHealth & { ageMs: number | null }> {
  return Object.fromEntries(
    Object.entries(sources).map(([name, h]) => [
      name,
      { ...h, ageMs: ageOf(h.lastEventAt, nowMs) },
    ]),
  );
}

/**
 * `/healthz` (the process answers), `/readyz` (log writable, consumers running; each source's
 * health under `sources`, with `ageMs` since its `lastEventAt`, also in a not-ready error body; when the log cannot write, why under
 * `log`: `disk-full`, `dedupe-pressure`, `write-failed`, `writer-failed`; the Genesys REST
 * client's counters under `genesys` when there is one), `/metrics` (an unscoped token off
 * loopback).
 */
export function registerOpsRoutes(app: FastifyInstance, deps: OpsRouteDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async () => {
    const consumers = deps.consumersRunning();
    const stopped = Object.entries(consumers)
      .filter(([, running]) => !running)
      .map(([name]) => name);
    if (deps.isShuttingDown()) throw new SwitchboardError('SB_SHUTTING_DOWN');
    const sources = withAges(deps.sourcesHealth(), Date.now());
    const problem = deps.log.problem();
    if (problem) {
      throw new SwitchboardError(
        'SB_NOT_READY',
        `the event log is not writable: ${problem.message}`,
        {
          details: { log: problem, sources },
        },
      );
    }
    if (stopped.length > 0) {
      throw new SwitchboardError('SB_NOT_READY', `consumers not running: ${stopped.join(', ')}`, {
        details: { sources },
      });
    }
    // Ready, but a source may be missing events or a repair keeps recurring: said, with why.
    const degraded = Object.entries(sources)
      .filter(([, h]) => h.state === 'degraded')
      .map(([name, h]) => `${name}: ${h.detail ?? 'degraded'}`);
    // Counters only (requests, retries, 429s, waits): no token, no credentials.
    const genesys = deps.genesysStats?.();
    return {
      status: 'ready',
      log: 'writable',
      consumers,
      sources,
      ...(genesys ? { genesys: { ...genesys } } : {}),
      ...(degraded.length > 0 ? { degraded } : {}),
    };
  });

  // Off loopback the figures (secret names, volumes, log size) need an unscoped token; probes
  // (/healthz, /readyz) stay open for orchestrators.
  const onRequest = async (request: FastifyRequest) => deps.authorizeUnscoped(request);
  app.get('/metrics', { onRequest }, async (_request, reply) => {
    const stats = await deps.log.stats();
    deps.metrics.logSizeBytes.set(stats.sizeBytes);
    deps.metrics.logLastOffset.set(stats.lastOffset);
    deps.metrics.logPendingEvents.set(deps.log.pendingEvents());
    const sources = deps.sourcesHealth();
    const stream = sources.stream?.counts;
    if (stream) {
      const m = deps.metrics;
      m.streamChannels.set({ state: 'open' }, stream.channelsOpen ?? 0);
      m.streamChannels.set({ state: 'down' }, (stream.channels ?? 0) - (stream.channelsOpen ?? 0));
      m.streamTopics.set({ state: 'subscribed' }, stream.topics ?? 0);
      m.streamTopics.set({ state: 'rejected' }, stream.rejectedTopics ?? 0);
      m.streamPruned.set({ kind: 'user' }, stream.prunedUsers ?? 0);
      m.streamPruned.set({ kind: 'queue' }, stream.prunedQueues ?? 0);
      m.streamPruned.set({ kind: 'team' }, stream.prunedTeams ?? 0);
      m.streamPruned.set({ kind: 'division' }, stream.prunedDivisions ?? 0);
      if (stream.lastDeliveryAgeMs !== undefined)
        m.streamLastDeliveryAge.set(stream.lastDeliveryAgeMs / 1000);
    }
    const reconcile = sources.reconcile?.counts;
    deps.metrics.reconcileActivationsLastHour.set(reconcile?.activationsLastHour ?? 0);
    deps.metrics.reconcileAlert.set(reconcile?.activationAlert ?? 0);
    deps.metrics.dedupeEntries.set(stats.dedupeEntries);
    const genesys = deps.genesysStats?.();
    if (genesys) {
      setCounter(deps.metrics.genesysBudgetWait, genesys.budgetWaitMs / 1000);
      setCounter(deps.metrics.genesysRateLimitWait, genesys.rateLimitWaitMs / 1000);
    }
    const targets = (await deps.targetStats?.()) ?? [];
    const m = deps.metrics;
    setLabelledCounter(
      m.targetDelivered,
      'target',
      targets.map((t) => [t.name, t.delivered]),
    );
    setLabelledCounter(
      m.targetFailed,
      'target',
      targets.map((t) => [t.name, t.failed]),
    );
    setLabelledCounter(
      m.targetRetried,
      'target',
      targets.map((t) => [t.name, t.retried]),
    );
    setLabelledCounter(
      m.targetDeadLettered,
      'target',
      targets.map((t) => [t.name, t.deadLettered]),
    );
    for (const t of targets) {
      m.targetLag.set({ target: t.name }, t.lag);
      m.targetDlqDepth.set({ target: t.name }, t.dlqDepth);
      m.targetCircuit.set({ target: t.name }, CIRCUIT[t.circuit]);
      const silver = t.details?.silver as { behind?: unknown } | undefined;
      if (typeof silver?.behind === 'number')
        m.lakeSilverBehind.set({ target: t.name }, silver.behind);
    }
    for (const c of await deps.log.consumers()) {
      deps.metrics.consumerLag.set(
        { consumer: c.name },
        Math.max(0, stats.lastOffset - c.committedOffset),
      );
    }
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
