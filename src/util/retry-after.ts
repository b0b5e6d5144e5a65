/**
 * A `Retry-After` header as a delay in ms from `now`: delay-seconds or an HTTP-date (RFC 9110
 * §10.2.3). Undefined when absent or unreadable, so the caller falls back to its backoff.
 */
export function retryAfterMs(
  header: string | string[] | undefined,
  now: number,
): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
