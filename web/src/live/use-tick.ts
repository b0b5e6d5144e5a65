import { useCallback, useSyncExternalStore } from 'react';
import type { LiveStore } from './live-store.js';

/**
 * One shared 1 s ticker for every live timer on the page (not a timer per cell). It runs only
 * while something listens, and ticks on whole seconds of the client clock.
 */
const listeners = new Set<() => void>();
let current = Math.floor(Date.now() / 1000) * 1000;
let timer: ReturnType<typeof setTimeout> | undefined;

function schedule(): void {
  const now = Date.now();
  timer = setTimeout(
    () => {
      current = Date.now();
      for (const listener of [...listeners]) listener();
      schedule();
    },
    1000 - (now % 1000) + 5,
  );
}

export function subscribeTick(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    current = Math.floor(Date.now() / 1000) * 1000;
    schedule();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
}

/** The client clock (ms) at the last tick (just after each whole second). */
export function useTick(): number {
  return useSyncExternalStore(subscribeTick, () => current);
}

/**
 * The server's clock at the last tick: steady between ticks, so memoized cells whose entity did
 * not change skip re-rendering when other entities do. Stopped while the data is stale (the
 * link or the source, `LiveStore.timerNow`): timers freeze until fresh data arrives.
 */
export function useServerNow(store: LiveStore): number {
  return store.timerNow(useTick());
}

/**
 * Whether the board's data is stale (the link or the source, `LiveStore.freshness`), re-read on
 * every tick and message; re-renders only when the answer changes.
 */
export function useStale(store: LiveStore): boolean {
  const subscribe = useCallback(
    (listener: () => void) => {
      const offStore = store.subscribe(listener);
      const offTick = subscribeTick(listener);
      return () => {
        offStore();
        offTick();
      };
    },
    [store],
  );
  return useSyncExternalStore(subscribe, () => store.freshness().stale);
}
