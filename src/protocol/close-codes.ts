/**
 * WebSocket close codes of the live hub, as documented ranges (docs/live-protocol.md), and the
 * one place a close reason is built. Shared by the gateway and the dashboard: a client decides
 * whether to reconnect from the code's range alone, so a code added later needs no client change.
 *
 * Ranges
 * - 1000–3999: standard and registered codes (1001 shutdown, 1011 internal, 1013 try again
 *   later): transient, reconnect.
 * - 4000–4399: the connection failed, not the request (4000 missed pong): reconnect with `since`.
 * - 4400–4499: the request is wrong, numbered after the HTTP status (4400 bad filter, 4401 auth,
 *   4403 scope): do not retry as is. Like HTTP, 4408 (too slow) and 4429 (too many) are the
 *   exceptions: the same request may succeed later.
 * - 4500–4999: the gateway failed: reconnect.
 */
export const CLOSE = {
  /** Registered: the gateway is shutting down. */
  GOING_AWAY: 1001,
  /** Registered: an unexpected server error. */
  INTERNAL: 1011,
  /** Registered: try again later (client limit reached after the handshake). */
  TRY_AGAIN_LATER: 1013,
  MISSED_PONG: 4000,
  BAD_FILTER: 4400,
  AUTH_REQUIRED: 4401,
  FORBIDDEN: 4403,
  SLOW_CONSUMER: 4408,
  /** The client sent messages (pings included) faster than its allowance. */
  TOO_MANY_MESSAGES: 4429,
} as const;
export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];

/** False for codes that say the same request will fail again; true for every other code. */
export function shouldReconnect(code: number): boolean {
  if (code >= 4400 && code <= 4499) return code === 4408 || code === 4429;
  return true;
}

/** RFC 6455 §5.5: a control frame carries at most 125 bytes, two of them the code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character (a lone surrogate
 * counts as the 3-byte replacement character it is encoded as). Used for every close reason and
 * every message that echoes user input: `ws` throws on a reason over 123 bytes.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  // Fast path: even if every UTF-16 unit took 3 bytes, it fits.
  if (text.length * 3 <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  while (end < text.length) {
    const cp = text.codePointAt(end)!;
    const units = cp > 0xffff ? 2 : 1;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp > 0xffff ? 4 : 3;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += units;
  }
  return text.slice(0, end);
}

/** A close reason that always fits a close frame. */
export function closeReason(text: string): string {
  return truncateUtf8(text, MAX_CLOSE_REASON_BYTES);
}
