/**
 * The one registry of Switchboard error codes, and where each one surfaces:
 * - `http`: the status of an HTTP answer whose body is `{"error":{"code":"SB_…","message":"…"}}`;
 * - `close`: the WebSocket close code when the error ends a live connection
 *   (src/protocol/close-codes.ts states the ranges);
 * - `exit`: the process exit code when the error stops a CLI command (CONTRACT.md);
 * - `sink`: what the router does with an event whose delivery failed with it (`retry`, or
 *   `dead-letter`); the code is recorded as the dead letter's `lastError`.
 * A code carries only the surfaces it really has. Every code is listed in docs/errors.md with
 * the same values (a test holds the two together). Codes are stable: a retired code is never
 * reused.
 */
import { CLOSE } from './protocol/close-codes.js';

interface ErrorSpec {
  readonly message: string;
  readonly http?: number;
  readonly close?: number;
  readonly exit?: number;
  readonly sink?: 'retry' | 'dead-letter';
}

export const ERROR_CODES = {
  // Ingest: authentication and transport
  SB_SIGNATURE_MISSING: { http: 401, message: 'no signature header for an accepted scheme' },
  SB_SIGNATURE_MALFORMED: {
    http: 401,
    message: 'signature header is not a well-formed HMAC-SHA256 digest (hex or base64)',
  },
  SB_SIGNATURE_INVALID: { http: 401, message: 'signature does not match any active secret' },
  SB_SIGNATURE_RETIRED_SECRET: {
    http: 401,
    message: 'signature was made with a secret that has been retired',
  },
  SB_TIMESTAMP_MISSING: { http: 401, message: 'webhook-id or webhook-timestamp header missing' },
  SB_TIMESTAMP_OUT_OF_TOLERANCE: {
    http: 401,
    message: 'webhook-timestamp is outside the accepted tolerance',
  },
  SB_API_KEY_INVALID: { http: 401, message: 'missing or wrong API key' },
  SB_AUTH_REQUIRED: {
    http: 401,
    close: CLOSE.AUTH_REQUIRED,
    message: 'a bearer token is required off loopback',
  },
  SB_FORBIDDEN_ADDRESS: { http: 403, message: 'client address is not in the allow-list' },
  SB_HOST_NOT_ALLOWED: {
    http: 403,
    message: 'a tokenless loopback request must name this gateway in Host',
  },
  SB_ORIGIN_NOT_ALLOWED: {
    http: 403,
    message: "a tokenless loopback request from a browser must come from the gateway's origin",
  },
  SB_CLIENT_CERT_REJECTED: {
    http: 403,
    message: 'client certificate subject is not allowed',
  },
  SB_UNSUPPORTED_MEDIA_TYPE: {
    http: 415,
    message: 'content type must be application/json',
  },
  SB_BODY_TOO_LARGE: { http: 413, message: 'request body exceeds the configured limit' },
  SB_TOO_MANY_EVENTS: { http: 413, message: 'too many events in one request' },
  SB_BODY_TIMEOUT: { http: 408, message: 'request body did not arrive within the timeout' },
  SB_EMPTY_BODY: { http: 400, message: 'request body is empty' },
  SB_OVERLOADED: { http: 429, message: 'ingest is shedding load; retry after the given delay' },
  // Ingest: accepted but kept aside (answered 202 with this code in the body)
  SB_QUARANTINED: {
    http: 202,
    message: 'authentic body could not be parsed as events; kept in quarantine',
  },
  // Log and runtime
  SB_LOG_UNAVAILABLE: { http: 503, message: 'the event log cannot accept writes' },
  SB_SHUTTING_DOWN: { http: 503, close: CLOSE.GOING_AWAY, message: 'the gateway is shutting down' },
  SB_NOT_READY: { http: 503, message: 'the gateway is not ready' },
  // API
  SB_BAD_REQUEST: { http: 400, message: 'invalid request parameters' },
  SB_SCOPE_FORBIDDEN: {
    http: 403,
    message: "the token's scope does not cover this route; it needs an unscoped token",
  },
  SB_HEADERS_TOO_LARGE: { http: 431, message: 'request headers exceed the server limit' },
  SB_NOT_FOUND: { http: 404, message: 'no such route' },
  SB_INTERNAL: { http: 500, close: CLOSE.INTERNAL, exit: 1, message: 'internal error' },
  SB_RECONCILE_UNAVAILABLE: {
    http: 503,
    message: 'no REST source is configured to reconcile from',
  },
  SB_RECONCILE_FAILED: { http: 502, message: 'reconciliation against the REST API failed' },
  SB_RECONCILE_TOO_SOON: {
    http: 429,
    message: 'a reconcile ran too recently; retry after the given delay',
  },
  SB_TARGET_UNKNOWN: { http: 404, message: 'no target of that name in sinks.targets' },
  SB_REPLAY_BUSY: {
    http: 409,
    message: 'a dead-letter replay is already running; retry when it ends',
  },
  SB_THRESHOLDS_INVALID: {
    http: 400,
    message: 'the thresholds are invalid (details.problems lists each field)',
  },
  SB_SETTINGS_CONFLICT: {
    http: 409,
    message: 'the settings changed since the version in If-Match; read them again',
  },
  SB_SETTINGS_UNAVAILABLE: { http: 503, message: 'the dashboard settings could not be saved' },
  SB_BOARD_INVALID: {
    http: 400,
    message: 'the board is invalid (details.problems lists each field)',
  },
  SB_BOARD_NOT_FOUND: { http: 404, message: 'no board of that name' },
  SB_BOARD_READ_ONLY: {
    http: 409,
    message: 'the board comes from the config file and cannot be changed over the API',
  },
  // Live hub (WebSocket close codes and SSE statuses in docs/live-protocol.md)
  SB_LIVE_BAD_FILTER: { http: 400, close: CLOSE.BAD_FILTER, message: 'invalid live subscription' },
  SB_LIVE_FORBIDDEN: {
    http: 403,
    close: CLOSE.FORBIDDEN,
    message: 'the filter asks for more than the token may see',
  },
  SB_LIVE_TOO_MANY_CLIENTS: {
    http: 503,
    close: CLOSE.TRY_AGAIN_LATER,
    message: 'live client limit reached',
  },
  SB_LIVE_SLOW_CONSUMER: {
    http: 408,
    close: CLOSE.SLOW_CONSUMER,
    message: 'the client did not keep up with live updates',
  },
  SB_LIVE_TOO_MANY_MESSAGES: {
    close: CLOSE.TOO_MANY_MESSAGES,
    message: 'the client sent messages faster than live.clientMessagesPerSec allows',
  },
  // Command line: the CLI prints `switchboard: <message>` on one line and exits with `exit`
  // (SB_INTERNAL's 1 for anything that has no exit code of its own)
  SB_CONFIG_INVALID: { exit: 2, message: 'configuration is invalid' },
  SB_USAGE: { exit: 2, message: 'bad command-line usage' },
  SB_PATTERN_INVALID: { exit: 2, message: 'event pattern is invalid' },
  // Sink delivery (src/sinks/sink.ts): RetryableSinkError and FinalSinkError carry these
  SB_SINK_RETRYABLE: {
    sink: 'retry',
    message: 'the target failed transiently (unreachable, timed out, throttled, 5xx)',
  },
  SB_SINK_CLOSED: { sink: 'retry', message: 'the sink is closed; nothing was delivered' },
  SB_SINK_REJECTED: { sink: 'dead-letter', message: 'the target rejected the event permanently' },
  SB_SINK_EVENT_TOO_LARGE: {
    sink: 'dead-letter',
    message: "the event's body exceeds the sink's maxEventBytes",
  },
  SB_SINK_TIMEOUT: { sink: 'retry', message: 'the target did not answer within the timeout' },
  SB_SINK_UNREACHABLE: {
    sink: 'retry',
    message: 'the target could not be reached (connection refused or lost, DNS, TLS)',
  },
  SB_SINK_THROTTLED: { sink: 'retry', message: 'the target asked Switchboard to slow down' },
  SB_SINK_MISCONFIGURED: {
    sink: 'retry',
    message:
      "the target refuses Switchboard's credentials or setup (access denied, missing bus, exchange or table)",
  },
  SB_SINK_UNROUTABLE: {
    sink: 'dead-letter',
    message: 'the broker has no queue bound for the message',
  },
  // Genesys sources (the stream and reconciliation): in their /readyz detail and the logs
  SB_GENESYS_CREDENTIALS_REJECTED: {
    message: "Genesys's token endpoint refused the OAuth client's credentials",
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes that surface in a given place, e.g. `CodeWith<'sink', 'retry'>`. */
export type CodeWith<K extends keyof ErrorSpec, V = unknown> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C] extends Record<K, V> ? C : never;
}[ErrorCode];

