/**
 * The Amazon EventBridge target (CONTRACT.md "Sinks", `type: eventbridge`): events go to one
 * event bus through PutEvents, at most 10 entries and 256 KB of entries per call. What a rule
 * author sees and how to match it: docs/sinks-eventbridge.md.
 *
 * - One entry per event. `Source` and `DetailType` come from templates over the event
 *   (`switchboard.genesys` and `{kind}` by default); `Time` is `occurredAt`, else `receivedAt`.
 * - `Detail` is always a JSON object whose first member is `switchboard`, the event's metadata
 *   (`id`, `offset`, `kind`, `topic`, `source`, `subject`, `occurredAt`, `receivedAt`), then
 *   exactly one of:
 *   - `body`: a JSON body (object, array or scalar), embedded as the received text, never
 *     re-serialized, so the PutEvents request carries its bytes exactly (big numbers and key
 *     order included) and rules match `detail.body.…`;
 *   - `text`: a UTF-8 body that is not JSON, as a JSON string;
 *   - `base64`: a body that is not UTF-8;
 *   - `claimCheck`: `{location, size, sha256}` in place of a body whose entry would exceed the
 *     256 KB entry limit (`location` from the config's `claimCheck` callback: where the lake
 *     holds the event). Such an event is delivered, not dead-lettered.
 *   `bodyOfDetail` below turns a `Detail` back into the exact body bytes (not for claim checks).
 * - EventBridge does not dedupe and gives each put a new EventId: the idempotency key is
 *   `detail.switchboard.id`, which a redelivery repeats; consumers dedupe on it.
 * - The batch the router hands over is cut again by the real entry size (`putEventsEntrySize`)
 *   into calls of at most 10 entries and `maxEntryBytes`; calls go one after another, and once
 *   one fails retryably, the later ones are not sent (they fail with the same error).
 * - Per-entry failures (`FailedEntryCount` > 0) fail those events only: ThrottlingException
 *   (SB_SINK_THROTTLED), AccessDeniedException (SB_SINK_MISCONFIGURED), InternalFailure,
 *   InvalidAccountIdException and unknown codes are retryable; InvalidArgument, MalformedDetail,
 *   RedactionFailure and NotAuthorizedFor* are final (dead-lettered, replayable once fixed).
 *   Whole-call failures are retryable: throttling (SB_SINK_THROTTLED, with AWS's Retry-After),
 *   a missing bus or denied, invalid, expired or missing credentials (SB_SINK_MISCONFIGURED: the
 *   target is misconfigured, not the event), 5xx, network, timeouts; except a
 *   ValidationException or SerializationException, which blames the entries: final for a call
 *   of one event, otherwise `deliver` rejects with FinalSinkError so the router bisects.
 * - The SDK does not retry (`maxAttempts: 1`; the router retries with backoff) and every call
 *   is bounded by `timeoutMs`, credential resolution included. Credentials never appear in an
 *   error or in `toJSON()`.
 */
import { createHash } from 'node:crypto';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { StoredEvent } from '../log/event-log.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { eventMetadata, type EventMetadata } from './event-document.js';
import {
  FinalSinkError,
  RetryableSinkError,
  type DeliveryOutcome,
  type Sink,
  type SinkHealth,
  type SinkLimits,
} from './sink.js';
import { assertValidLimits, checkBatch } from './sink-limits.js';
import { targetConfig } from './target-config.js';
import { compileTemplate, type EventTemplate } from './template.js';

/** Where the full event can be fetched when its body is too large to travel (the lake). */
export interface ClaimCheckLocation {
  /** e.g. `file:///var/lib/switchboard/lake/…` or `s3://bucket/key`. */
  readonly uri: string;
  readonly [extra: string]: string | number | boolean | null;
}

