import { z } from 'zod';
import { secretRefSchema } from './secret-ref.js';

/**
 * `sinks` (CONTRACT.md "Sinks"): the targets events go to and the routes that select them.
 * Every target is a log consumer with its own offset; the router options below are per target.
 * Route patterns are checked when the config loads (load-config.ts), so a bad one fails the
 * start with its path.
 */
const targetName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'letters, digits, - and _, at most 63');

const routerOptions = {
  /** Tries per event before it is dead-lettered (the first included). */
  maxAttempts: z.number().int().min(1).max(1000).default(8),
  /** Where a target that has never delivered starts: the oldest retained event, or the end. */
  startAt: z.enum(['earliest', 'latest']).default('earliest'),
  retry: z
    .object({
      initialMs: z.number().int().min(1).max(600_000).default(500),
      maxMs: z.number().int().min(1).max(3_600_000).default(60_000),
    })
    .strict()
    .prefault({}),
  circuit: z
    .object({
      /** Deliveries in a row that fail retryably before the target is left alone. */
      failureThreshold: z.number().int().min(1).max(1000).default(5),
      cooldownMs: z.number().int().min(10).max(3_600_000).default(30_000),
    })
    .strict()
    .prefault({}),
};

const httpTarget = z
  .object({
    name: targetName,
    type: z.literal('http'),
    url: z
      .string()
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), 'an http:// or https:// URL'),
    /** Standard Webhooks signing secret (`whsec_…`, or any string). Unset: unsigned. */
    secret: secretRefSchema.optional(),
    timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
    /** Requests in flight at once. */
    concurrency: z.number().int().min(1).max(256).default(4),
    ...routerOptions,
  })
  .strict();

/** The lake (docs/lake.md): bronze NDJSON under `path`, queried with `switchboard lake query`. */
const lakeTarget = z
  .object({
    name: targetName,
    type: z.literal('lake'),
    /** Default `<dataDir>/lake`. */
    path: z.string().min(1).max(4096).optional(),
    /** A bronze file takes no event that would make it larger. */
    maxFileBytes: z
      .number()
      .int()
      .min(4096)
      .max(4 * 1024 * 1024 * 1024)
      .default(64 * 1024 * 1024),
    /** A bronze file takes no event received this long after its first. */
    maxFileAgeMs: z.number().int().min(1000).max(86_400_000).default(3_600_000),
    /** Silver Parquet tables, written from bronze; `false`: bronze only. */
    silver: z
      .union([
        z.literal(false),
        z
          .object({
            intervalMs: z.number().int().min(1000).max(3_600_000).default(30_000),
            compactIntervalMs: z.number().int().min(10_000).max(86_400_000).default(600_000),
            /** A date with this many parts is compacted (past dates: from one). */
            compactAfterParts: z.number().int().min(2).max(10_000).default(24),
          })
          .strict(),
      ])
      .prefault({}),
    ...routerOptions,
  })
  .strict();

/** PostgreSQL (docs/sinks-postgres.md): raw `events` table, UNIQUE on the event id. */
const postgresTarget = z
  .object({
    name: targetName,
    type: z.literal('postgres'),
    /** `postgres://user:password@host:5432/db` (a secret: `env:DATABASE_URL`). */
    url: secretRefSchema,
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _, at most 63')
      .default('switchboard'),
    timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
    /** Connections (and inserts in flight) at once. */
    concurrency: z.number().int().min(1).max(64).default(2),
    ...routerOptions,
  })
  .strict();

/** A `{field}` template over the event (src/sinks/template.ts), checked when the config loads. */
const template = z.string().min(1).max(256);

/** Amazon EventBridge PutEvents (docs/sinks-eventbridge.md); credentials: the AWS SDK's chain. */
const eventbridgeTarget = z
  .object({
    name: targetName,
    type: z.literal('eventbridge'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1'),
    eventBusName: z.string().min(1).max(1600),
    /** Another PutEvents endpoint (a VPC endpoint, a local stand-in). */
    endpoint: z
      .string()
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), 'an http:// or https:// URL')
      .optional(),
    source: template.default('switchboard.genesys'),
    detailType: template.default('{kind}'),
    timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
    concurrency: z.number().int().min(1).max(64).default(4),
    ...routerOptions,
  })
  .strict();

/** RabbitMQ / AMQP 0-9-1 with publisher confirms (docs/sinks-amqp.md). */
const amqpTarget = z
  .object({
    name: targetName,
    type: z.literal('amqp'),
    /** `amqp://user:password@host:5672/vhost` (a secret: `env:AMQP_URL`). */
    url: secretRefSchema,
    exchange: z.string().min(1).max(255),
    exchangeType: z.enum(['topic', 'direct', 'fanout', 'headers']).default('topic'),
    routingKey: template.default('{kind}'),
    timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
    ...routerOptions,
  })
  .strict();

/** What `sinks` holds when the config names no targets: the lake, with every event routed to it. */
export const DEFAULT_LAKE = { name: 'lake', type: 'lake' } as const;
export const DEFAULT_LAKE_ROUTE = { name: 'all-to-lake', pattern: {}, targets: ['lake'] };

export const sinksSchema = z
  .object({
    // Absent: the lake alone (DEFAULT_LAKE); `[]` turns every target off.
    targets: z
      .array(
        z.discriminatedUnion('type', [
          httpTarget,
          lakeTarget,
          postgresTarget,
          eventbridgeTarget,
          amqpTarget,
        ]),
      )
      .max(64)
      .prefault([DEFAULT_LAKE]),
    routes: z
      .array(
        z
          .object({
            name: targetName,
            /** An EventBridge event pattern over the event document (docs/rules.md). */
            pattern: z.record(z.string(), z.unknown()),
            targets: z.array(targetName).min(1).max(64),
          })
          .strict(),
      )
      .max(1000)
      .optional(),
  })
  .strict()
  // Absent routes: everything to the target named `lake`, when there is one.
  .transform((sinks) => ({
    targets: sinks.targets,
    routes:
      sinks.routes ??
      (sinks.targets.some((t) => t.name === DEFAULT_LAKE_ROUTE.targets[0])
        ? [DEFAULT_LAKE_ROUTE]
        : []),
  }))
  .superRefine((sinks, ctx) => {
    const names = new Set<string>();
    sinks.targets.forEach((t, i) => {
      if (names.has(t.name))
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'name'],
          message: `a second target named ${t.name}`,
        });
      names.add(t.name);
    });
    const routes = new Set<string>();
    sinks.routes.forEach((r, i) => {
      if (routes.has(r.name))
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'name'],
          message: `a second route named ${r.name}`,
        });
      routes.add(r.name);
      r.targets.forEach((name, j) => {
        if (!names.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['routes', i, 'targets', j],
            message: `no target named ${name} in sinks.targets`,
          });
      });
    });
  })
  .prefault({});

export type SinksConfigInput = z.output<typeof sinksSchema>;
export type HttpTargetInput = z.output<typeof httpTarget>;
export type LakeTargetInput = z.output<typeof lakeTarget>;