const spec = (code: ErrorCode): ErrorSpec => ERROR_CODES[code];

/** Exit code for a failure with no exit code of its own (a runtime failure, CONTRACT.md). */
export const EXIT_RUNTIME_FAILURE = ERROR_CODES.SB_INTERNAL.exit;

export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  /**
   * HTTP status when this error answers a request. A code with no HTTP surface that reaches an
   * HTTP answer is a bug, hence 500.
   */
  readonly status: number;
  /** Extra fields merged into the error body (e.g. `retryAfterSec`). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message ?? ERROR_CODES[code].message, { cause: options?.cause });
    this.name = 'SwitchboardError';
    this.code = code;
    this.status = spec(code).http ?? 500;
    this.details = options?.details;
  }

  /** Process exit code when this error stops a CLI command. */
  get exitCode(): number {
    return spec(this.code).exit ?? EXIT_RUNTIME_FAILURE;
  }

  toBody(): { error: { code: ErrorCode; message: string } & Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

/** The WebSocket close code for an error that ends a live connection (4400 if it has none). */
export function closeCodeOf(code: ErrorCode): number {
  return spec(code).close ?? CLOSE.BAD_FILTER;
}

/** The exit code of any error that stops a command: its registry exit code, else 1. */
export function exitCodeOf(err: unknown): number {
  return err instanceof SwitchboardError ? err.exitCode : EXIT_RUNTIME_FAILURE;
}

/** A bad command-line argument: one line on stderr, exit code 2 (CONTRACT.md). */
export class UsageError extends SwitchboardError {
  constructor(message: string) {
    super('SB_USAGE', message);
    this.name = 'UsageError';
  }
}

/** Raised where an append cannot be made durable; callers answer 503 and the sender retries. */
export class LogUnavailableError extends SwitchboardError {
  constructor(message: string, cause?: unknown) {
    super('SB_LOG_UNAVAILABLE', message, { cause });
    this.name = 'LogUnavailableError';
  }
}

export function errorBody(code: ErrorCode, message?: string) {
  return new SwitchboardError(code, message).toBody();
}
