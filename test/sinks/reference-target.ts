/**
 * A real HTTP server standing in for a sink's target: it stores each POSTed body under its
 * `webhook-id` (the idempotency key), answers a repeated key as a replay without storing it
 * again, and can be made to fail or to hold its answers. A POST without a key is stored as is,
 * as a target that cannot dedupe would. It may also verify each request first (401 when that
 * fails) and be scripted to answer otherwise.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BreakMode, TargetRecord } from './sink-suite.js';

export interface Seen {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What a scripted answer may be: a response, or a request left without one. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export class ReferenceTarget {
  /** Every request, in arrival order. */
  readonly seen: Seen[] = [];
  /** Answers instead of the normal handling when it returns a reply (`n` counts from 1). */
  script: ((seen: Seen, n: number) => Reply | undefined) | undefined;
  /** Requests `verify` refused. */
  verifyFailures = 0;
  readonly #verify: ((seen: Seen) => boolean) | undefined;
  readonly #records: TargetRecord[] = [];
  readonly #keys = new Set<string>();
  #mode: BreakMode = 'none';
  #brokenIds: ReadonlySet<string> | undefined;
  #held: (() => void)[] | undefined;
  #server = createServer((req, res) => {
    this.#handle(req, res).catch(() => res.destroy());
  });

  /** Seconds the target asks for in `Retry-After` while it fails transiently. */
  retryAfterSec = 1;

  constructor(options: { verify?: (seen: Seen) => boolean } = {}) {
    this.#verify = options.verify;
  }

  async listen(path = '/events'): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${path}`;
  }

  records(): TargetRecord[] {
    return this.#records.map((r) => ({ key: r.key, body: Buffer.from(r.body) }));
  }

  breakTarget(mode: BreakMode, ids?: readonly string[]): void {
    this.#mode = mode;
    this.#brokenIds = ids && new Set(ids);
  }

  holdTarget(): { arrived(): number; release(): void } {
    const held: (() => void)[] = [];
    this.#held = held;
    return {
      arrived: () => held.length,
      release: () => {
        this.#held = undefined;
        for (const go of held.splice(0)) go();
      },
    };
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const seen = { headers: req.headers, body };
    this.seen.push(seen);
    const scripted = this.script?.(seen, this.seen.length);
    if (scripted === 'hang') return;
    if (scripted) {
      res.writeHead(scripted.status, scripted.headers).end(scripted.body);
      return;
    }
    if (this.#verify && !this.#verify(seen)) {
      this.verifyFailures++;
      res.writeHead(401).end('bad signature');
      return;
    }
    const key = req.headers['webhook-id'];
    const id = typeof key === 'string' ? key : undefined;
    const held = this.#held;
    if (held) await new Promise<void>((resolve) => held.push(resolve));
    const broken = this.#mode !== 'none' && (!this.#brokenIds || this.#brokenIds.has(id ?? ''));
    if (broken && this.#mode === 'transient') {
      res.writeHead(503, { 'retry-after': String(this.retryAfterSec) }).end('try later');
      return;
    }
    if (broken) {
      res.writeHead(422).end('rejected');
      return;
    }
    if (id !== undefined && this.#keys.has(id)) {
      res.writeHead(200, { 'idempotent-replayed': 'true' }).end();
      return;
    }
    if (id !== undefined) this.#keys.add(id);
    this.#records.push({ key: id, body });
    res.writeHead(201).end();
  }
}
