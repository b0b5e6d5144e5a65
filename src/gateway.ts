import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import { buildHttpApp } from './http/http-app.js';
import { createApiAuth } from './http/api-auth.js';
import { registerEventsRoute } from './http/events-route.js';
import { registerOpsRoutes } from './http/ops-routes.js';
import { registerLiveRoutes } from './http/live-routes.js';
import { registerLiveEndpoints } from './hub/live-endpoints.js';
import { sourceFreshness } from './hub/source-freshness.js';
import { LiveHub } from './hub/live-hub.js';
import { StatsHistory } from './ops/stats-history.js';
import { registerReconcileRoute } from './http/reconcile-route.js';
import { registerPipelineRoutes } from './http/pipeline-routes.js';
import { routerFromConfig } from './router/from-config.js';
import { registerSchemaDriftMetrics } from './router/schema-registry.js';
import { SchemaWatch } from './router/schema-watch.js';
import { registerDashboard } from './http/dashboard-route.js';
import { registerSettingsRoutes } from './http/settings-routes.js';
import { DashboardSettings } from './settings/dashboard-settings.js';
import { reconcilerFromConfig, sharedGenesysClient } from './sources/reconcile/from-config.js';
import { activationCause } from './sources/reconcile/reconciler.js';
import { streamFromConfig } from './sources/stream/stream-from-config.js';
import {
  ImpossibleStatesWatchdog,
  StalenessWatchdog,
} from './sources/reconcile/staleness-watchdog.js';
import type { ReconcileResult } from './sources/reconcile/reconciler.js';
import { appenderFor, type Gap, type Source, type SourceHealth } from './sources/source.js';
import { Projector } from './projection/projector.js';
import { impossibleKey, sweepEvent, type ImpossibleState } from './projection/sweep.js';
import { createEventLog, type CreateEventLogOptions } from './log/create-event-log.js';
import type { EventLog } from './log/event-log.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { createIngestMetrics } from './ops/ingest-metrics.js';
import { createLogger } from './ops/logger.js';
import { failureKey, RepeatLog } from './ops/repeat-log.js';
import { installProcessGuard } from './ops/handler-guard.js';
import { createIngestGuard } from './sources/ingest-guard.js';
import { createEventBridgeSource } from './sources/eventbridge/eventbridge-source.js';
import { SignatureVerifier } from './sources/webhook/signature-verifier.js';
import { createWebhookSource } from './sources/webhook/webhook-source.js';

export interface GatewayOptions {
  logger?: Logger;
  /** Clock for the log and ingest (tests). */
  now?: () => number;
  defaultMetrics?: boolean;
  /** Demo mode: where the in-process emulator listens, once it does (reconcile source). */
  emulatorUrl?: () => string | undefined;
  /**
   * Installs the process guard (the `start` command does): an error escaping a handler is
   * logged and counted and the process goes on; an InvariantError, or a storm of escaped errors,
   * logs `fatal` and exits 1.
   */
  processGuard?: boolean;
  /** The log's test hooks: ceilings that reach real failure paths (a full disk, dedupe pressure). */
  logTestHooks?: CreateEventLogOptions['limits'];
}

export interface Gateway {
  /** `http(s)://host:port` once listening. */
  readonly url: string;
  readonly app: FastifyInstance;
  readonly log: EventLog;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly projector: Projector;
  readonly hub: LiveHub;
  /** Every source, in start order (webhook, eventbridge, reconcile when configured). */
  readonly sources: readonly Source[];
  /**
   * Seeds live state from the REST API (users, presence definitions, queues, memberships) as
   * `reconcile` events; undefined when no REST source is configured.
   */
  reconcile(): Promise<ReconcileResult | undefined>;
  /** Stops accepting, finishes in-flight requests and appends, closes the log. Idempotent. */
  close(): Promise<void>;
}

