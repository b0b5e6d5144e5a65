import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { SwitchboardError } from '../errors.js';
import type { EventSource } from '../log/event-log.js';
import type { IngestMetrics } from '../ops/ingest-metrics.js';
import type { Metrics } from '../ops/metrics.js';
import { IngestPipeline, type IngestReply } from './ingest-pipeline.js';
import { registerIngestRoute, type IngestRouteOptions } from './ingest-route.js';
import type { Source, SourceContext, SourceHealth } from './source.js';
import { SourceLifecycle } from './source-lifecycle.js';

export interface PushSourceOptions {
  name: string;
  kind: EventSource;
  path: string;
  metrics: Metrics;
  ingestMetrics: IngestMetrics;
  config: Pick<Config, 'ingest'>;
  guard: ((request: FastifyRequest) => void) | undefined;
  authenticate: IngestRouteOptions['authenticate'];
  now?: () => number;
}

/**
 * A Source fed by HTTP pushes (webhook, EventBridge). Its route is registered at construction,
 * because fastify takes no routes once listening, and answers 503 until `start` (SB_NOT_READY)
 * and after `stop` (SB_SHUTTING_DOWN). A failed append is answered 503 and opens a gap: the
 * sender retries, but may give up before the log is back.
 */
export class PushSource implements Source {
  readonly name: string;
  readonly kind: EventSource;
  readonly #options: PushSourceOptions;
  readonly #life: SourceLifecycle;
  #pipeline: IngestPipeline | undefined;

  constructor(app: FastifyInstance, options: PushSourceOptions) {
    this.name = options.name;
    this.kind = options.kind;
    this.#options = options;
    this.#life = new SourceLifecycle({
      kind: options.kind,
      gapOnAppendFailure: true,
      ...(options.now ? { now: options.now } : {}),
    });
    registerIngestRoute(app, {
      path: options.path,
      source: options.kind,
      metrics: options.ingestMetrics,
      guard: options.guard,
      authenticate: options.authenticate,
      refusal: () => this.#life.refusal(),
      ingest: (body, contentType, fallbackId) => this.#ingest(body, contentType, fallbackId),
    });
  }

  async start(ctx: SourceContext): Promise<void> {
    const appender = this.#life.start(ctx);
    const { metrics, config, now } = this.#options;
    this.#pipeline ??= new IngestPipeline({
      appender,
      metrics,
      config,
      logger: ctx.logger,
      reportGap: ctx.reportGap,
      ...(now ? { now } : {}),
    });
  }

  stop(): Promise<void> {
    return this.#life.stop();
  }

  health(): SourceHealth {
    return this.#life.health();
  }

  async #ingest(
    body: Buffer,
    contentType: string | undefined,
    fallbackId: string | undefined,
  ): Promise<IngestReply> {
    const pipeline = this.#pipeline;
    if (pipeline === undefined) throw this.#life.refusal() ?? new SwitchboardError('SB_NOT_READY');
    this.#life.enter();
    try {
      return await pipeline.ingest(this.kind, body, contentType, fallbackId);
    } finally {
      this.#life.leave();
    }
  }
}
