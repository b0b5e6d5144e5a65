/**
 * A local stand-in for the EventBridge PutEvents API (awsJson1_1), for the EventBridge sink's
 * tests: the SDK is pointed at it with its `endpoint` option.
 *
 * What it checks, as AWS does: `POST /`, `X-Amz-Target: AWSEvents.PutEvents`,
 * `Content-Type: application/x-amz-json-1.1`, an `X-Amz-Date` and an `Authorization` of SigV4
 * shape for the expected key, region and service `events` (the signature itself is not
 * recomputed); 1 to 10 entries and at most 256 KB of entries, counted as AWS documents it
 * ("Calculating PutEvents event entry size", docs.aws.amazon.com/eventbridge/latest/userguide/
 * calculate-putevents-entry-size.html: Time 14 bytes when present, then the UTF-8 bytes of
 * Source, DetailType, Detail and each Resource). A whole-request error is answered as AWS
 * does: a status, `x-amzn-ErrorType` and `{"__type": …, "message": …}`. Each entry needs a
 * Source, a DetailType and a Detail that is a JSON object (else a per-entry InvalidArgument or
 * MalformedDetail, as PutEventsResultEntry documents); accepted entries are stored, each with
 * a fresh EventId (EventBridge does not dedupe).
 *
 * It can be told to fail entries (per-entry ErrorCode), to fail whole calls (a status and
 * `__type`), to hang, or to hold calls until released.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredEntry {
  EventId: string;
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string | undefined;
  Time: number | undefined;
  Resources: string[] | undefined;
}

export interface SeenCall {
  headers: IncomingHttpHeaders;
  /** Entries in the request (0 when it was refused before reading them). */
  entries: number;
  /** Their total size as AWS counts it. */
  size: number;
  /** The status answered. */
  status: number;
}

export interface CallFailure {
  status: number;
  type: string;
  message?: string;
  headers?: Record<string, string>;
}

export interface EntryFailure {
  ErrorCode: string;
  ErrorMessage?: string;
}

type RawEntry = Record<string, unknown>;

export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

