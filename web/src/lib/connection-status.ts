import type { ConnectionState } from '../live/live-connection.js';
import { formatAge } from './format.js';

export type IndicatorStatus = 'connecting' | 'connected' | 'stale' | 'reconnecting' | 'failed';

export interface Indicator {
  status: IndicatorStatus;
  /** Short words for the badge. */
  title: string;
  /** The honest detail: how old the data is, when the next attempt comes. */
  detail: string;
}

/** Two heartbeat periods (docs/live-protocol.md): nothing for this long and the data is stale. */
export const STALE_AFTER_MS = 10_000;

/**
 * What the connection indicator says, from the connection's state and the time since the last
 * message of any kind (heartbeats count).
 */
export function indicatorOf(
  state: ConnectionState,
  silenceMs: number | undefined,
  clientNow: number,
  staleAfterMs = STALE_AFTER_MS,
): Indicator {
  const age = silenceMs === undefined ? 'no data yet' : `updated ${formatAge(silenceMs)}`;
  switch (state.status) {
    case 'open':
      if (silenceMs === undefined) {
        return { status: 'connecting', title: 'Connecting', detail: 'waiting for the snapshot' };
      }
      if (silenceMs >= staleAfterMs) {
        return { status: 'stale', title: 'Stale', detail: `no message ${formatAge(silenceMs)}` };
      }
      return { status: 'connected', title: 'Live', detail: age };
    case 'waiting': {
      const inSec = Math.max(0, Math.ceil((state.retryAt - clientNow) / 1000));
      return {
        status: 'reconnecting',
        title: 'Reconnecting',
        detail: `${inSec > 0 ? `retry in ${inSec} s` : 'retrying'} (attempt ${state.attempt}) · ${age}`,
      };
    }
    case 'connecting':
      return state.attempt > 0 || silenceMs !== undefined
        ? { status: 'reconnecting', title: 'Reconnecting', detail: `connecting… · ${age}` }
        : { status: 'connecting', title: 'Connecting', detail: 'opening the live connection' };
    case 'failed':
      return {
        status: 'failed',
        title: 'Disconnected',
        detail: `${state.errorCode ? `${state.errorCode}: ` : ''}${state.message} · ${age}`,
      };
    case 'idle':
    case 'stopped':
      return { status: 'connecting', title: 'Not connected', detail: age };
  }
}
