/**
 * The checks every sink adapter makes on its `sinks.targets[]` entry, in one place so that the
 * same mistake reads the same whatever the target's type (docs and tests quote these messages).
 */
import { SwitchboardError } from '../errors.js';

/** One ceiling for every target: `close` waits for deliveries in flight, each bounded by it. */
export const MAX_TIMEOUT_MS = 10 * 60 * 1000;

/** Arrow properties, not methods: adapters destructure them (`const { invalid } = check`). */
export interface TargetConfigCheck {
  readonly name: string;
  /** Returned, not thrown, so that callers write `throw` and TypeScript sees the branch end. */
  readonly invalid: (what: string) => SwitchboardError;
  /** `field` is how the entry names the URL (`url`, `endpoint`): messages quote it. */
  readonly url: (raw: string, field: string, protocols: readonly string[]) => URL;
  readonly timeoutMs: (value: number | undefined, fallback: number) => number;
  /** Undefined passes: optional settings fall back to the adapter's defaults afterwards. */
  readonly positiveInt: <T extends number | undefined>(key: string, value: T, max?: number) => T;
}

/** Throws SB_CONFIG_INVALID unless `name` is a non-empty string. */
export function targetConfig(name: string): TargetConfigCheck {
  const invalid = (what: string) =>
    new SwitchboardError('SB_CONFIG_INVALID', `sinks.targets[${name}]: ${what}`);
  if (typeof name !== 'string' || name === '') throw invalid('name must be a non-empty string');

  return {
    name,
    invalid,
    url: (raw, field, protocols) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw invalid(`${field} is not a valid URL`);
      }
      if (!protocols.includes(url.protocol))
        throw invalid(`${field} must be ${protocols.join(' or ')}, not ${url.protocol}`);
      return url;
    },
    timeoutMs: (value, fallback) => {
      const timeoutMs = value ?? fallback;
      if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1)
        throw invalid(`timeoutMs must be a positive integer, got ${String(value)}`);
      if (timeoutMs > MAX_TIMEOUT_MS) throw invalid(`timeoutMs must be at most ${MAX_TIMEOUT_MS}`);
      return timeoutMs;
    },
    positiveInt: (key, value, max) => {
      if (value === undefined) return value;
      if (!Number.isSafeInteger(value) || value < 1 || (max !== undefined && value > max))
        throw invalid(
          max === undefined
            ? `${key} must be a positive integer, got ${String(value)}`
            : `${key} must be an integer from 1 to ${max}, got ${String(value)}`,
        );
      return value;
    },
  };
}