/** An entry's size as AWS counts it. */
export function entrySize(entry: RawEntry): number {
  let size = entry.Time === undefined || entry.Time === null ? 0 : 14;
  for (const key of ['Source', 'DetailType', 'Detail'] as const) {
    const v = entry[key];
    if (typeof v === 'string') size += Buffer.byteLength(v, 'utf8');
  }
  if (Array.isArray(entry.Resources))
    for (const r of entry.Resources) if (typeof r === 'string') size += Buffer.byteLength(r);
  return size;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export class FakeEventBridge {
  /** Every accepted entry, in arrival order (redeliveries included). */
  readonly entries: StoredEntry[] = [];
  /** Every call, in arrival order. */
  readonly calls: SeenCall[] = [];
  /** Fails a whole call instead of handling it (`n` counts calls from 1); 'hang': no answer. */
  failCall: ((n: number) => CallFailure | 'hang' | undefined) | undefined;
  /** Fails one entry instead of accepting it. */
  failEntry: ((entry: RawEntry) => EntryFailure | undefined) | undefined;
  #held: (() => void)[] | undefined;
  readonly #server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.#handle(req.method, req.url, req.headers, Buffer.concat(chunks), res));
  });

  constructor(readonly expect: { accessKeyId: string; region: string; eventBusName: string }) {}

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Holds every call, before it is accepted, until `release()`. */
  hold(): { arrived(): number; release(): void } {
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

  #handle(
    method: string | undefined,
    url: string | undefined,
    headers: IncomingHttpHeaders,
    body: Buffer,
    res: ServerResponse,
  ): void {
    const call: SeenCall = { headers, entries: 0, size: 0, status: 0 };
    this.calls.push(call);
    const refuse = (status: number, type: string, message: string) => {
      call.status = status;
      res
        .writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-errortype': type,
          'x-amzn-requestid': randomUUID(),
        })
        .end(JSON.stringify({ __type: type, message }));
    };
    if (method !== 'POST' || url !== '/')
      return refuse(404, 'UnknownOperationException', `${method} ${url}`);
    if (headers['x-amz-target'] !== 'AWSEvents.PutEvents')
      return refuse(400, 'UnknownOperationException', 'X-Amz-Target must be AWSEvents.PutEvents');
    if (headers['content-type'] !== 'application/x-amz-json-1.1')
      return refuse(
        400,
        'SerializationException',
        'Content-Type must be application/x-amz-json-1.1',
      );
    const auth = this.#checkAuth(headers);
    if (auth) return refuse(auth.status, auth.type, auth.message ?? auth.type);

    const scripted = this.failCall?.(this.calls.length);
    if (scripted === 'hang') return;
    if (scripted) {
      call.status = scripted.status;
      res
        .writeHead(scripted.status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-errortype': scripted.type,
          ...scripted.headers,
        })
        .end(JSON.stringify({ __type: scripted.type, message: scripted.message ?? scripted.type }));
      return;
    }

    let request: { Entries?: unknown };
    try {
      request = JSON.parse(body.toString('utf8')) as { Entries?: unknown };
    } catch {
      return refuse(400, 'SerializationException', 'body is not JSON');
    }
    const entries = request.Entries;
    if (!Array.isArray(entries) || entries.length < 1)
      return refuse(400, 'ValidationException', 'Entries must hold at least 1 entry');
    call.entries = entries.length;
    call.size = (entries as RawEntry[]).reduce((n, e) => n + entrySize(e), 0);
    if (entries.length > MAX_ENTRIES)
      return refuse(
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
    if (call.size > MAX_REQUEST_BYTES)
      return refuse(
        400,
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );

    const answer = () => {
      const results = (entries as RawEntry[]).map((entry) => this.#accept(entry));
      const failedCount = results.filter((r) => 'ErrorCode' in r).length;
      call.status = 200;
      res
        .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ FailedEntryCount: failedCount, Entries: results }));
    };
    const held = this.#held;
    if (held) held.push(answer);
    else answer();
  }

  #checkAuth(headers: IncomingHttpHeaders): CallFailure | undefined {
    const date = headers['x-amz-date'];
    if (typeof date !== 'string' || !/^\d{8}T\d{6}Z$/.test(date))
      return { status: 400, type: 'IncompleteSignatureException', message: 'X-Amz-Date missing' };
    const auth = headers.authorization;
    if (typeof auth !== 'string')
      return {
        status: 400,
        type: 'MissingAuthenticationTokenException',
        message: 'Missing Authentication Token',
      };
    const m = SIGV4.exec(auth);
    if (!m)
      return {
        status: 400,
        type: 'IncompleteSignatureException',
        message: 'Authorization is not a SigV4 header',
      };
    const [, key, day, region, service, signed] = m;
    if (key !== this.expect.accessKeyId)
      return {
        status: 400,
        type: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      };
    if (day !== date.slice(0, 8) || region !== this.expect.region || service !== 'events')
      return {
        status: 403,
        type: 'InvalidSignatureException',
        message: 'Credential should be scoped to a valid region, service and date.',
      };
    const names = signed!.split(';');
    if (!names.includes('host') || !names.includes('x-amz-date') || !names.includes('x-amz-target'))
      return {
        status: 403,
        type: 'InvalidSignatureException',
        message: 'SignedHeaders must include host, x-amz-date and x-amz-target',
      };
    return undefined;
  }

  #accept(entry: RawEntry): { EventId: string } | EntryFailure {
    const { Source, DetailType, Detail } = entry;
    if (typeof Source !== 'string' || Source === '')
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid.' };
    if (typeof DetailType !== 'string' || DetailType === '')
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid.' };
    if (typeof Detail !== 'string')
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid.' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    if (entry.EventBusName !== undefined && entry.EventBusName !== this.expect.eventBusName)
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Event bus ${JSON.stringify(entry.EventBusName)} does not exist.`,
      };
    const failure = this.failEntry?.(entry);
    if (failure) return failure;
    const EventId = randomUUID();
    this.entries.push({
      EventId,
      Source,
      DetailType,
      Detail,
      EventBusName: typeof entry.EventBusName === 'string' ? entry.EventBusName : undefined,
      Time: typeof entry.Time === 'number' ? entry.Time : undefined,
      Resources: Array.isArray(entry.Resources) ? (entry.Resources as string[]) : undefined,
    });
    return { EventId };
  }
}
