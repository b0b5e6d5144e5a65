import type { SourceFreshness } from '../protocol/live-messages.js';
import type { SourceHealth } from '../sources/source.js';

/** Sources that do not deliver Genesys's events: reconciliation reads REST and repairs. */
const NOT_EVENT_SOURCES: ReadonlySet<string> = new Set(['reconcile']);

/**
 * Each event source's age (milliseconds since the log last took events from it, as of `nowMs`;
 * null before the first), from the sources' health. Reconciliation is left out: its repairs are
 * not events from Genesys, and a floor fed only by them is not live.
 */
export function sourceFreshness(
  health: Record<string, SourceHealth>,
  nowMs: number,
): SourceFreshness[] {
  const out: SourceFreshness[] = [];
  for (const [name, h] of Object.entries(health)) {
    if (NOT_EVENT_SOURCES.has(name)) continue;
    out.push({ name, ageMs: ageOf(h.lastEventAt, nowMs) });
  }
  return out;
}

/** Milliseconds from an ISO time to `nowMs` (never negative); null for none or unparseable. */
export function ageOf(at: string | null, nowMs: number): number | null {
  if (at === null) return null;
  const ms = Date.parse(at);
  return Number.isFinite(ms) ? Math.max(0, nowMs - ms) : null;
}
