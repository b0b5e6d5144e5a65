import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from './clock.js';
import type { Simulation } from './model/simulation.js';
import type { ChannelManager } from './notifications/channel-manager.js';
import type { TokenStore } from './ports.js';

/**
 * Every fault the emulator can inject (CONTRACT: emulator faults), one entry each: its name, the
 * zod schema of its parameters (defaults included), and what it does. `POST /emulator/faults`,
 * `--fault` and `emulator.faults.apply()` all parse through the same schema and apply through
 * the same entry, so they accept and refuse exactly the same things with the same messages.
 */

/** A fault refused: unknown name, bad parameter, or an id the org does not have. */
export class FaultError extends Error {}

/** Transport faults in force: until when (epoch ms on the fault clock) and how much. */
export interface FaultWindows {
  silentUntil: number;
  heartbeatsStoppedUntil: number;
  duplicates: { ratio: number; until: number };
  reorder: { ratio: number; until: number };
  driftUntil: number;
  /** Payloads still to be padded past 256 KiB. */
  oversize: number;
  slow: { ms: number; until: number };
  /** `rate-limit`: every request to `paths` answered 429 with `Retry-After` until `until`. */
  rateLimit: { until: number; retryAfterSeconds: number; paths: RateLimitPaths };
}

/** What a `rate-limit` storm throttles: `/oauth/token`, the REST API (`/api/v2/*`), or both. */
export type RateLimitPaths = 'token' | 'api' | 'all';

export function noFaults(): FaultWindows {
  return {
    silentUntil: 0,
    heartbeatsStoppedUntil: 0,
    duplicates: { ratio: 0, until: 0 },
    reorder: { ratio: 0, until: 0 },
    driftUntil: 0,
    oversize: 0,
    slow: { ms: 0, until: 0 },
    rateLimit: { until: 0, retryAfterSeconds: 1, paths: 'all' },
  };
}

/** What a fault acts on: the windows the emulator consults, and the parts of it faults change. */
export interface FaultTarget {
  readonly windows: FaultWindows;
  /** Transport faults act in real time, on this clock; `burst` acts on the simulation. */
  readonly clock: Clock;
  /** Runs later on the clock; cancelled when the emulator stops. */
  later(ms: number, run: () => void): void;
  readonly channels: Pick<ChannelManager, 'channels' | 'remove'>;
  readonly tokens: Pick<TokenStore, 'clear'>;
  readonly webhooks: ReadonlyMap<string, { secret: string }>;
  readonly sim: Pick<Simulation, 'agents' | 'queues' | 'removeAgent' | 'burst'>;
  readonly deletedUsers: Set<string>;
  readonly deletedQueues: Set<string>;
  newCorrelationId(): string;
}

export interface FaultEntry<N extends string = string, S extends z.ZodType = z.ZodType> {
  readonly name: N;
  /** Parameters and their defaults; each message names the fault and the parameter. */
  readonly schema: S;
  /** May still refuse what depends on the org (a user id that does not exist). */
  apply(target: FaultTarget, params: z.output<S>): void;
}

const entry = <N extends string, S extends z.ZodType>(e: FaultEntry<N, S>) => e;

