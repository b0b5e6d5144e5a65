import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/** The emulator's HTTP server, parsing bodies the way the SDK and OAuth clients send them. */
export function createGenesysApp(): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  // The SDK sends `content-type: application/json` with empty bodies (channel create, DELETE).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('invalid JSON body'), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  return app;
}

/** Genesys's error body (the SDK surfaces the body, not the HTTP status: keep `status` in it). */
export function genesysError(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({
    message,
    code,
    status,
    contextId: `emulator-${Date.now().toString(36)}`,
    details: [],
    errors: [],
  });
}

/** A list query parameter: the JS SDK sends `a,b`; other SDKs repeat the key. `id=` means none. */
export function listParam(request: FastifyRequest, name: string): string[] {
  const raw = (request.query as Record<string, string | string[] | undefined>)[name];
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function intParam(
  request: FastifyRequest,
  name: string,
  fallback: number,
  max: number,
): number {
  const raw = (request.query as Record<string, string | undefined>)[name];
  const n = raw === undefined ? fallback : Number.parseInt(raw, 10);
  return Number.isFinite(n) && n >= 1 ? Math.min(n, max) : fallback;
}

/** `{entities, pageSize, pageNumber, total, pageCount, *Uri}` as Genesys pages lists. */
export function page<T>(
  items: readonly T[],
  pageNumber: number,
  pageSize: number,
  basePath: string,
) {
  const total = items.length;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const uri = (n: number) => `${basePath}?pageSize=${pageSize}&pageNumber=${n}`;
  return {
    entities: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    pageSize,
    pageNumber,
    total,
    pageCount,
    firstUri: uri(1),
    selfUri: uri(pageNumber),
    lastUri: uri(pageCount),
    ...(pageNumber < pageCount ? { nextUri: uri(pageNumber + 1) } : {}),
    ...(pageNumber > 1 ? { previousUri: uri(pageNumber - 1) } : {}),
  };
}
