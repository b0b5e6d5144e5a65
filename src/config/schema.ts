import { z } from 'zod';
import { EVENT_KIND_NAMES } from '../log/event-kinds.js';

/**
 * The one configuration schema: defaults live here, env overrides are mapped in
 * `env-overrides.ts`, and `loadConfig()` validates once at start, then freezes.
 * A secret may be written inline, `{ env: NAME }`, `{ file: PATH }`, or the string forms
 * `env:NAME` / `file:PATH`; it is resolved at load and never logged.
 */
export const secretRefSchema = z.union([
  z.string().min(1),
  z.object({ value: z.string().min(1) }).strict(),
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

const namedSecretSchema = z.union([
  secretRefSchema,
  z
    .object({
      name: z.string().min(1).optional(),
      secret: secretRefSchema,
      /** A retired secret no longer verifies; signatures made with it are reported as such. */
      retired: z.boolean().default(false),
    })
    .strict(),
]);

/** An API bearer token; a scope limits what it may see on the live hub and the state APIs. */
const apiTokenSchema = z.union([
  secretRefSchema,
  z
    .object({
      name: z.string().min(1).optional(),
      secret: secretRefSchema,
      retired: z.boolean().default(false),
      scope: z
        .object({
          queues: z.array(z.string().min(1)).default([]),
          teams: z.array(z.string().min(1)).default([]),
        })
        .strict()
        .optional(),
    })
    .strict(),
]);

const cidrList = z.array(z.string().min(1)).default([]);

export const SIGNATURE_SCHEMES = ['genesys', 'hub-signature', 'standard-webhooks'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Proxies whose X-Forwarded-For is believed (CIDRs). Empty: the socket peer is the client. */
        trustedProxies: cidrList,
        /** Requests whose body has not fully arrived by then get 408 and the socket is closed. */
        bodyTimeoutMs: z.number().int().positive().default(10_000),
        /** Longest a graceful shutdown waits for in-flight requests before closing them. */
        shutdownTimeoutMs: z.number().int().positive().default(10_000),
        tls: z
          .object({
            cert: secretRefSchema,
            key: secretRefSchema,
            /** PEM of the CA that signs client certificates: turns on mutual TLS. */
            clientCa: secretRefSchema.optional(),
            /** Allowed client certificate subject CNs; empty allows any cert the CA signed. */
            allowedSubjects: z.array(z.string().min(1)).default([]),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    dataDir: z.string().min(1).default('./data'),
    log: z
      .object({
        backend: z.enum(['sqlite', 'jetstream']).default('sqlite'),
        dedupe: z.enum(['sqlite', 'kv', 'redis']).optional(),
        dedupeHorizonMs: z
          .number()
          .int()
          .positive()
          .default(24 * 3600 * 1000),
        /** fsync on every commit. Off only for throwaway demos: a power cut may lose acked events. */
        fsync: z.boolean().default(true),
        groupCommit: z
          .object({
            maxBatch: z.number().int().min(1).max(100_000).default(4096),
            /** Extra wait for more appends to join a commit; 0 = commit as soon as the writer is free. */
            maxWaitMs: z.number().min(0).max(1000).default(0),
          })
          .strict()
          .prefault({}),
        retention: z
          .object({
            maxAgeMs: z
              .number()
              .int()
              .positive()
              .default(7 * 24 * 3600 * 1000),
            maxBytes: z
              .number()
              .int()
              .positive()
              .default(10 * 1024 ** 3),
            intervalMs: z.number().int().positive().default(60_000),
          })
          .strict()
          .prefault({}),
        natsUrl: z.string().min(1).default('nats://127.0.0.1:4222'),
        stream: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/)
          .default('SWITCHBOARD'),
        redisUrl: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    ingest: z
      .object({
        bodyLimitBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024),
        maxEventsPerRequest: z.number().int().positive().default(10_000),
        /** Deeper JSON is quarantined rather than parsed (no real Genesys payload comes close). */
        maxDepth: z.number().int().min(2).max(10_000).default(128),
        /**
         * Dedupe keys tried in order for pushed events without a Genesys envelope; each entry is
         * one or more dotted paths joined into a composite key. The sha256 of the body is last.
         */
        idKeys: z
          .array(z.array(z.string().min(1)).min(1))
          .default([['notificationId'], ['id'], ['correlationId']]),
        allowCidrs: cidrList,
        overload: z
          .object({
            /** Events waiting for the log above which every request gets 429. */
            maxPendingEvents: z.number().int().positive().default(50_000),
            /** Above this, requests made only of low-priority kinds get 429 first. */
            shedLowPriorityAt: z.number().int().positive().default(20_000),
            lowPriorityKinds: z
              .array(z.enum(EVENT_KIND_NAMES))
              .default(['queue.observation', 'system', 'unknown']),
            retryAfterSec: z.number().int().positive().default(1),
          })
          .strict()
          .prefault({}),
        webhook: z
          .object({
            schemes: z
              .array(z.enum(SIGNATURE_SCHEMES))
              .min(1)
              .default([...SIGNATURE_SCHEMES]),
            secrets: z.array(namedSecretSchema).default([]),
            timestampToleranceSec: z.number().int().positive().default(300),
          })
          .strict()
          .prefault({}),
        eventbridge: z
          .object({
            apiKeyHeader: z.string().min(1).default('x-api-key'),
            apiKeys: z.array(namedSecretSchema).default([]),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        /** Bearer tokens for /api/* off loopback. */
        tokens: z.array(apiTokenSchema).default([]),
        maxPageSize: z.number().int().positive().default(1000),
      })
      .strict()
      .prefault({}),
    live: z
      .object({
        /** Service-level threshold for queues whose own setting is unknown (seconds). */
        serviceLevelThresholdSec: z.number().positive().default(20),
        /** Rolling window for answered / abandoned / service level, in minutes of event time. */
        windowMinutes: z
          .number()
          .positive()
          .max(24 * 60)
          .default(30),
        maxClients: z.number().int().positive().default(20_000),
        heartbeatMs: z.number().int().positive().default(5000),
        pingIntervalMs: z.number().int().positive().default(30_000),
        /** Unsent bytes on a client's socket above which deltas are coalesced instead of sent. */
        highWaterBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024),
        /** How long a client may stay above the high-water mark before it is disconnected. */
        slowClientTimeoutMs: z.number().int().positive().default(10_000),
        /** Coalesced entities a slow client may have pending before it is disconnected. */
        maxPendingChanges: z.number().int().positive().default(20_000),
        /** Changed entities kept for resume (the resume window). */
        historyChanges: z.number().int().positive().default(100_000),
        /** Most ids a filter may list per dimension. */
        maxFilterIds: z.number().int().positive().default(5000),
      })
      .strict()
      .prefault({}),
    source: z
      .object({
        mode: z.enum(['push', 'stream']).default('push'),
        demo: z.boolean().optional(),
        emulatorPort: z.number().int().min(0).max(65535).default(9400),
      })
      .strict()
      .prefault({}),
    genesys: z
      .object({
        clientId: z.string().min(1).optional(),
        clientSecret: secretRefSchema.optional(),
        region: z.string().min(1).optional(),
        apiBase: z.string().url().optional(),
      })
      .strict()
      .prefault({}),
    logging: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
