import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { accessToken, liveSocketUrl } from '../api.js';
import {
  LiveConnection,
  type ConnectionState,
  type LiveFilter,
  type SocketFactory,
} from './live-connection.js';
import { LiveStore, type FlushScheduler, type StoreVersions } from './live-store.js';

/** The browser's WebSocket behind the connection's small socket interface. */
export const browserSocket: SocketFactory = (url, handlers) => {
  const ws = new WebSocket(url);
  ws.onopen = () => handlers.open();
  ws.onmessage = (event: MessageEvent) => {
    if (typeof event.data === 'string') handlers.message(event.data);
  };
  ws.onclose = (event: CloseEvent) => handlers.close(event.code, event.reason);
  return {
    send: (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    },
    close: (code, reason) => ws.close(code, reason),
  };
};

/**
 * Listeners hear about changes once per animation frame, however many deltas arrived. The
 * timeout covers hidden tabs, where animation frames stop.
 */
export const frameScheduler: FlushScheduler = (flush) => {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    flush();
  };
  requestAnimationFrame(run);
  setTimeout(run, 250);
};

/** Whether the gateway answers at all (`/healthz`), to reconnect as soon as it is back. */
export async function gatewayAnswers(): Promise<boolean> {
  try {
    const res = await fetch('/healthz', { cache: 'no-store' });
    return res.ok;
  } catch {
    return false;
  }
}

export interface Live {
  store: LiveStore;
  connection: LiveConnection | undefined;
}

/** One live subscription for the component's lifetime; a new filter is a new subscription. */
export function useLive(filter: LiveFilter | undefined): Live {
  const key = filter === undefined ? '' : JSON.stringify(filter);
  const live = useMemo<Live>(() => {
    const store = new LiveStore({ schedule: frameScheduler });
    if (filter === undefined) return { store, connection: undefined };
    const connection = new LiveConnection({
      url: liveSocketUrl(),
      filter,
      store,
      createSocket: browserSocket,
      probe: gatewayAnswers,
      ...(accessToken ? { accessToken } : {}),
    });
    return { store, connection };
    // The key is the filter's identity; the object itself changes every render.
  }, [key]);
  useEffect(() => {
    live.connection?.start();
    return () => live.connection?.stop();
  }, [live]);
  return live;
}

/** Re-renders when the given kind changes (at most once per frame). */
export function useStoreVersion(store: LiveStore, kind: keyof StoreVersions): number {
  return useSyncExternalStore(store.subscribe, () => store.versions[kind]);
}

/**
 * Like `useStoreVersion`, but at most once per `intervalMs` (first change at once, the rest
 * gathered): for work that costs a pass over every agent, such as sorting the grid.
 */
export function useThrottledVersion(
  store: LiveStore,
  kind: keyof StoreVersions,
  intervalMs: number,
): number {
  const throttled = useMemo(() => {
    let version = store.versions[kind];
    let last = 0;
    return {
      subscribe: (notify: () => void) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const unsubscribe = store.subscribe(() => {
          if (timer !== undefined || store.versions[kind] === version) return;
          const fire = () => {
            timer = undefined;
            last = Date.now();
            version = store.versions[kind];
            notify();
          };
          const wait = last + intervalMs - Date.now();
          if (wait <= 0) fire();
          else timer = setTimeout(fire, wait);
        });
        return () => {
          clearTimeout(timer);
          unsubscribe();
        };
      },
      get: () => version,
    };
  }, [store, kind, intervalMs]);
  return useSyncExternalStore(throttled.subscribe, throttled.get);
}

/** Re-renders only when the selected primitive changes. */
export function useStoreSelector<T extends string | number | boolean | undefined>(
  store: LiveStore,
  select: () => T,
): T {
  return useSyncExternalStore(store.subscribe, select);
}

const IDLE: ConnectionState = { status: 'idle' };
const noop = () => () => {};

export function useConnectionState(connection: LiveConnection | undefined): ConnectionState {
  return useSyncExternalStore(connection?.subscribe ?? noop, connection?.getState ?? (() => IDLE));
}
