import { useEffect, useMemo, useRef, useState } from 'react';
import { judgeQueue } from '../lib/queue-levels.js';
import { chime, unlockSound } from '../lib/chime.js';
import { elapsedSince } from '../lib/format.js';
import { NewAlerts } from '../lib/new-alerts.js';
import { stateLevel, type StateThreshold, type ThresholdLayers } from '../lib/thresholds.js';
import type { LiveStore } from './live-store.js';
import { useServerNow } from './use-tick.js';

const FLASH_MS = 3_000;

/**
 * Sound and flash when something turns red on a room's board: a queue tile, or an agent shown
 * on it. Judged every second, like the board; nothing while the data is stale (a frozen board
 * raises no new alarms) or on the first look.
 */
export function useAlertCues(
  store: LiveStore,
  opts: {
    enabled: boolean;
    sound: boolean;
    flash: boolean;
    layers: ThresholdLayers;
    stateIndex: Map<string, StateThreshold>;
    agentIds: string[];
    stale: boolean;
  },
): { flashing: boolean; latest: string[]; soundBlocked: boolean; enableSound: () => void } {
  const serverNow = useServerNow(store);
  const tracker = useMemo(() => new NewAlerts(), []);
  const [flashUntil, setFlashUntil] = useState(0);
  const [latest, setLatest] = useState<string[]>([]);
  const [soundBlocked, setSoundBlocked] = useState(false);
  const { enabled, sound, flash, layers, stateIndex, agentIds, stale } = opts;
  const last = useRef(0);

  useEffect(() => {
    if (!enabled || stale || serverNow === last.current) return;
    last.current = serverNow;
    const alerting: string[] = [];
    for (const q of store.queues.values()) {
      if (judgeQueue(q, layers, serverNow).level === 'alert')
        alerting.push(`queue:${q.name ?? q.id}`);
    }
    for (const id of agentIds) {
      const a = store.agents.get(id);
      if (a && stateLevel(stateIndex, a.label, elapsedSince(a.since, serverNow)) === 'alert') {
        alerting.push(`agent:${a.name ?? a.id}`);
      }
    }
    const fresh = tracker.update(alerting);
    if (fresh.length === 0) return;
    setLatest(fresh.slice(0, 5));
    if (flash) setFlashUntil(Date.now() + FLASH_MS);
    if (sound && !chime()) setSoundBlocked(true);
  }, [enabled, stale, serverNow, store, layers, stateIndex, agentIds, tracker, sound, flash]);

  useEffect(() => {
    if (!sound || !enabled) return;
    // Try at once: a kiosk browser that allows autoplay needs no click.
    void unlockSound().then((ok) => setSoundBlocked(!ok));
  }, [sound, enabled]);

  return {
    flashing: flashUntil > Date.now(),
    latest,
    soundBlocked: sound && soundBlocked,
    enableSound: () => void unlockSound().then((ok) => setSoundBlocked(!ok)),
  };
}
