import { UsageError } from './errors.js';

/**
 * `switchboard dlq list|replay` (CONTRACT.md): the dead-letter queue of a running gateway,
 * through its API (`GET /api/v1/dlq`, `POST /api/v1/dlq/replay`). `--url` defaults to
 * `http://127.0.0.1:$PORT` (8080); off loopback the gateway wants an unscoped token, read from
 * `SWITCHBOARD_TOKEN`.
 */
export interface DlqOptions {
  sub: string | undefined;
  target?: string | undefined;
  id?: string | undefined;
  json?: boolean | undefined;
  url?: string | undefined;
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
}

interface DeadLetterRow {
  target: string;
  id: string;
  offset: number;
  attempts: number;
  lastError: string;
  kind?: string;
  lastFailedAt?: string;
}

export async function dlqCommand(o: DlqOptions): Promise<number> {
  const base = (o.url ?? `http://127.0.0.1:${o.env.PORT || '8080'}`).replace(/\/+$/, '');
  if (!URL.canParse(base)) throw new UsageError(`--url ${base}: not a URL`);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (o.env.SWITCHBOARD_TOKEN) headers.authorization = `Bearer ${o.env.SWITCHBOARD_TOKEN}`;
  const call = async (path: string, init: RequestInit = {}) => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, headers: { ...headers, ...init.headers } });
    } catch (err) {
      throw new Error(`cannot reach the gateway at ${base}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      const error = body.error as { code?: string; message?: string } | undefined;
      const why = `${base}${path}: ${res.status} ${error?.code ?? ''} ${error?.message ?? ''}`;
      // A target the gateway does not have is a bad argument; anything else a runtime failure.
      if (res.status === 404 || res.status === 400) throw new UsageError(why.trim());
      throw new Error(why.trim());
    }
    return body;
  };

  if (o.sub === 'list') {
    let after: string | undefined;
    let rows = 0;
    if (!o.json) o.out('target\tid\toffset\tattempts\tlast error');
    do {
      const q = new URLSearchParams({ limit: '1000' });
      if (o.target !== undefined) q.set('target', o.target);
      if (o.id !== undefined) q.set('id', o.id);
      if (after !== undefined) q.set('after', after);
      const page = await call(`/api/v1/dlq?${q.toString()}`);
      for (const d of (page.deadLetters ?? []) as DeadLetterRow[]) {
        rows++;
        o.out(
          o.json
            ? JSON.stringify(d)
            : [d.target, d.id, d.offset, d.attempts, d.lastError.replace(/\s+/g, ' ')].join('\t'),
        );
      }
      after = typeof page.next === 'string' ? page.next : undefined;
    } while (after !== undefined);
    if (!o.json) o.out(`${rows} dead letter${rows === 1 ? '' : 's'}`);
    return 0;
  }
  if (o.sub === 'replay') {
    const body = JSON.stringify({
      ...(o.target !== undefined ? { target: o.target } : {}),
      ...(o.id !== undefined ? { id: o.id } : {}),
    });
    const result = (await call('/api/v1/dlq/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })) as { tried?: number; delivered?: number; failed?: number };
    const delivered = result.delivered ?? 0;
    const failed = result.failed ?? 0;
    o.out(`${delivered} delivered, ${failed} back in the DLQ`);
    return failed === 0 ? 0 : 1;
  }
  throw new UsageError(
    o.sub === undefined
      ? 'missing subcommand: dlq list|replay'
      : `unknown subcommand "dlq ${o.sub}" (try "switchboard dlq list" or "switchboard dlq replay")`,
  );
}
