import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SwitchboardError } from '../errors.js';
import type { Router } from '../router/router.js';
import type { DriftCount } from '../router/schema-registry.js';

export interface PipelineRoutesDeps {
  /** Undefined when no target is configured: the routes answer empty. */
  router: Router | undefined;
  /** Schema drift counted so far (docs/schemas.md). */
  schemaDrift?: () => DriftCount[];
  /** Unscoped tokens only off loopback: pipelines see every event, whatever a scope limits. */
  authorize: (request: FastifyRequest) => void;
}

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'a target name');
const listQuery = z
  .object({
    target: name.optional(),
    id: z.string().min(1).max(1024).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** The cursor of the previous page: `<target>:<offset>`. */
    after: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}:\d{1,15}$/, '<target>:<offset>')
      .optional(),
  })
  .strict();
const replayBody = z
  .object({ target: name.optional(), id: z.string().min(1).max(1024).optional() })
  .strict();

/** The app reads JSON bodies raw (ingest needs the bytes); an empty one is `{}`. */
function jsonBody(raw: unknown): unknown {
  if (!(raw instanceof Uint8Array)) return raw;
  if (raw.byteLength === 0) return {};
  try {
    return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch {
    throw new SwitchboardError('SB_BAD_REQUEST', 'body: not JSON');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.');
  throw new SwitchboardError(
    'SB_BAD_REQUEST',
    `${path ? `${what}.${path}` : what}: ${issue?.message ?? 'invalid'}`,
  );
}

/**
 * The router's operations surface (CONTRACT.md "Sinks"): `GET /api/v1/targets` (per target:
 * offset, lag, delivered, failed, retried, dead-lettered, DLQ depth, circuit state, last error),
 * `GET /api/v1/dlq?target=&id=&limit=&after=` (dead letters without their bodies, paged by
 * `next`), `POST /api/v1/dlq/replay` `{"target"?, "id"?}` (re-drives them; one replay at a
 * time, 409 SB_REPLAY_BUSY otherwise). A target name the config does not have is 404
 * SB_TARGET_UNKNOWN.
 */
export function registerPipelineRoutes(app: FastifyInstance, deps: PipelineRoutesDeps): void {
  const onRequest = async (request: FastifyRequest) => deps.authorize(request);
  const known = (target: string | undefined) => {
    if (target !== undefined && !deps.router?.targets.includes(target))
      throw new SwitchboardError('SB_TARGET_UNKNOWN', `no target named ${target}`);
  };
  let replaying = false;

  app.get('/api/v1/targets', { onRequest }, async () => ({
    targets: deps.router ? await deps.router.stats() : [],
    schemaDrift: deps.schemaDrift?.() ?? [],
  }));

  app.get('/api/v1/dlq', { onRequest }, async (request) => {
    const q = parse(listQuery, request.query, 'query');
    known(q.target);
    if (!deps.router) return { deadLetters: [] };
    const sep = q.after?.lastIndexOf(':') ?? -1;
    const after =
      q.after === undefined
        ? undefined
        : { target: q.after.slice(0, sep), offset: Number(q.after.slice(sep + 1)) };
    const deadLetters = deps.router.listDeadLetters(
      {
        ...(q.target !== undefined ? { target: q.target } : {}),
        ...(q.id !== undefined ? { id: q.id } : {}),
        ...(after ? { after } : {}),
      },
      q.limit,
    );
    const last = deadLetters[deadLetters.length - 1];
    return {
      deadLetters,
      ...(deadLetters.length === q.limit && last ? { next: `${last.target}:${last.offset}` } : {}),
    };
  });

  app.post('/api/v1/dlq/replay', { onRequest }, async (request) => {
    const body = parse(replayBody, jsonBody(request.body), 'body');
    known(body.target);
    if (!deps.router) return { tried: 0, delivered: 0, failed: 0 };
    if (replaying) throw new SwitchboardError('SB_REPLAY_BUSY');
    replaying = true;
    try {
      return await deps.router.replay({
        ...(body.target !== undefined ? { target: body.target } : {}),
        ...(body.id !== undefined ? { id: body.id } : {}),
      });
    } finally {
      replaying = false;
    }
  });
}