/** What `createEventBridgeSink` takes: one `sinks.targets[]` entry of `type: eventbridge`. */
export interface EventBridgeTargetConfig {
  name: string;
  region: string;
  /** The bus's name or ARN. */
  eventBusName: string;
  /** Another PutEvents endpoint (a VPC endpoint, a local stand-in); default: the region's. */
  endpoint?: string;
  /** Template for `Source` (src/sinks/template.ts); default `switchboard.genesys`. */
  source?: string;
  /** Template for `DetailType`; default `{kind}`. */
  detailType?: string;
  /** Per PutEvents call, credential resolution included; default 10 000. */
  timeoutMs?: number;
  /** `deliver` calls in flight at once (`limits.maxConcurrency`); default 4. */
  maxConcurrency?: number;
  /** Static credentials; without them, the SDK's default chain (env, profile, role…). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Where the lake holds an event, quoted in its claim check; undefined: no location. */
  claimCheck?: (event: StoredEvent) => ClaimCheckLocation | undefined;
}

export interface EventBridgeSinkOptions extends EventBridgeTargetConfig {
  /** The PutEvents request-size limit (sum of entry sizes); default 262 144 (256 KB). */
  maxEntryBytes?: number;
  /** Overrides of the declared limits (tests; `maxConcurrency` above wins). */
  limits?: Partial<SinkLimits>;
}

/** PutEvents: at most 10 entries, and 256 KB of entries, per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

export const EVENTBRIDGE_SINK_DEFAULTS = {
  source: 'switchboard.genesys',
  detailType: '{kind}',
  timeoutMs: 10_000,
  limits: {
    maxBatchEvents: PUT_EVENTS_MAX_ENTRIES,
    // Bodies over the entry limit travel as claim checks, so the body bytes of a batch do not
    // bound the request: the sink cuts calls by entry size itself. Bodies over 64 MiB are not
    // hashed, they are dead-lettered.
    maxBatchBytes: 64 * 1024 * 1024,
    maxEventBytes: 64 * 1024 * 1024,
    maxConcurrency: 4,
  } satisfies SinkLimits,
};

const MAX_QUOTED_CHARS = 200;

/** Entry error codes AWS documents as not retryable and that concern the event itself. */
const FINAL_ENTRY_CODES = new Set([
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);
/** Whole-call errors that blame the request's entries (the bus name is checked at start). */
const FINAL_CALL_ERRORS = new Set(['ValidationException', 'SerializationException']);
/**
 * Whole-call errors that say Switchboard's credentials or setup are refused: denied, unknown,
 * badly signed or expired credentials, or no such bus.
 */
const MISCONFIGURED_CALL_ERRORS = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'MissingAuthenticationTokenException',
  'ExpiredToken',
  'ExpiredTokenException',
  'ResourceNotFoundException',
]);
const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function createEventBridgeSink(config: EventBridgeTargetConfig): EventBridgeSink {
  return new EventBridgeSink(config);
}

interface Prepared {
  index: number;
  event: StoredEvent;
  entry: PutEventsRequestEntry;
  size: number;
}

export class EventBridgeSink implements Sink {
  readonly name: string;
  readonly type = 'eventbridge' as const;
  readonly limits: SinkLimits;
  readonly #region: string;
  readonly #bus: string;
  readonly #endpoint: string | undefined;
  readonly #source: EventTemplate;
  readonly #detailType: EventTemplate;
  readonly #claimCheck: EventBridgeTargetConfig['claimCheck'];
  readonly #timeoutMs: number;
  readonly #maxEntryBytes: number;
  readonly #client: EventBridgeClient;
  readonly #tracker = new DeliveryTracker();
  #closed = false;

