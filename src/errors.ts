/**
 * The one registry of Switchboard error codes. Every HTTP error body is
 * `{"error":{"code":"SB_…","message":"…"}}` and every code here is listed in docs/errors.md
 * (a test holds the two together). Codes are stable: a retired code is never reused.
 */
export const ERROR_CODES = {
  // Ingest: authentication and transport
  SB_SIGNATURE_MISSING: { status: 401, message: 'no signature header for an accepted scheme' },
  SB_SIGNATURE_MALFORMED: {
    status: 401,
    message: 'signature header is not a well-formed HMAC-SHA256 digest (hex or base64)',
  },
  SB_SIGNATURE_INVALID: { status: 401, message: 'signature does not match any active secret' },
  SB_SIGNATURE_RETIRED_SECRET: {
    status: 401,
    message: 'signature was made with a secret that has been retired',
  },
  SB_TIMESTAMP_MISSING: { status: 401, message: 'webhook-id or webhook-timestamp header missing' },
  SB_TIMESTAMP_OUT_OF_TOLERANCE: {
    status: 401,
    message: 'webhook-timestamp is outside the accepted tolerance',
  },
  SB_API_KEY_INVALID: { status: 401, message: 'missing or wrong API key' },
  SB_AUTH_REQUIRED: { status: 401, message: 'a bearer token is required off loopback' },
  SB_FORBIDDEN_ADDRESS: { status: 403, message: 'client address is not in the allow-list' },
  SB_CLIENT_CERT_REJECTED: {
    status: 403,
    message: 'client certificate subject is not allowed',
  },
  SB_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'content type must be application/json',
  },
  SB_BODY_TOO_LARGE: { status: 413, message: 'request body exceeds the configured limit' },
  SB_TOO_MANY_EVENTS: { status: 413, message: 'too many events in one request' },
  SB_BODY_TIMEOUT: { status: 408, message: 'request body did not arrive within the timeout' },
  SB_EMPTY_BODY: { status: 400, message: 'request body is empty' },
  SB_OVERLOADED: { status: 429, message: 'ingest is shedding load; retry after the given delay' },
  // Ingest: accepted but kept aside (answered 202 with this code in the body)
  SB_QUARANTINED: {
    status: 202,
    message: 'authentic body could not be parsed as events; kept in quarantine',
  },
  // Log and runtime
  SB_LOG_UNAVAILABLE: { status: 503, message: 'the event log cannot accept writes' },
  SB_SHUTTING_DOWN: { status: 503, message: 'the gateway is shutting down' },
  SB_NOT_READY: { status: 503, message: 'the gateway is not ready' },
  // API
  SB_BAD_REQUEST: { status: 400, message: 'invalid request parameters' },
  SB_NOT_FOUND: { status: 404, message: 'no such route' },
  SB_INTERNAL: { status: 500, message: 'internal error' },
  SB_RECONCILE_UNAVAILABLE: {
    status: 503,
    message: 'no REST source is configured to reconcile from',
  },
  SB_RECONCILE_FAILED: { status: 502, message: 'reconciliation against the REST API failed' },
  // Live hub (WebSocket close codes and SSE statuses in docs/live-protocol.md)
  SB_LIVE_BAD_FILTER: { status: 400, message: 'invalid live subscription' },
  SB_LIVE_FORBIDDEN: { status: 403, message: 'the filter asks for more than the token may see' },
  SB_LIVE_TOO_MANY_CLIENTS: { status: 503, message: 'live client limit reached' },
  SB_LIVE_SLOW_CONSUMER: { status: 408, message: 'the client did not keep up with live updates' },
  // Configuration and CLI (process exit code 2, not HTTP)
  SB_CONFIG_INVALID: { status: 500, message: 'configuration is invalid' },
  SB_USAGE: { status: 500, message: 'bad command-line usage' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class SwitchboardError extends Error {
  readonly code: ErrorCode;
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
    this.status = ERROR_CODES[code].status;
    this.details = options?.details;
  }

  toBody(): { error: { code: ErrorCode; message: string } & Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.details } };
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