/** Wires the log, the sources and the HTTP surface together and starts listening. */
export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger(config.logging.level);
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  // A pass runs every minute: on a full disk one stack trace, then a count every quarter hour.
  const retentionFailures = new RepeatLog(logger, { windowMs: 15 * 60_000 });
  const log = await createEventLog(config, {
    ...(options.now ? { now: options.now } : {}),
    ...(options.logTestHooks ? { limits: options.logTestHooks } : {}),
    onBatch: (events, ms) => {
      metrics.appendBatchSize.observe(events);
      metrics.appendCommitSeconds.observe(ms / 1000);
    },
    onRetentionError: (err) => {
      metrics.retentionFailures.inc();
      retentionFailures.error(
        failureKey(err),
        { err },
        'log retention failed; retried on the next pass',
      );
    },
  });
  let shuttingDown = false;
  const isShuttingDown = () => shuttingDown;

  const reportHandlerError = (handler: string, err: unknown) => {
    metrics.handlerErrors.inc({ handler });
    logger.error({ err, handler }, 'a handler failed; the gateway goes on');
  };
  const removeGuard = options.processGuard
    ? installProcessGuard({
        onContained: (err, origin) => reportHandlerError(origin, err),
        onFatal: (err, origin) => {
          logger.fatal(
            { err, origin },
            'a broken invariant, or a storm of escaped errors; stopping',
          );
          logger.flush?.();
          process.exit(1);
        },
      })
    : () => {};

  const ingestMetrics = createIngestMetrics(metrics);
  const app = buildHttpApp({ config, logger, ingestMetrics });
  const guard = createIngestGuard(config);
  const auth = createApiAuth(config);
  const verifier = new SignatureVerifier({
    schemes: config.ingest.webhook.schemes,
    secrets: config.ingest.webhook.secrets,
    timestampToleranceSec: config.ingest.webhook.timestampToleranceSec,
    ...(options.now ? { now: options.now } : {}),
  });
  if (verifier.activeSecretNames.length === 0) {
    logger.warn(
      'no active webhook secrets configured: POST /ingest/webhook will reject every request',
    );
  }
  // Sources are built now (fastify takes routes only before listen) and started after the log
  // and the projector; until then their routes answer 503 SB_NOT_READY.
  const clock = options.now ? { now: options.now } : {};
  const genesys = sharedGenesysClient(config, {
    ...(options.emulatorUrl ? { emulatorUrl: options.emulatorUrl } : {}),
    onRetry: (info) => metrics.genesysRetries.inc({ reason: info.reason }),
  });
  const reconciler = reconcilerFromConfig(config, genesys, logger, {
    // The org's clock as its events tell it (an emulator's may run ahead), never behind ours.
    orgNow: () => Math.max(projector.state.clock, (options.now ?? Date.now)()),
    // Runs append only what differs from live state, once it has folded what the log holds.
    projected: {
      changes: (kind, body, at) => projector.state.reconcileChanges(kind, body, at),
      settle: async () => projector.reached((await log.stats()).lastOffset, 5000),
    },
    onRun: (outcome) =>
      metrics.reconcileRuns.inc({ result: outcome instanceof Error ? 'error' : 'ok' }),
    onActivation: (reason) => metrics.reconcileActivations.inc({ cause: activationCause(reason) }),
  });
  const stream = streamFromConfig(config, genesys, metrics, logger);
  const sources: Source[] = [
    createWebhookSource(app, { verifier, metrics, ingestMetrics, config, guard, ...clock }),
    createEventBridgeSource(app, { metrics, ingestMetrics, config, guard, ...clock }),
    ...(reconciler ? [reconciler] : []),
    ...(stream ? [stream] : []),
  ];
  const sourcesHealth = (): Record<string, SourceHealth> =>
    Object.fromEntries(sources.map((s) => [s.name, s.health()]));
  const reportGap = (gap: Gap) => {
    metrics.sourceGaps.inc({ source: gap.source, reason: gap.reason });
    if (reconciler) reconciler.receiveGap(gap);
    else logger.warn({ gap }, 'a source may have missed events; no reconciler to repair it');
  };
  const watchdog =
    reconciler &&
    new StalenessWatchdog({
      staleAfterMs: config.reconcile.staleAfterMs,
      loggedIn: () => projector.state.anyLoggedIn(),
      lastEventMs: () => {
        let last: number | undefined;
        for (const s of sources) {
          if (s === reconciler) continue;
          const at = s.health().lastEventAt;
          const ms = at === null ? undefined : Date.parse(at);
          if (ms !== undefined && (last === undefined || ms > last)) last = ms;
        }
        return last;
      },
      activate: (reason) => reconciler.activate(reason),
      ...clock,
    });
  // Without a reconciler too: a push-only gateway must not show a ring for ever.
  const impossible = new ImpossibleStatesWatchdog<ImpossibleState>({
    // Measured on the events' own clock (the latest event time), not this machine's: a floor
    // replaying its past, or Genesys's clock ahead of ours, is not impossible.
    find: () =>
      projector.state.impossible(
        projector.state.clock,
        config.reconcile.maxRingMs,
        config.reconcile.maxSilentConversationMs,
      ),
    key: impossibleKey,
    kind: (s) => (s.reason === 'ring-timeout' ? 'rings too old' : 'silent conversations'),
    sweep: async (states) => {
      const at = projector.state.clock;
      const receivedAt = new Date((options.now ?? Date.now)()).toISOString();
      await log.append(states.map((s) => sweepEvent(s, at, receivedAt)));
      for (const s of states) metrics.projectionSweeps.inc({ reason: s.reason });
      logger.warn(
        { swept: states.length, first: states[0] },
        'live state held states that cannot be true; swept (reconcile.sweep events)',
      );
    },
    ...(reconciler ? { activate: (reason: string) => reconciler.activate(reason) } : {}),
    onError: (err) => logger.warn({ err }, 'could not append sweeps; trying again'),
  });
  const startSources = async () => {
    await Promise.all(
      sources.map((s) =>
        s.start({ append: appenderFor(log), reportGap, logger: logger.child({ source: s.name }) }),
      ),
    );
    watchdog?.start();
    impossible.start();
  };
  const stopSources = async () => {
    watchdog?.stop();
    impossible.stop();
    for (const r of await Promise.allSettled(sources.map((s) => s.stop()))) {
      if (r.status === 'rejected') logger.error({ err: r.reason }, 'a source failed to stop');
    }
  };
  registerEventsRoute(app, {
    log: log,
    authorize: (request) => auth.authorize(request),
    membership: (userId) => projector.state.membership(userId),
    queueDivision: (queueId) => projector.state.queueDivision(queueId),
    conversationDivisions: (id) => projector.state.conversationDivisions(id),
    maxPageSize: config.api.maxPageSize,
    maxPageBytes: config.api.maxPageBytes,
    maxEventBytes: config.ingest.bodyLimitBytes,
  });
  const projector = new Projector({
    serviceLevelThresholdSec: config.live.serviceLevelThresholdSec,
    windowMinutes: config.live.windowMinutes,
    window: config.live.window,
    timeZone: config.live.timeZone,
    showNonAgents: config.live.showNonAgents,
    // Views only (a queue's longest wait as of now), on the hub's clock; the fold never reads it.
    now: Date.now,
  });
  const hub = new LiveHub({
    membership: (id) => projector.state.membership(id),
    maxClients: config.live.maxClients,
    heartbeatMs: config.live.heartbeatMs,
    highWaterBytes: config.live.highWaterBytes,
    maxBufferedBytes: config.live.maxBufferedBytes,
    slowClientTimeoutMs: config.live.slowClientTimeoutMs,
    maxPendingChanges: config.live.maxPendingChanges,
    historyChanges: config.live.historyChanges,
    maxFilterIdsTotal: config.live.maxFilterIdsTotal,
    metrics: {
      messages: (type, n) => metrics.liveMessages.inc({ type }, n),
      coalesced: () => metrics.liveCoalesced.inc(),
      evicted: (reason) => metrics.liveEvicted.inc({ reason }),
      resumed: (result) => metrics.liveResumes.inc({ result }),
      clients: (n) => metrics.liveClients.set(n),
      bufferedBytes: (n) => metrics.liveBufferedBytes.set(n),
    },
  });
  projector.onChanges((offset, changes, replayed) => hub.publish(offset, changes, replayed));
  await projector.start(log, logger);
  const stats = new StatsHistory({
    metrics,
    onError: (err) => logger.warn({ err }, 'stats sample failed'),
    liveClients: () => hub.clientCount,
    consumerLag: async () => {
      const last = (await log.stats()).lastOffset;
      return { projector: Math.max(0, last - projector.offset) };
    },
  });
  stats.start();
  registerLiveRoutes(app, { projector, auth, stats });
  // Heartbeats carry each source's age (hub/source-freshness.ts), as /readyz does.
  hub.publishFreshness(() => sourceFreshness(sourcesHealth(), Date.now()));
  const liveEndpoints = registerLiveEndpoints(app, {
    hub,
    auth,
    config,
    logger,
    reportHandlerError,
  });
  // Thresholds and boards every screen shares; a change reaches open screens on a heartbeat.
  const settings = await DashboardSettings.open({
    dataDir: config.dataDir,
    logger,
    configThresholds: config.dashboard.thresholds,
    configDigest: createHash('sha256').update(JSON.stringify(config.dashboard)).digest('hex'),
  });
  hub.publishSettingsVersion(settings.version);
  settings.onChange((version) => hub.publishSettingsVersion(version));
  registerSettingsRoutes(app, {
    settings,
    config: config.dashboard,
    auth,
    queues: () => projector.state.queues(),
  });
  registerReconcileRoute(app, {
    reconciler,
    authorize: (request) => auth.authorizeUnscoped(request),
    rateLimit: { minIntervalMs: config.api.reconcileMinIntervalMs, ...clock },
  });
  registerOpsRoutes(app, {
    log: log,
    metrics,
    isShuttingDown,
    consumersRunning: () => ({ projector: projector.running }),
    sourcesHealth,
    genesysStats: () => genesys.peek()?.stats,
    authorizeUnscoped: (request) => auth.authorizeUnscoped(request),
    targetStats: async () => (router ? router.stats() : []),
  });

  const router = routerFromConfig(config, log, logger);
  const schemaWatch = new SchemaWatch(log, logger);
  registerSchemaDriftMetrics(metrics.registry, schemaWatch.counter);
  registerPipelineRoutes(app, {
    router,
    schemaDrift: () => schemaWatch.snapshot(),
    authorize: (request) => auth.authorizeUnscoped(request),
  });

  registerDashboard(app);

  try {
    // Targets read the log as their own consumers; started before the sources feed it.
    await schemaWatch.start();
    await router?.start();
    // After the log and the projector, before listen: a started source has a reader behind it.
    await startSources();
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await stopSources();
    hub.close();
    liveEndpoints.close();
    stats.stop();
    await router?.stop();
    await schemaWatch.stop();
    await projector.stop();
    await log.close();
    removeGuard();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `${config.server.tls ? 'https' : 'http'}://${host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    log,
    metrics,
    logger,
    projector,
    hub,
    sources,
    async reconcile() {
      return reconciler?.available ? reconciler.run() : undefined;
    },
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        // Sources first: they refuse new deliveries and drain their appends while the log is open.
        await stopSources();
        // Live clients next: open SSE responses would otherwise hold app.close() open.
        hub.close();
        liveEndpoints.close();
        stats.stop();
        // Fastify stops accepting, closes idle keep-alive sockets and waits for in-flight
        // requests, whose appends complete before they answer.
        const timer = setTimeout(
          () => app.server.closeAllConnections(),
          config.server.shutdownTimeoutMs,
        );
        try {
          await app.close();
        } finally {
          clearTimeout(timer);
          // Unfinished deliveries stay uncommitted: the next start delivers them again.
          await router?.stop();
          await schemaWatch.stop();
          await projector.stop();
          await log.close();
          removeGuard();
        }
      })();
      return closing;
    },
  };
}
