import { indicatorOf } from '../lib/connection-status.js';
import type { Live } from '../live/use-live.js';
import { useConnectionState, useStoreVersion } from '../live/use-live.js';
import { useTick } from '../live/use-tick.js';

/** Connected / reconnecting / stale, with the honest age of the last message. */
export function ConnectionIndicator({ live }: { live: Live }) {
  const state = useConnectionState(live.connection);
  useStoreVersion(live.store, 'meta');
  const tick = useTick();
  const now = Math.max(tick, Date.now());
  const indicator = indicatorOf(state, live.store.silenceMs(now), now);
  return (
    <p
      className={`connection connection-${indicator.status}`}
      data-testid="connection"
      data-status={indicator.status}
      title={indicator.detail}
    >
      <span className="connection-dot" aria-hidden="true" />
      <strong>{indicator.title}</strong>
      <span className="connection-detail">{indicator.detail}</span>
    </p>
  );
}
