import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric the gateway exports, on a registry of its own (so several gateways
 * in one test process never share counters).
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  const registers = [registry];
  return {
    registry,
    ingestRequests: new Counter({
      name: 'switchboard_ingest_requests_total',
      help: 'Ingest requests by source and outcome (accepted, quarantined, rejected_*, shed, error).',
      labelNames: ['source', 'outcome'] as const,
      registers,
    }),
    ingestEvents: new Counter({
      name: 'switchboard_ingest_events_total',
      help: 'Events in accepted requests by source and outcome (stored, duplicate).',
      labelNames: ['source', 'outcome'] as const,
      registers,
    }),
    duplicates: new Counter({
      name: 'switchboard_duplicates_total',
      help: 'Events recognised as duplicates of an event already in the log.',
      labelNames: ['source'] as const,
      registers,
    }),
    unknownEvents: new Counter({
      name: 'switchboard_events_unknown_total',
      help: 'Events stored with kind "unknown" (shape not recognised).',
      labelNames: ['source'] as const,
      registers,
    }),
    signatureFailures: new Counter({
      name: 'switchboard_signature_failures_total',
      help: 'Rejected signatures by scheme and reason.',
      labelNames: ['source', 'scheme', 'reason'] as const,
      registers,
    }),
    signatureVerified: new Counter({
      name: 'switchboard_signature_verified_total',
      help: 'Verified requests by the secret that verified them (spot retired secrets still in use).',
      labelNames: ['source', 'scheme', 'secret'] as const,
      registers,
    }),
    quarantined: new Counter({
      name: 'switchboard_quarantined_total',
      help: 'Authentic bodies kept in quarantine, by reason.',
      labelNames: ['source', 'reason'] as const,
      registers,
    }),
    ackLatency: new Histogram({
      name: 'switchboard_ack_latency_seconds',
      help: 'From request arrival to the answer for ingest requests.',
      labelNames: ['source', 'status'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    appendBatchSize: new Histogram({
      name: 'switchboard_append_batch_events',
      help: 'Events per log commit (group commit batch size).',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
      registers,
    }),
    appendCommitSeconds: new Histogram({
      name: 'switchboard_append_commit_seconds',
      help: 'Time of one log commit (transaction and fsync).',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    }),
    logSizeBytes: new Gauge({
      name: 'switchboard_log_size_bytes',
      help: 'Bytes the event log occupies.',
      registers,
    }),
    logLastOffset: new Gauge({
      name: 'switchboard_log_last_offset',
      help: 'Highest offset assigned by the log.',
      registers,
    }),
    dedupeEntries: new Gauge({
      name: 'switchboard_dedupe_entries',
      help: 'Event ids inside the dedupe horizon held in memory by the log writer (about 16 B each).',
      registers,
    }),
    logPendingEvents: new Gauge({
      name: 'switchboard_log_pending_events',
      help: 'Events waiting to be made durable (admission control sheds above a threshold).',
      registers,
    }),
    consumerLag: new Gauge({
      name: 'switchboard_consumer_lag_events',
      help: 'Events between the log end and each consumer committed offset.',
      labelNames: ['consumer'] as const,
      registers,
    }),
    liveClients: new Gauge({
      name: 'switchboard_live_clients',
      help: 'Live hub clients connected (WebSocket and SSE).',
      registers,
    }),
    liveMessages: new Counter({
      name: 'switchboard_live_messages_total',
      help: 'Messages written to live clients, by type (snapshot, delta, heartbeat).',
      labelNames: ['type'] as const,
      registers,
    }),
    liveCoalesced: new Counter({
      name: 'switchboard_live_coalesced_total',
      help: 'Coalesced deltas sent to clients that had fallen behind.',
      registers,
    }),
    liveEvicted: new Counter({
      name: 'switchboard_live_evicted_total',
      help: 'Live clients disconnected by the hub, by reason: behind, pending, budget (close code 4408), flood (4429).',
      labelNames: ['reason'] as const,
      registers,
    }),
    liveBufferedBytes: new Gauge({
      name: 'switchboard_live_buffered_bytes',
      help: 'Bytes written to live clients and not yet sent, all clients together (each is held to live.maxBufferedBytes).',
      registers,
    }),
    liveResumes: new Counter({
      name: 'switchboard_live_resumes_total',
      help: 'Reconnects that asked to resume, by result (resumed, snapshot).',
      labelNames: ['result'] as const,
      registers,
    }),
    sourceGaps: new Counter({
      name: 'switchboard_source_gaps_total',
      help: 'Windows in which a source may have missed events (each goes to the reconciler).',
      labelNames: ['source', 'reason'] as const,
      registers,
    }),
    retentionFailures: new Counter({
      name: 'switchboard_log_retention_failures_total',
      help: 'Timed log retention passes that failed (each is retried on the next pass).',
      registers,
    }),
    handlerErrors: new Counter({
      name: 'switchboard_handler_errors_total',
      help: 'Errors that escaped a request or socket handler and were contained (the gateway went on).',
      labelNames: ['handler'] as const,
      registers,
    }),
    reconcileActivations: new Counter({
      name: 'switchboard_reconcile_activations_total',
      help: 'Reconcile runs asked for by the gateway itself, by cause (gap: a source may have missed events; stale: no event while agents are logged in; impossible: a ring or a conversation too old to be true).',
      labelNames: ['cause'] as const,
      registers,
    }),
    projectionSweeps: new Counter({
      name: 'switchboard_projection_sweeps_total',
      help: 'States live state held that cannot be true, ended by a reconcile.sweep event, by reason (ring-timeout: a ring past reconcile.maxRingMs; silent-conversation: no event for reconcile.maxSilentConversationMs).',
      labelNames: ['reason'] as const,
      registers,
    }),
    reconcileActivationsLastHour: new Gauge({
      name: 'switchboard_reconcile_activations_last_hour',
      help: 'Reconcile activations in the last hour.',
      registers,
    }),
    reconcileAlert: new Gauge({
      name: 'switchboard_reconcile_alert',
      help: '1 while the last hour had more reconcile activations than reconcile.maxActivationsPerHour (something keeps breaking), else 0.',
      registers,
    }),
    streamReconnects: new Counter({
      name: 'switchboard_stream_reconnects_total',
      help: 'Notification API sockets that ended unplanned, by cause (closed <code>, heartbeat-timeout, ping-timeout, error); each is reconnected and its window reported as a gap.',
      labelNames: ['cause'] as const,
      registers,
    }),
    streamHandovers: new Counter({
      name: 'switchboard_stream_handovers_total',
      help: 'Planned make-before-break channel handovers, by reason (socket-closing, channel-expiry, token-revoked).',
      labelNames: ['reason'] as const,
      registers,
    }),
    streamChannels: new Gauge({
      name: 'switchboard_stream_channels',
      help: 'Notification API channels, by state (open, down).',
      labelNames: ['state'] as const,
      registers,
    }),
    streamTopics: new Gauge({
      name: 'switchboard_stream_topics',
      help: 'Topics the stream follows, by state (subscribed, rejected).',
      labelNames: ['state'] as const,
      registers,
    }),
    streamPruned: new Gauge({
      name: 'switchboard_stream_pruned',
      help: 'Ids the stream config names that the org does not have (deleted, inactive, mistyped), by kind (user, queue, team, division); not followed.',
      labelNames: ['kind'] as const,
      registers,
    }),
    streamLastDeliveryAge: new Gauge({
      name: 'switchboard_stream_last_delivery_age_seconds',
      help: 'Seconds since the last heartbeat or event on any stream channel.',
      registers,
    }),
    targetDelivered: new Counter({
      name: 'switchboard_target_delivered_total',
      help: 'Events a target durably accepted (a duplicate it absorbed included), by target.',
      labelNames: ['target'] as const,
      registers,
    }),
    targetFailed: new Counter({
      name: 'switchboard_target_failed_total',
      help: 'Deliveries of an event that failed (every try counts), by target.',
      labelNames: ['target'] as const,
      registers,
    }),
    targetRetried: new Counter({
      name: 'switchboard_target_retried_total',
      help: 'Tries of an event after its first, by target.',
      labelNames: ['target'] as const,
      registers,
    }),
    targetDeadLettered: new Counter({
      name: 'switchboard_target_dead_lettered_total',
      help: 'Events sent to the dead-letter queue, by target.',
      labelNames: ['target'] as const,
      registers,
    }),
    targetLag: new Gauge({
      name: 'switchboard_target_lag_events',
      help: "Events between a target's committed offset and the log head.",
      labelNames: ['target'] as const,
      registers,
    }),
    targetDlqDepth: new Gauge({
      name: 'switchboard_target_dlq_depth',
      help: "Events in a target's dead-letter queue.",
      labelNames: ['target'] as const,
      registers,
    }),
    targetCircuit: new Gauge({
      name: 'switchboard_target_circuit_state',
      help: "A target's circuit: 0 closed, 1 half-open (one probe), 2 open (left alone).",
      labelNames: ['target'] as const,
      registers,
    }),
    lakeSilverBehind: new Gauge({
      name: 'switchboard_lake_silver_behind_events',
      help: "Events a lake's bronze files hold that its silver tables do not yet (silver runs every silver.intervalMs).",
      labelNames: ['target'] as const,
      registers,
    }),
    genesysRetries: new Counter({
      name: 'switchboard_genesys_retries_total',
      help: 'Repeated attempts of the Genesys REST client (reconcile runs and the stream together), by reason (rate-limited, server-error, network, timeout, unauthorized).',
      labelNames: ['reason'] as const,
      registers,
    }),
    genesysBudgetWait: new Counter({
      name: 'switchboard_genesys_budget_wait_seconds_total',
      help: 'Time Genesys REST requests waited for the request budget (genesys.requestsPerMinute), summed.',
      registers,
    }),
    genesysRateLimitWait: new Counter({
      name: 'switchboard_genesys_rate_limit_wait_seconds_total',
      help: "Time Genesys REST requests waited because of 429s (the throttled request's Retry-After, and others held while it was in force), summed.",
      registers,
    }),
    reconcileRuns: new Counter({
      name: 'switchboard_reconcile_runs_total',
      help: 'Reconciliation runs against the REST API, by result (ok, error).',
      labelNames: ['result'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Sets an unlabelled counter to a total kept elsewhere (read at scrape time), for totals that
 * only grow, such as the REST client's `stats`.
 */
export function setCounter(counter: Counter, total: number): void {
  counter.reset();
  if (total > 0) counter.inc(total);
}

/** Sets a counter with one label to totals kept elsewhere (read at scrape time). */
export function setLabelledCounter<L extends string>(
  counter: Counter<L>,
  label: L,
  totals: readonly (readonly [string, number])[],
): void {
  counter.reset();
  for (const [value, total] of totals)
    if (total > 0) counter.inc({ [label]: value } as Partial<Record<L, string>>, total);
}

/** Memoizes labelled metric children: label hashing is measurable on the ingest hot path. */
export function labelled<T>(make: (a: string, b: string) => T): (a: string, b: string) => T {
  const cache = new Map<string, T>();
  return (a, b) => {
    const key = `${a}\u0000${b}`;
    let child = cache.get(key);
    if (child === undefined) cache.set(key, (child = make(a, b)));
    return child;
  };
}