/** A number parameter with a default and a range, refused with the message the docs show. */
function num(fault: string, key: string, fallback: number, min = 0, max = Infinity) {
  const error = `${fault}: "${key}" must be a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error }).default(fallback);
}

const DROP_CLOSE_CODES = [1006, 1001, 4001];

/** A window in which a share of the messages is duplicated or reordered. */
function ratioWindow(name: 'duplicates' | 'reorder', defaultRatio: number) {
  return entry({
    name,
    schema: z.object({
      ratio: num(name, 'ratio', defaultRatio, 0, 1),
      seconds: num(name, 'seconds', 30),
    }),
    apply: (t, p) => {
      t.windows[name] = { ratio: p.ratio, until: t.clock.now() + p.seconds * 1000 };
    },
  });
}

export const FAULTS = [
  entry({
    name: 'maintenance',
    schema: z.object({ seconds: num('maintenance', 'seconds', 30) }),
    apply: (t, p) => {
      t.windows.silentUntil = t.clock.now() + p.seconds * 1000;
    },
  }),
  entry({
    name: 'drop-sockets',
    schema: z.object({
      code: num('drop-sockets', 'code', 1006).refine((c) => DROP_CLOSE_CODES.includes(c), {
        error: 'drop-sockets: "code" must be 1006, 1001 or 4001',
      }),
    }),
    apply: (t, { code }) => {
      for (const ch of t.channels.channels.values()) {
        if (!ch.socket) continue;
        if (code === 1006)
          ch.socket.terminate(); // no close frame: the client sees 1006
        else ch.socket.close(code, code === 1001 ? 'going away' : 'socket dropped');
      }
    },
  }),
  entry({
    name: 'socket-closing',
    schema: z.object({ seconds: num('socket-closing', 'seconds', 5, 0, 120) }),
    apply: (t, p) => {
      for (const ch of t.channels.channels.values()) {
        const ws = ch.socket;
        if (!ws) continue;
        ws.send(
          JSON.stringify({
            topicName: 'v2.system.socket_closing',
            version: '2',
            eventBody: { message: 'Socket is closing for planned maintenance', channelId: ch.id },
            metadata: { CorrelationId: t.newCorrelationId() },
          }),
        );
        t.later(p.seconds * 1000, () => ws.close(1001, 'planned close'));
      }
    },
  }),
  entry({
    name: 'expire-channels',
    schema: z.object({}),
    apply: (t) => {
      for (const ch of [...t.channels.channels.values()]) t.channels.remove(ch.id);
    },
  }),
  entry({
    name: 'stop-heartbeats',
    schema: z.object({ seconds: num('stop-heartbeats', 'seconds', 60) }),
    apply: (t, p) => {
      t.windows.heartbeatsStoppedUntil = t.clock.now() + p.seconds * 1000;
    },
  }),
  entry({
    name: 'revoke-tokens',
    schema: z.object({}),
    apply: (t) => {
      t.tokens.clear();
      for (const ch of t.channels.channels.values()) {
        // SystemMessageSystemMessage on `v2.system.token_revoked.{id}` (notificationMappings.json
        // of MyPureCloud/platform-client-sdk-javascript); what `{id}` names is not documented,
        // and the channel is what the message is about.
        ch.socket?.send(
          JSON.stringify({
            topicName: `v2.system.token_revoked.${ch.id}`,
            version: '2',
            eventBody: {
              channelId: ch.id,
              systemTopicType: 'token_revoked',
              reason: 'user_tokens_revoked',
              message: '',
            },
            metadata: { CorrelationId: randomUUID() },
          }),
        );
      }
    },
  }),
  ratioWindow('duplicates', 0.5),
  ratioWindow('reorder', 0.3),
  entry({
    name: 'schema-drift',
    schema: z.object({ seconds: num('schema-drift', 'seconds', 30) }),
    apply: (t, p) => {
      t.windows.driftUntil = t.clock.now() + p.seconds * 1000;
    },
  }),
  entry({
    name: 'oversize',
    schema: z.object({ count: num('oversize', 'count', 1, 1, 1000) }),
    apply: (t, p) => {
      t.windows.oversize += p.count;
    },
  }),
  entry({
    name: 'rotate-secret',
    schema: z.object({
      secret: z
        .string({ error: 'rotate-secret: "secret" is required' })
        .min(1, { error: 'rotate-secret: "secret" is required' }),
    }),
    apply: (t, p) => {
      for (const sub of t.webhooks.values()) sub.secret = p.secret;
    },
  }),
  entry({
    name: 'slow',
    schema: z.object({
      ms: num('slow', 'ms', 2000, 0, 60_000),
      seconds: num('slow', 'seconds', 30),
    }),
    apply: (t, p) => {
      t.windows.slow = { ms: p.ms, until: t.clock.now() + p.seconds * 1000 };
    },
  }),
  entry({
    name: 'rate-limit',
    schema: z.object({
      seconds: num('rate-limit', 'seconds', 30),
      retryAfterSeconds: num('rate-limit', 'retryAfterSeconds', 1, 1, 3600),
      paths: z
        .enum(['token', 'api', 'all'], {
          error: 'rate-limit: "paths" must be token, api or all',
        })
        .default('all'),
    }),
    apply: (t, p) => {
      t.windows.rateLimit = {
        until: t.clock.now() + p.seconds * 1000,
        retryAfterSeconds: p.retryAfterSeconds,
        paths: p.paths,
      };
    },
  }),
  entry({
    name: 'delete-user',
    schema: z.object({ id: z.string({ error: 'delete-user: "id" must be a user id' }) }),
    apply: (t, { id }) => {
      if (!t.sim.agents.has(id)) throw new FaultError('delete-user: "id" must be a user id');
      t.deletedUsers.add(id);
      t.sim.removeAgent(id);
    },
  }),
  entry({
    name: 'delete-queue',
    schema: z.object({ id: z.string({ error: 'delete-queue: "id" must be a queue id' }) }),
    apply: (t, { id }) => {
      if (!t.sim.queues.has(id)) throw new FaultError('delete-queue: "id" must be a queue id');
      // Gone from the API; channels that already list its topics keep them (and hear nothing new).
      t.deletedQueues.add(id);
    },
  }),
  entry({
    name: 'burst',
    schema: z.object({
      factor: num('burst', 'factor', 5, 1, 100),
      seconds: num('burst', 'seconds', 60, 1),
    }),
    apply: (t, p) => t.sim.burst(p.factor, p.seconds),
  }),
] as const;

export type FaultName = (typeof FAULTS)[number]['name'];
export const FAULT_NAMES: readonly FaultName[] = FAULTS.map((f) => f.name);

/** A fault whose parameters passed its schema, ready to apply. */
export interface ParsedFault {
  readonly name: FaultName;
  apply(target: FaultTarget): void;
}

/** Finds the entry and parses `params` through its schema; throws `FaultError` with its message. */
export function parseFault(
  name: string,
  params: Readonly<Record<string, unknown>> = {},
): ParsedFault {
  const found: FaultEntry<FaultName> | undefined = FAULTS.find((f) => f.name === name);
  if (!found) throw new FaultError(`unknown fault "${name}"; known: ${FAULT_NAMES.join(', ')}`);
  // null means "not given", as an absent key does.
  const given = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== null));
  const parsed = found.schema.safeParse(given);
  if (!parsed.success)
    throw new FaultError(parsed.error.issues[0]?.message ?? `${name}: bad parameters`);
  const entryFound = found;
  return { name: found.name, apply: (target) => entryFound.apply(target, parsed.data) };
}