  constructor(options: EventBridgeSinkOptions) {
    const check = targetConfig(options.name);
    const { name, invalid } = check;
    this.name = name;
    if (typeof options.region !== 'string' || !/^[a-z0-9-]{1,64}$/.test(options.region))
      throw invalid('region must be an AWS region such as eu-west-1');
    this.#region = options.region;
    const bus = options.eventBusName;
    if (
      typeof bus !== 'string' ||
      !(/^[A-Za-z0-9._\-/]{1,256}$/.test(bus) || /^arn:aws[\w-]*:events:[^\s]{1,1600}$/.test(bus))
    )
      throw invalid('eventBusName must be an event bus name or ARN');
    this.#bus = bus;
    if (options.endpoint !== undefined) {
      const url = check.url(options.endpoint, 'endpoint', ['http:', 'https:']);
      if (url.username || url.password) throw invalid('endpoint must not carry user info');
      this.#endpoint = url.origin + (url.pathname === '/' ? '' : url.pathname);
    }
    this.#source = compileTemplate(
      options.source ?? EVENTBRIDGE_SINK_DEFAULTS.source,
      `sinks.targets[${name}].source`,
    );
    this.#detailType = compileTemplate(
      options.detailType ?? EVENTBRIDGE_SINK_DEFAULTS.detailType,
      `sinks.targets[${name}].detailType`,
    );
    this.#claimCheck = options.claimCheck;

    this.#timeoutMs = check.timeoutMs(options.timeoutMs, EVENTBRIDGE_SINK_DEFAULTS.timeoutMs);
    for (const key of ['maxConcurrency', 'maxEntryBytes'] as const)
      check.positiveInt(key, options[key]);
    this.#maxEntryBytes = Math.min(options.maxEntryBytes ?? PUT_EVENTS_MAX_BYTES, 2 ** 30);
    const limits = { ...EVENTBRIDGE_SINK_DEFAULTS.limits, ...options.limits };
    if (options.maxConcurrency !== undefined) limits.maxConcurrency = options.maxConcurrency;
    this.limits = assertValidLimits(limits);

    const creds = options.credentials;
    if (creds && (!creds.accessKeyId || !creds.secretAccessKey))
      throw invalid('credentials need an accessKeyId and a secretAccessKey');
    const agent = { keepAlive: true, maxSockets: this.limits.maxConcurrency };
    this.#client = new EventBridgeClient({
      region: this.#region,
      ...(this.#endpoint ? { endpoint: this.#endpoint } : {}),
      ...(creds
        ? {
            credentials: {
              accessKeyId: creds.accessKeyId,
              secretAccessKey: creds.secretAccessKey,
              ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
            },
          }
        : {}),
      // The router retries with backoff and circuit breaking; the SDK must not retry under it.
      maxAttempts: 1,
      requestHandler: {
        connectionTimeout: this.#timeoutMs,
        requestTimeout: this.#timeoutMs,
        throwOnRequestTimeout: true,
        httpAgent: agent,
        httpsAgent: agent,
      },
    });
  }

  /** Nothing to prepare: the bus is not probed (a bus missing now is a retry later). */
  async start(): Promise<void> {
    this.#tracker.started();
  }

  deliver(batch: readonly StoredEvent[]): Promise<DeliveryOutcome[]> {
    return this.#tracker.track(async () => {
      const tooLarge = checkBatch(batch, this.limits);
      const outcomes: (DeliveryOutcome | undefined)[] = batch.map((_, i) => {
        const error = tooLarge[i];
        return error ? failed(error) : undefined;
      });
      const ready: Prepared[] = [];
      batch.forEach((event, index) => {
        if (outcomes[index]) return;
        const prepared = this.#prepare(event, index);
        if ('error' in prepared) outcomes[index] = failed(prepared.error);
        else ready.push(prepared);
      });

      let stop: RetryableSinkError | undefined;
      for (const call of cutCalls(ready, this.#maxEntryBytes)) {
        if (stop) {
          for (const p of call) outcomes[p.index] = failed(notSent(stop));
          continue;
        }
        const results = await this.#put(call);
        call.forEach((p, i) => {
          const outcome = results[i]!;
          outcomes[p.index] = outcome;
          if (outcome.status === 'failed' && outcome.error instanceof RetryableSinkError)
            stop ??= outcome.error;
        });
      }
      return outcomes.map((o) => o ?? failed(new RetryableSinkError('not sent')));
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
    this.#client.destroy();
  }

  toJSON(): { name: string; type: 'eventbridge'; region: string; eventBusName: string } {
    return { name: this.name, type: this.type, region: this.#region, eventBusName: this.#bus };
  }

  /** The event's entry: its body inline when the entry fits, else a claim check. */
  #prepare(event: StoredEvent, index: number): Prepared | { error: FinalSinkError } {
    let source: string;
    let detailType: string;
    try {
      source = this.#source(event);
      detailType = this.#detailType(event);
    } catch (cause) {
      return { error: new FinalSinkError(`event ${event.id}: templates failed`, { cause }) };
    }
    if (source === '' || detailType === '')
      return {
        error: new FinalSinkError(
          `event ${event.id}: ${source === '' ? 'Source' : 'DetailType'} is empty for this event`,
        ),
      };
    // An unreadable timestamp leaves Time out: EventBridge then stamps the time of the put.
    const time = new Date(event.occurredAt ?? event.receivedAt);
    const base = {
      Source: source,
      DetailType: detailType,
      EventBusName: this.#bus,
      ...(Number.isNaN(time.getTime()) ? {} : { Time: time }),
    };
    let entry: PutEventsRequestEntry = { ...base, Detail: eventDetail(event) };
    let size = putEventsEntrySize(entry);
    if (size > this.#maxEntryBytes) {
      let location: ClaimCheckLocation | undefined;
      try {
        location = this.#claimCheck?.(event);
      } catch (cause) {
        return {
          error: new FinalSinkError(`event ${event.id}: the claimCheck callback failed`, {
            cause,
          }),
        };
      }
      entry = { ...base, Detail: claimCheckDetail(event, location) };
      size = putEventsEntrySize(entry);
      if (size > this.#maxEntryBytes)
        return {
          error: new FinalSinkError(
            `event ${event.id}: even its claim check entry is ${size} bytes, over ${this.#maxEntryBytes}`,
            { code: 'SB_SINK_EVENT_TOO_LARGE' },
          ),
        };
    }
    return { index, event, entry, size };
  }

  /** One PutEvents call; one outcome per entry, in order. Rejects only with FinalSinkError. */
  async #put(call: Prepared[]): Promise<DeliveryOutcome[]> {
    const what = `PutEvents to ${this.#bus} (${this.#region})`;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve('timeout');
      }, this.#timeoutMs);
    });
    try {
      const sending = this.#client.send(
        new PutEventsCommand({ Entries: call.map((p) => p.entry) }),
        { abortSignal: controller.signal },
      );
      sending.catch(() => undefined); // settles after a timeout too; the race below reports it
      const res = await Promise.race([sending, timedOut]);
      if (res === 'timeout') throw new TimeoutSignal();
      const entries = res.Entries ?? [];
      if (entries.length !== call.length) {
        const error = new RetryableSinkError(
          `${what}: answered ${entries.length} results for ${call.length} entries`,
        );
        return call.map(() => failed(error));
      }
      return call.map((p, i) => entryOutcome(p.event, entries[i]!, what));
    } catch (cause) {
      const error = callError(cause, what, this.#timeoutMs, controller.signal.aborted);
      if (error instanceof FinalSinkError && call.length > 1) throw error;
      if (error instanceof FinalSinkError) {
        const only = call[0]!.event;
        return [failed(new FinalSinkError(`event ${only.id}: ${error.message}`, { cause }))];
      }
      return call.map(() => failed(error));
    } finally {
      clearTimeout(timer);
    }
  }
}

