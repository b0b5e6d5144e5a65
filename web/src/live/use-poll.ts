import { useEffect, useState } from 'react';

export type Poll<T> =
  | { status: 'loading' }
  | { status: 'ok'; value: T; at: number }
  /** The last good value (and when it came) is kept, so a page can say how old what it shows is. */
  | { status: 'error'; message: string; value: T | undefined; at: number | undefined };

/**
 * Calls `load` now and `everyMs` after each answer (one request at a time, so a slow gateway is
 * never asked twice at once), until the component goes away.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, everyMs: number): Poll<T> {
  const [poll, setPoll] = useState<Poll<T>>({ status: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const value = await load(abort.signal);
        setPoll({ status: 'ok', value, at: Date.now() });
      } catch (err) {
        if (abort.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        setPoll((p) => ({
          status: 'error',
          message,
          value: p.status === 'loading' ? undefined : p.value,
          at: p.status === 'loading' ? undefined : p.at,
        }));
      }
      if (!abort.signal.aborted) timer = setTimeout(() => void run(), everyMs);
    };
    void run();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
    // `load` is a module-level function at every call site: polling starts once.
  }, [everyMs]);
  return poll;
}
