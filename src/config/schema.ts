import { z } from 'zod';
import { EVENT_KIND_NAMES } from '../log/event-kinds.js';
import { isTimeZone } from '../projection/queue-window.js';
import { withEnv } from './env-names.js';
import { secretRefSchema } from './secret-ref.js';
import { sinksSchema } from './sinks-schema.js';
import { dashboardSchema } from './dashboard-schema.js';

/**
 * The one configuration schema: defaults and environment variable names live here (`withEnv`;
 * `env-overrides.ts` derives the override table from them), and `loadConfig()` validates once
 * at start, then freezes. Settings kept for a later release are refused when set (`refuse`),
 * with the reason, rather than accepted and ignored.
 * Secrets: `secret-ref.ts`; sinks: `sinks-schema.ts`.
 */
export { secretRefSchema, type SecretRef } from './secret-ref.js';

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
          /** Genesys division ids: agents and queues in them, and events about those. */
          divisions: z.array(z.string().min(1)).optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
]);

const cidrList = z.array(z.string().min(1)).default([]);

/** A Genesys entity id as it goes into a topic name: no dots, no wildcards. */
const genesysId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, { error: 'must be a Genesys id (letters, digits, - and _)' });

/**
 * Refuses the values of a field that nothing implements yet, with the reason (the error names
 * the field's path and, when it came from the environment, the variable). Put it before
 * `.default()`: a default is not checked, so only values the user set are refused.
 */
function refuse<T>(why: (value: T) => string | undefined) {
  return (value: T, ctx: z.core.$RefinementCtx<T>) => {
    const reason = why(value);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason, input: value });
  };
}

const JETSTREAM_LATER =
  'the JetStream (cluster) log is not implemented in this build yet (it lands in a later release)';

/** Why `log.backend: jetstream` is refused; createEventLog repeats it for a hand-built Config. */
export const JETSTREAM_NOT_IMPLEMENTED = `"jetstream": ${JETSTREAM_LATER}; use "sqlite"`;

/** Fields that only the JetStream backend reads: any value set is refused. */
const onlyForJetstream = refuse<unknown>(
  () => `only the jetstream log backend reads this, and ${JETSTREAM_LATER}; remove it`,
);

