/**
 * The HTTP target (CONTRACT.md "Sinks", `type: http`): one POST per event to a configured URL,
 * signed with Standard Webhooks. What a receiver gets and how to verify it: docs/sinks-http.md.
 *
 * - The request body is the event's body, byte-exact (the bytes the gateway received; never
 *   re-serialized), so the signature covers exactly what the receiver stores. The event's
 *   metadata travels in headers: `x-switchboard-event` (an ASCII JSON document with `id`,
 *   `source`, `topic`, `kind`, `subject`, `occurredAt`, `receivedAt`, `offset`),
 *   `x-switchboard-offset` and `x-switchboard-kind`.
 * - `webhook-id` is the event id (the receiver's idempotency key: a redelivery carries the same
 *   one); `webhook-timestamp` is the time of the attempt (each retry is signed afresh, so it
 *   stays within the receiver's tolerance); `webhook-signature` is `v1,<base64 HMAC-SHA256>` of
 *   `id.timestamp.body`, made by the `standardwebhooks` library.
 * - 2xx: delivered (`duplicate` when the receiver says `Idempotent-Replayed: true`); 408, 429
 *   (SB_SINK_THROTTLED), 5xx, timeouts and network failures: RetryableSinkError (with the
 *   target's `Retry-After`); anything else (3xx, other 4xx): FinalSinkError, so the router
 *   dead-letters the event.
 * - At most `limits.maxConcurrency` requests are in flight to the target (over as many
 *   keep-alive connections); every request, response body included, has `timeoutMs`. Once an
 *   event of a batch fails retryably, the events of that batch not yet sent are not sent (they
 *   fail with the same error), so a target that hangs costs one timeout per batch, not one per
 *   event, and `close` stays bounded.
 *
 * The secret never appears in an error, in `health()`, nor in the sink's JSON; neither does the
 * URL's path, query or user info (they may carry tokens): messages name the target's origin.
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { Pool, errors as undiciErrors } from 'undici';
import type { StoredEvent } from '../log/event-log.js';
import { DeliveryTracker } from './delivery-tracker.js';
import {
  FinalSinkError,
  RetryableSinkError,
  type DeliveryOutcome,
  type Sink,
  type SinkHealth,
  type SinkLimits,
} from './sink.js';
import { eventMetadata } from './event-document.js';
import { assertValidLimits, checkBatch } from './sink-limits.js';
import { targetConfig } from './target-config.js';

/** What `createHttpSink` takes: one `sinks.targets[]` entry of `type: http`, resolved. */
export interface HttpTargetConfig {
  name: string;
  /** `http:` or `https:`; user info (`https://user:pass@host/…`) is sent as Basic auth. */
  url: string;
  /**
   * The signing secret: `whsec_<base64>` (the key is the decoded bytes, as every Standard
   * Webhooks library reads it), or any other string, whose UTF-8 bytes are the key (the same
   * key as `whsec_` + base64 of the string). A config `Secret` may be passed as is. Without
   * one, requests carry `webhook-id` and `webhook-timestamp` but no signature.
   */
  secret?: string | { reveal(): string };
  /** Per request, from connecting to the end of the response body; default 10 000. */
  timeoutMs?: number;
  /** Requests in flight to the target at once (and `limits.maxConcurrency`); default 4. */
  maxConcurrency?: number;
  /** Largest body sent; larger events are dead-lettered (default 1 MiB). */
  maxEventBytes?: number;
}

export interface HttpSinkOptions extends HttpTargetConfig {
  /** Overrides of the declared limits (tests; `maxConcurrency` above wins). */
  limits?: Partial<SinkLimits>;
}

export const HTTP_SINK_DEFAULTS = {
  timeoutMs: 10_000,
  limits: {
    maxBatchEvents: 20,
    maxBatchBytes: 8 * 1024 * 1024,
    maxEventBytes: 1024 * 1024,
    maxConcurrency: 4,
  } satisfies SinkLimits,
};

/** At most this much of an error response is read (and 200 characters of it quoted). */
const MAX_ERROR_BODY_BYTES = 4096;
const MAX_QUOTED_CHARS = 200;
/** A 2xx body is drained up to this, to keep the connection; beyond, the connection is dropped. */
const MAX_DRAINED_BYTES = 64 * 1024;
/** A Retry-After further out than this is taken as this (the router may still back off more). */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function createHttpSink(config: HttpTargetConfig): HttpSink {
  return new HttpSink(config);
}

export class HttpSink implements Sink {
  readonly name: string;
  readonly type = 'http' as const;
  readonly limits: SinkLimits;
  readonly #origin: string;
  readonly #path: string;
  readonly #authorization: string | undefined;
  readonly #signer: Signer | undefined;
  readonly #timeoutMs: number;
  readonly #pool: Pool;
  readonly #slots: Slots;
  readonly #tracker = new DeliveryTracker();
  #closed = false;

