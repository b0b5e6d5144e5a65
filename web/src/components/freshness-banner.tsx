import { formatAge } from '../lib/format.js';
import { sourceQuietText, type Freshness } from '../lib/freshness.js';
import type { ConnectionState } from '../live/live-connection.js';
import type { Live } from '../live/use-live.js';
import { useConnectionState, useStoreVersion } from '../live/use-live.js';
import { useTick } from '../live/use-tick.js';

export interface BoardFreshness {
  freshness: Freshness;
  state: ConnectionState;
  /** The socket is down (waiting to reconnect, or failed): "Retry now" applies. */
  disconnected: boolean;
  /** Milliseconds since the last message from the gateway; undefined before the first. */
  silenceMs: number | undefined;
}

/** The board's freshness, re-read every tick and on every message. */
export function useBoardFreshness(live: Live): BoardFreshness {
  const state = useConnectionState(live.connection);
  useStoreVersion(live.store, 'meta');
  const now = Math.max(useTick(), Date.now());
  const freshness = live.store.freshness(now);
  const disconnected = state.status === 'waiting' || state.status === 'failed';
  return { freshness, state, disconnected, silenceMs: live.store.silenceMs(now) };
}

/**
 * Says why the board is dimmed and its timers stopped: the gateway is out of reach, or it hears
 * nothing from Genesys while agents are logged in. "Retry now" reconnects without waiting.
 */
export function FreshnessBanner({ live }: { live: Live }) {
  const { freshness, disconnected, silenceMs } = useBoardFreshness(live);
  if (!freshness.stale && !disconnected) return null;
  const lines: string[] = [];
  if (freshness.linkStale || disconnected) {
    const age = silenceMs === undefined ? '' : ` · data from ${formatAge(silenceMs)}`;
    lines.push(`${disconnected ? 'Gateway unreachable' : 'No word from the gateway'}${age}`);
  }
  if (freshness.sourceStale && freshness.sourceAgeMs !== undefined) {
    lines.push(sourceQuietText(freshness.sourceAgeMs));
  }
  return (
    <div
      className="freshness-banner"
      role="status"
      data-testid="freshness-banner"
      data-link={freshness.linkStale || disconnected ? 'stale' : 'fresh'}
      data-source={freshness.sourceStale ? 'stale' : 'fresh'}
    >
      <strong>{lines.join(' · ') || 'Reconnecting'}</strong>
      {freshness.stale && <span> — timers paused until fresh data arrives</span>}
      {disconnected && live.connection && (
        <button type="button" onClick={() => live.connection?.retryNow()}>
          Retry now
        </button>
      )}
    </div>
  );
}