class TimeoutSignal extends Error {}

/**
 * A PutEvents entry's size as EventBridge counts it ("Calculating PutEvents event entry size"):
 * 14 bytes for `Time` when present, plus the UTF-8 bytes of `Source`, `DetailType`, `Detail` and
 * each of `Resources`.
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  size += Buffer.byteLength(entry.Source ?? '', 'utf8');
  size += Buffer.byteLength(entry.DetailType ?? '', 'utf8');
  size += Buffer.byteLength(entry.Detail ?? '', 'utf8');
  for (const r of entry.Resources ?? []) size += Buffer.byteLength(r, 'utf8');
  return size;
}

/** Splits entries, in order, into calls of at most 10 entries and `maxBytes` of entries. */
function cutCalls(entries: Prepared[], maxBytes: number): Prepared[][] {
  const calls: Prepared[][] = [];
  let current: Prepared[] = [];
  let bytes = 0;
  for (const p of entries) {
    if (
      current.length > 0 &&
      (current.length >= PUT_EVENTS_MAX_ENTRIES || bytes + p.size > maxBytes)
    ) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(p);
    bytes += p.size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/** The `switchboard` member of every Detail. */
export interface DetailMetadata extends EventMetadata {
  offset: number;
}

function metadataJson(event: StoredEvent): string {
  const { id, kind, topic, source, subject, occurredAt, receivedAt } = eventMetadata(event);
  const meta: DetailMetadata = {
    id,
    offset: event.offset,
    kind,
    topic,
    source,
    subject,
    occurredAt,
    receivedAt,
  };
  return JSON.stringify(meta);
}

/**
 * The `Detail` of an event sent inline: `{"switchboard":{…},"body":<the body's own text>}` for
 * a JSON body (embedded, not re-serialized), `"text"` for other UTF-8, `"base64"` otherwise.
 */
export function eventDetail(event: StoredEvent): string {
  const meta = metadataJson(event);
  const bytes = Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength);
  let text: string | undefined;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text === undefined)
    return `{"switchboard":${meta},"base64":${JSON.stringify(bytes.toString('base64'))}}`;
  if (isJson(text)) return `{"switchboard":${meta},"body":${text}}`;
  return `{"switchboard":${meta},"text":${JSON.stringify(text)}}`;
}