  constructor(options: HttpSinkOptions) {
    const check = targetConfig(options.name);
    const { name, invalid } = check;
    this.name = name;

    const url = check.url(options.url, 'url', ['http:', 'https:']);
    this.#origin = url.origin;
    this.#path = `${url.pathname}${url.search}`;
    this.#authorization =
      url.username || url.password
        ? `Basic ${Buffer.from(
            `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`,
          ).toString('base64')}`
        : undefined;

    const secret =
      options.secret === undefined
        ? undefined
        : typeof options.secret === 'string'
          ? options.secret
          : options.secret.reveal();
    if (secret !== undefined) {
      const key = signingKey(secret);
      if (typeof key === 'string') throw invalid(`secret ${key}`);
      this.#signer = new Signer(key);
    }

    this.#timeoutMs = check.timeoutMs(options.timeoutMs, HTTP_SINK_DEFAULTS.timeoutMs);
    for (const key of ['maxConcurrency', 'maxEventBytes'] as const)
      check.positiveInt(key, options[key]);
    const limits = { ...HTTP_SINK_DEFAULTS.limits, ...options.limits };
    if (options.maxConcurrency !== undefined) limits.maxConcurrency = options.maxConcurrency;
    if (options.maxEventBytes !== undefined) {
      limits.maxEventBytes = options.maxEventBytes;
      limits.maxBatchBytes = Math.max(limits.maxBatchBytes, options.maxEventBytes);
    }
    this.limits = assertValidLimits(limits);

    this.#slots = new Slots(this.limits.maxConcurrency);
    this.#pool = new Pool(this.#origin, {
      connections: this.limits.maxConcurrency,
      connectTimeout: this.#timeoutMs,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /** Nothing to prepare: the target is not probed (a receiver down now is a retry later). */
  async start(): Promise<void> {
    this.#tracker.started();
  }

  deliver(batch: readonly StoredEvent[]): Promise<DeliveryOutcome[]> {
    return this.#tracker.track(async () => {
      const tooLarge = checkBatch(batch, this.limits);
      let stop: RetryableSinkError | undefined;
      return Promise.all(
        batch.map(async (event, i): Promise<DeliveryOutcome> => {
          const error = tooLarge[i];
          if (error) return { status: 'failed', error };
          await this.#slots.acquire();
          try {
            if (stop) return { status: 'failed', error: notSent(stop) };
            const outcome = await this.#post(event);
            if (outcome.status === 'failed' && outcome.error instanceof RetryableSinkError)
              stop ??= outcome.error;
            return outcome;
          } finally {
            this.#slots.release();
          }
        }),
      );
    });
  }

  health(): SinkHealth {
    return this.#tracker.health();
  }

  /** Waits for in-flight deliveries (each bounded by `timeoutMs`), then drops the connections. */
  async close(): Promise<void> {
    await this.#tracker.close();
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.destroy().catch(() => undefined);
  }

  toJSON(): { name: string; type: 'http'; origin: string } {
    return { name: this.name, type: this.type, origin: this.#origin };
  }

  async #post(event: StoredEvent): Promise<DeliveryOutcome> {
    const body = Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength);
    const what = `POST ${this.#origin}`;
    let headers: Record<string, string>;
    try {
      headers = this.#headers(event, body);
    } catch (cause) {
      return failed(new FinalSinkError(`event ${event.id}: cannot be signed`, { cause }));
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    try {
      const res = await this.#pool.request({
        path: this.#path,
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
      });
      const status = res.statusCode;
      if (status >= 200 && status < 300) {
        await res.body.dump({ limit: MAX_DRAINED_BYTES }).catch(() => undefined);
        const replay = single(res.headers['idempotent-replayed'])?.trim().toLowerCase() === 'true';
        return { status: replay ? 'duplicate' : 'delivered' };
      }
      const said = await readCapped(res.body);
      const answered = `${what}: answered ${status}${said ? `: ${said}` : ''}`;
      if (status === 408 || status === 429 || status >= 500) {
        const retryAfterMs = parseRetryAfter(single(res.headers['retry-after']));
        return failed(
          new RetryableSinkError(answered, {
            ...(status === 429 ? { code: 'SB_SINK_THROTTLED' as const } : {}),
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          }),
        );
      }
      const hint = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
      return failed(new FinalSinkError(`event ${event.id}: ${answered}${hint}`));
    } catch (cause) {
      if (controller.signal.aborted || isTimeout(cause))
        return failed(
          new RetryableSinkError(`${what}: no answer within ${this.#timeoutMs} ms`, {
            code: 'SB_SINK_TIMEOUT',
            cause,
          }),
        );
      if (cause instanceof undiciErrors.InvalidArgumentError)
        return failed(
          new FinalSinkError(`event ${event.id}: cannot be sent: ${cause.message}`, { cause }),
        );
      return failed(
        new RetryableSinkError(`${what}: ${describeError(cause)}`, {
          code: 'SB_SINK_UNREACHABLE',
          cause,
        }),
      );
    } finally {
      clearTimeout(timer);
    }
  }

  #headers(event: StoredEvent, body: Buffer): Record<string, string> {
    const id = headerSafe(event.id);
    const now = new Date();
    const text = asUtf8(body);
    const headers: Record<string, string> = {
      'content-type': contentType(text),
      'user-agent': 'switchboard',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'x-switchboard-event': asciiJson({ ...eventMetadata(event), offset: event.offset }),
      'x-switchboard-offset': String(event.offset),
      'x-switchboard-kind': headerSafe(event.kind),
    };
    if (this.#signer) headers['webhook-signature'] = this.#signer.sign(id, now, body, text);
    if (this.#authorization) headers.authorization = this.#authorization;
    return headers;
  }
}