export const SIGNATURE_SCHEMES = ['genesys', 'hub-signature', 'standard-webhooks'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

/**
 * A webhook secret verifies exactly one scheme, so a signature made for one scheme (an HMAC over
 * the body) can never pass as another's (an HMAC over `id.timestamp.body`). Without `scheme`: a
 * `whsec_` secret is Standard Webhooks', any other is `genesys` (X-Genesys-Webhook-Signature);
 * `hub-signature` is always named.
 */
const webhookSecretSchema = z.union([
  secretRefSchema,
  z
    .object({
      name: z.string().min(1).optional(),
      secret: secretRefSchema,
      scheme: z.enum(SIGNATURE_SCHEMES).optional(),
      /** A retired secret no longer verifies; signatures made with it are reported as such. */
      retired: z.boolean().default(false),
    })
    .strict(),
]);

export const configSchema = z
  .object({
    server: z
      .object({
        host: withEnv(z.string().min(1).default('127.0.0.1'), 'HOST'),
        port: withEnv(z.number().int().min(0).max(65535).default(8080), 'PORT'),
        /** Proxies whose X-Forwarded-For is believed (CIDRs). Empty: the socket peer is the client. */
        trustedProxies: cidrList,
        /**
         * Host names (besides localhost, loopback addresses, this machine's name and `host`) a
         * browser on this machine may use to reach the gateway without a token.
         */
        allowedHosts: z.array(z.string().min(1)).default([]),
        /** Origins (`https://wall.example.com`) whose pages may call the gateway on loopback. */
        allowedOrigins: z
          .array(
            z.string().refine(
              (o) => {
                const u = URL.canParse(o) ? new URL(o) : undefined;
                return u?.origin !== 'null' && u?.pathname === '/' && !u.search && !u.hash;
              },
              { message: 'an origin: http(s)://host[:port], no path' },
            ),
          )
          .default([]),
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
    dataDir: withEnv(z.string().min(1).default('./data'), 'SWITCHBOARD_DATA_DIR'),
    log: z
      .object({
        backend: withEnv(
          z
            .enum(['sqlite', 'jetstream'])
            .superRefine(refuse((v) => (v === 'jetstream' ? JETSTREAM_NOT_IMPLEMENTED : undefined)))
            .default('sqlite'),
          'SWITCHBOARD_LOG',
        ),
        dedupe: withEnv(
          z
            .enum(['sqlite', 'kv', 'redis'])
            .superRefine(
              refuse((v) =>
                v === 'sqlite'
                  ? undefined
                  : `"${v}": this dedupe store is not implemented in this build yet (it comes with the JetStream log in a later release); use "sqlite" or leave it unset`,
              ),
            )
            .optional(),
          'SWITCHBOARD_DEDUPE',
        ),
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
        natsUrl: withEnv(
          z.string().min(1).superRefine(onlyForJetstream).default('nats://127.0.0.1:4222'),
          'NATS_URL',
        ),
        stream: withEnv(
          z
            .string()
            .regex(/^[A-Za-z0-9_-]+$/)
            .superRefine(onlyForJetstream)
            .default('SWITCHBOARD'),
          'SWITCHBOARD_STREAM',
        ),
        redisUrl: withEnv(
          z
            .string()
            .min(1)
            .superRefine(
              refuse(
                () =>
                  'only the redis dedupe store reads this, and it is not implemented in this build yet; remove it',
              ),
            )
            .optional(),
          'REDIS_URL',
        ),
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
            secrets: withEnv(
              z.array(webhookSecretSchema).default([]),
              'SWITCHBOARD_WEBHOOK_SECRETS',
            ),
            timestampToleranceSec: z.number().int().positive().default(300),
          })
          .strict()
          .prefault({}),
        eventbridge: z
          .object({
            apiKeyHeader: z.string().min(1).default('x-api-key'),
            apiKeys: withEnv(
              z.array(namedSecretSchema).default([]),
              'SWITCHBOARD_EVENTBRIDGE_API_KEYS',
            ),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        /** Bearer tokens for /api/* off loopback. */
        tokens: withEnv(z.array(apiTokenSchema).default([]), 'SWITCHBOARD_API_TOKENS'),
        maxPageSize: z.number().int().positive().default(1000),
        /** A page of /api/v1/events stops before the event that would take it past this size. */
        maxPageBytes: z
          .number()
          .int()
          .min(64 * 1024)
          .default(4 * 1024 * 1024),
        /** Least time between two runs of POST /api/v1/reconcile (each spends the org's quota). */
        reconcileMinIntervalMs: z.number().int().min(0).default(60_000),
      })
      .strict()
      .prefault({}),
    live: z
      .object({
        /** Service-level threshold for queues whose own setting is unknown (seconds). */
        serviceLevelThresholdSec: z.number().positive().default(20),
        /**
         * Show users that are not agents (in no queue and never on a conversation as an agent:
         * admins, supervisors) as agents on the wall too. Genesys marks no user as an agent.
         */
        showNonAgents: z.boolean().default(false),
        /** Rolling window for answered / abandoned / service level, in minutes of event time. */
        windowMinutes: z
          .number()
          .positive()
          .max(24 * 60)
          .default(30),
        /**
         * The window of the queues' windowed figures (and the wallboard's KPIs): `rolling`, the
         * last `windowMinutes`; `today`, since midnight in `timeZone` (event time).
         */
        window: z.enum(['rolling', 'today']).default('rolling'),
        /** The org's IANA time zone (`Europe/London`) where `today` begins; default: this host's. */
        timeZone: z
          .string()
          .refine(isTimeZone, { message: 'an IANA time zone, such as Europe/London' })
          .default(() => {
            const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
            return isTimeZone(zone) ? zone : 'UTC';
          }),
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
        /**
         * The outbound budget: unsent bytes one client may hold, whatever they are (snapshot,
         * deltas, pongs); a write past it disconnects the client (4408). A client with nothing
         * unsent always gets its message, so a snapshot larger than this still goes out.
         */
        maxBufferedBytes: z
          .number()
          .int()
          .positive()
          .default(64 * 1024 * 1024),
        /** Messages (and WebSocket pings) a client may send a second, bursts of twice that. */
        clientMessagesPerSec: z.number().positive().default(10),
        /** Coalesced entities a slow client may have pending before it is disconnected. */
        maxPendingChanges: z.number().int().positive().default(20_000),
        /** Changed entities kept for resume (the resume window). */
        historyChanges: z.number().int().positive().default(100_000),
        /** Most ids a filter may list, users, queues and teams together. */
        maxFilterIds: z.number().int().positive().default(1000),
        /** Most ids the filters of all connected clients may list together (distinct filters). */
        maxFilterIdsTotal: z.number().int().positive().default(1_000_000),
      })
      .strict()
      .prefault({}),
    reconcile: z
      .object({
        /** No event from any source this long while agents are logged in: a run. 0: never. */
        staleAfterMs: z.number().int().min(0).default(15_000),
        /** A gap or staleness waits this long for more before its run starts. */
        activationDebounceMs: z.number().int().min(0).max(600_000).default(250),
        /** More activations than this in an hour mark the reconcile source degraded. */
        maxActivationsPerHour: z.number().int().min(0).default(2),
        /** A ring older than this cannot be true (its end was lost): a run. */
        maxRingMs: z.number().int().min(1000).default(120_000),
        /** A conversation with no event for this long cannot be in progress: a run. */
        maxSilentConversationMs: z
          .number()
          .int()
          .min(60_000)
          .default(4 * 3600_000),
      })
      .strict()
      .prefault({}),
    source: z
      .object({
        /**
         * `stream` (the default with Genesys credentials, and in demo mode against the built-in
         * emulator): the Notification API client pulls events; `push`: events arrive only on the
         * ingest routes (in demo mode the emulator then pushes EventBridge envelopes). The ingest
         * routes stay open either way.
         */
        mode: withEnv(z.enum(['push', 'stream']).optional(), 'SWITCHBOARD_SOURCE'),
        /** What the stream follows and how it watches its sockets (docs/stream.md). */
        stream: z
          .object({
            /** Queue ids; absent: every queue of the org. */
            queues: z.array(genesysId).max(5000).optional(),
            /** Also follow the members of the followed queues. */
            queueMembers: z.boolean().default(true),
            teams: z.array(genesysId).max(1000).default([]),
            divisions: z.array(genesysId).max(1000).default([]),
            users: z.array(genesysId).max(20_000).default([]),
            userTopics: z
              .array(z.enum(['activity', 'presence', 'routingStatus', 'conversations']))
              .default(['activity', 'conversations']),
            queueTopics: z
              .array(z.enum(['conversations', 'users', 'observations']))
              .default(['conversations', 'users', 'observations']),
            /** No heartbeat and no event for this long: reconnect. */
            heartbeatTimeoutMs: z.number().int().min(1000).max(600_000).default(75_000),
            /** A client ping this often; unanswered for `pongTimeoutMs`: reconnect. */
            pingIntervalMs: z.number().int().min(1000).max(600_000).default(5000),
            pongTimeoutMs: z.number().int().min(500).max(120_000).default(10_000),
            /** Re-read the directory this often (queue membership changes). */
            refreshIntervalMs: z.number().int().min(10_000).default(300_000),
            /**
             * Hand a channel over (make-before-break) this long before it expires. Channels live
             * 24 h (FACTS §1.6); tests shorten the emulator's channels and this with them.
             */
            renewAheadMs: z
              .number()
              .int()
              .min(1000)
              .max(23 * 3_600_000)
              .default(3_600_000),
          })
          .strict()
          .prefault({}),
        demo: withEnv(z.boolean().optional(), 'SWITCHBOARD_DEMO'),
        emulatorPort: withEnv(z.number().int().min(0).max(65535).default(9400), 'EMULATOR_PORT'),
      })
      .strict()
      .prefault({}),
    genesys: z
      .object({
        clientId: withEnv(z.string().min(1).optional(), 'GENESYS_CLIENT_ID'),
        clientSecret: withEnv(secretRefSchema.optional(), 'GENESYS_CLIENT_SECRET'),
        region: withEnv(z.string().min(1).optional(), 'GENESYS_REGION'),
        apiBase: withEnv(z.string().url().optional(), 'GENESYS_API_BASE'),
        /** Most REST requests a minute, the stream and reconciliation together (0: no limit). */
        requestsPerMinute: z.number().int().min(0).default(240),
      })
      .strict()
      .prefault({}),
    sinks: sinksSchema,
    /** Thresholds and named boards for every dashboard screen (./dashboard-schema.ts). */
    dashboard: dashboardSchema,
    logging: z
      .object({
        level: withEnv(
          z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
          'SWITCHBOARD_LOG_LEVEL',
        ),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