/** The `Detail` of an event too large to travel: where to fetch it, its size and SHA-256. */
export function claimCheckDetail(
  event: StoredEvent,
  location: ClaimCheckLocation | undefined,
): string {
  const claimCheck = {
    ...(location === undefined ? {} : { location }),
    size: event.body.byteLength,
    sha256: createHash('sha256').update(event.body).digest('hex'),
  };
  return `{"switchboard":${metadataJson(event)},"claimCheck":${JSON.stringify(claimCheck)}}`;
}

/**
 * The exact body bytes a `Detail` made by this sink carries (undefined for a claim check): the
 * reader's side of `eventDetail`, as the request carried it. (What EventBridge hands its own
 * targets is its rendering of the Detail, equal as JSON, not necessarily as bytes.)
 */
export function bodyOfDetail(detail: string): Uint8Array | undefined {
  const parsed = JSON.parse(detail) as {
    switchboard: unknown;
    body?: unknown;
    text?: string;
    base64?: string;
  };
  if (typeof parsed.text === 'string') return Buffer.from(parsed.text, 'utf8');
  if (typeof parsed.base64 === 'string') return Buffer.from(parsed.base64, 'base64');
  if (!('body' in parsed)) return undefined;
  const prefix = `{"switchboard":${JSON.stringify(parsed.switchboard)},"body":`;
  if (!detail.startsWith(prefix) || !detail.endsWith('}'))
    throw new SyntaxError('not a Detail made by the Switchboard EventBridge sink');
  return Buffer.from(detail.slice(prefix.length, -1), 'utf8');
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function entryOutcome(
  event: StoredEvent,
  result: PutEventsResultEntry,
  what: string,
): DeliveryOutcome {
  if (!result.ErrorCode) {
    if (result.EventId) return { status: 'delivered' };
    return failed(
      new RetryableSinkError(`${what}: no EventId nor ErrorCode for event ${event.id}`),
    );
  }
  const code = result.ErrorCode;
  const said = `${what}: entry refused with ${quote(code)}${
    result.ErrorMessage ? `: ${quote(result.ErrorMessage)}` : ''
  }`;
  if (FINAL_ENTRY_CODES.has(code)) return failed(new FinalSinkError(`event ${event.id}: ${said}`));
  if (THROTTLING_ERRORS.has(code))
    return failed(new RetryableSinkError(said, { code: 'SB_SINK_THROTTLED' }));
  if (code === 'AccessDeniedException')
    return failed(new RetryableSinkError(said, { code: 'SB_SINK_MISCONFIGURED' }));
  return failed(new RetryableSinkError(said));
}

interface AwsError {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

/** A failed call as a SinkError (a FinalSinkError only when the entries are to blame). */
function callError(
  cause: unknown,
  what: string,
  timeoutMs: number,
  aborted: boolean,
): RetryableSinkError | FinalSinkError {
  const err = (cause ?? {}) as AwsError;
  const name = typeof err.name === 'string' ? err.name : '';
  if (cause instanceof TimeoutSignal || aborted || name === 'TimeoutError' || name === 'AbortError')
    return new RetryableSinkError(`${what}: no answer within ${timeoutMs} ms`, {
      code: 'SB_SINK_TIMEOUT',
      cause,
    });
  // No credentials found (env, profile, role…): the SDK never sent the call.
  if (name === 'CredentialsProviderError')
    return new RetryableSinkError(`${what}: ${quote(describe(err))}`, {
      code: 'SB_SINK_MISCONFIGURED',
      cause,
    });
  const status = err.$metadata?.httpStatusCode;
  if (status === undefined)
    return new RetryableSinkError(`${what}: ${quote(describe(err))}`, {
      code: 'SB_SINK_UNREACHABLE',
      cause,
    });
  const answered = `${what}: answered ${status} ${quote(name)}${
    err.message ? `: ${quote(err.message)}` : ''
  }`;
  if (FINAL_CALL_ERRORS.has(name) && status >= 400 && status < 500)
    return new FinalSinkError(answered, { cause });
  if (THROTTLING_ERRORS.has(name) || status === 429) {
    const retryAfterMs = retryAfter(err);
    return new RetryableSinkError(answered, {
      code: 'SB_SINK_THROTTLED',
      cause,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (MISCONFIGURED_CALL_ERRORS.has(name))
    return new RetryableSinkError(answered, { code: 'SB_SINK_MISCONFIGURED', cause });
  return new RetryableSinkError(answered, { cause });
}

/** A throttled answer's `Retry-After` (seconds), when AWS gives one (it seldom does). */
function retryAfter(err: AwsError): number | undefined {
  const v = err.$response?.headers?.['retry-after']?.trim();
  if (!v || !/^\d+$/.test(v)) return undefined;
  return Math.min(Number(v) * 1000, 24 * 60 * 60 * 1000);
}

function describe(err: AwsError): string {
  const code = typeof err.code === 'string' ? ` (${err.code})` : '';
  return `${err.name ?? 'Error'}: ${err.message ?? ''}${code}`;
}

/** One printable line of at most MAX_QUOTED_CHARS. */
function quote(text: string): string {
  const line = text.replace(/[\p{Cc}\p{Cf}\s]+/gu, ' ').trim();
  return line.length > MAX_QUOTED_CHARS ? `${line.slice(0, MAX_QUOTED_CHARS)}…` : line;
}

function notSent(first: RetryableSinkError): RetryableSinkError {
  return new RetryableSinkError(`not sent: an earlier call of the batch failed: ${first.message}`, {
    code: first.code,
    ...(first.retryAfterMs === undefined ? {} : { retryAfterMs: first.retryAfterMs }),
  });
}

function failed(error: RetryableSinkError | FinalSinkError): DeliveryOutcome {
  return { status: 'failed', error };
}