/**
 * Signs with the standardwebhooks library. The library signs its payload as a UTF-8 string, so
 * a body that is not valid UTF-8 (the log stores bytes; ingest quarantines such bodies, so it
 * is rare) is signed over its raw bytes here instead, as the scheme defines it and as
 * Switchboard's own ingest verifies it.
 */
class Signer {
  readonly #webhook: Webhook;
  readonly #key: Uint8Array;

  constructor(key: Uint8Array) {
    this.#key = key;
    this.#webhook = new Webhook(key, { format: 'raw' });
  }

  sign(id: string, at: Date, body: Buffer, text: string | undefined): string {
    if (text !== undefined) return this.#webhook.sign(id, at, body);
    const hmac = createHmac('sha256', this.#key)
      .update(`${id}.${Math.floor(at.getTime() / 1000)}.`)
      .update(body)
      .digest('base64');
    return `v1,${hmac}`;
  }

  toJSON(): string {
    return '[redacted]';
  }
}

/** The HMAC key of a configured secret, or why it is unusable (never quoting it). */
export function signingKey(secret: string): Uint8Array | string {
  if (secret === '') return 'is empty';
  if (!secret.startsWith('whsec_')) return Buffer.from(secret, 'utf8');
  const b64 = secret.slice('whsec_'.length);
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64))
    return 'starts with whsec_ but the rest is not base64';
  const key = Buffer.from(b64, 'base64');
  return key.length === 0 ? 'starts with whsec_ but holds no key bytes' : key;
}

/**
 * A header value for `value`: unchanged when it is printable ASCII without `%`, otherwise its
 * UTF-8 bytes percent-encoded (`%HH` for `%`, spaces, controls and non-ASCII). Deterministic and
 * one-to-one, so a redelivery carries the same `webhook-id` and two ids never share one.
 */
export function headerSafe(value: string): string {
  if (/^[\x21-\x24\x26-\x7e]+$/.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out +=
      byte >= 0x21 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** JSON with every non-ASCII or DEL character escaped, so it is a valid header value. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * `Retry-After` as milliseconds: delay-seconds, or an HTTP-date (past dates: 0); capped at
 * MAX_RETRY_AFTER_MS; undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  // IMF-fixdate and the obsolete RFC 850 form end in GMT; asctime has none and is not read.
  if (!/^[A-Za-z]{3,9}, [0-9A-Za-z -]+ \d{2}:\d{2}:\d{2} GMT$/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

function asUtf8(body: Buffer): string | undefined {
  try {
    return utf8.decode(body);
  } catch {
    return undefined;
  }
}

function contentType(text: string | undefined): string {
  if (text === undefined) return 'application/octet-stream';
  try {
    JSON.parse(text);
    return 'application/json';
  } catch {
    return 'text/plain; charset=utf-8';
  }
}

/** Up to MAX_ERROR_BODY_BYTES of a response, as one printable line; '' when unreadable. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ERROR_BODY_BYTES) break;
    }
  } catch {
    // The status is what counts; a body that breaks off is quoted as far as it came.
  } finally {
    body.destroy();
  }
  const text = Buffer.concat(chunks)
    .subarray(0, MAX_ERROR_BODY_BYTES)
    .toString('utf8')
    .replace(/[\p{Cc}\p{Cf}\s]+/gu, ' ')
    .trim();
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
}

function isTimeout(err: unknown): boolean {
  return (
    err instanceof undiciErrors.ConnectTimeoutError ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError
  );
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}${typeof code === 'string' && !err.message.includes(code) ? ` (${code})` : ''}`;
}

function notSent(first: RetryableSinkError): RetryableSinkError {
  return new RetryableSinkError(
    `not sent: an earlier event of the batch failed: ${first.message}`,
    {
      code: first.code,
      ...(first.retryAfterMs === undefined ? {} : { retryAfterMs: first.retryAfterMs }),
    },
  );
}

function failed(error: RetryableSinkError | FinalSinkError): DeliveryOutcome {
  return { status: 'failed', error };
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A counting semaphore: the target's request slots, handed out first come, first served. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
