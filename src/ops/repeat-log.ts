import type { Logger } from 'pino';

export interface RepeatLogOptions {
  /** How long identical failures are counted before one line reports them (default 60 s). */
  windowMs?: number;
}

interface Pending {
  message: string;
  fields: Record<string, unknown>;
  count: number;
}

/**
 * Logs a failure that repeats per request once, then a count: the first occurrence of a key is
 * logged at once (with its stack), identical ones after it are counted, and at the end of each
 * window one line says how many there were ("log unavailable (SQLITE_FULL) ×1932 in the last
 * 60 s"). A key that stays quiet for a whole window is forgotten, so its next occurrence is
 * logged in full again. Without this a full disk wrote one stack trace per ingest request.
 */
export class RepeatLog {
  readonly #logger: Logger;
  readonly #windowMs: number;
  readonly #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;

  constructor(logger: Logger, options: RepeatLogOptions = {}) {
    this.#logger = logger;
    this.#windowMs = options.windowMs ?? 60_000;
  }

  /** `key` names the failure (a driver code); `fields` of the first occurrence are logged whole. */
  error(key: string, fields: Record<string, unknown>, message: string): void {
    const pending = this.#pending.get(key);
    if (pending) {
      pending.count++;
      return;
    }
    this.#logger.error(fields, message);
    const { err: _err, ...rest } = fields;
    this.#pending.set(key, { message, fields: { ...rest, code: key }, count: 0 });
    if (!this.#timer) {
      this.#timer = setInterval(() => this.flush(), this.#windowMs);
      this.#timer.unref();
    }
  }

  /** Reports the counts of the window now; keys with none are forgotten. */
  flush(): void {
    const seconds = Math.round(this.#windowMs / 1000);
    for (const [key, pending] of this.#pending) {
      if (pending.count === 0) {
        this.#pending.delete(key);
        continue;
      }
      this.#logger.error(
        { ...pending.fields, repeated: pending.count, windowSec: seconds },
        `${pending.message} (${key}) ×${pending.count} in the last ${seconds} s`,
      );
      pending.count = 0;
    }
    if (this.#pending.size === 0) this.close();
  }

  /** Stops the timer (counts not yet reported are dropped: call flush first to keep them). */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** What makes two failures "the same": the driver code under the error, else its message. */
export function failureKey(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; message?: unknown } | undefined;
  const code = e?.cause?.code ?? e?.code;
  if (typeof code === 'string') return code;
  return typeof e?.message === 'string' ? e.message : String(err);
}
