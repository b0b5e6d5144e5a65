import type { SourceFreshness } from '@protocol/live-messages.js';
import { STALE_AFTER_MS } from './connection-status.js';

/** No event from any Genesys source for this long, with agents logged in: the source is quiet. */
export const SOURCE_STALE_AFTER_MS = 15_000;

/** The freshness a heartbeat published, as the store keeps it. */
export interface SourceReport {
  sources: readonly SourceFreshness[];
  agentsLoggedIn: number | undefined;
  /** The heartbeat's `now`: the server-clock time the ages were measured at. */
  serverAt: number;
}

export interface FreshnessInputs {
  /** Client clock now. */
  clientNow: number;
  /** Server clock minus client clock (ms). */
  skewMs: number;
  /** Client-clock time of the last message of any kind; undefined before the first. */
  lastMessageAt: number | undefined;
  /** The last freshness a heartbeat published; undefined from gateways that publish none. */
  report: SourceReport | undefined;
  /** Agents logged in as the client holds them (when the heartbeat does not say). */
  agentsLoggedIn: number;
  linkStaleAfterMs?: number;
  sourceStaleAfterMs?: number;
}

export interface Freshness {
  /** Nothing from the gateway for two heartbeat periods (or never: not stale, only loading). */
  linkStale: boolean;
  /** Age of the newest Genesys event now (extrapolated from the last heartbeat); undefined: unknown. */
  sourceAgeMs: number | undefined;
  /** No Genesys event for the threshold while agents are logged in. */
  sourceStale: boolean;
  /** Either: the board dims and its timers freeze. */
  stale: boolean;
  /**
   * Server-clock time the data went stale (the last message plus the link's threshold, the last
   * Genesys event plus the source's): timers stop there while stale. Undefined when fresh. On
   * the server's clock, so a skew estimate that moves with each heartbeat does not move it.
   */
  frozenAt: number | undefined;
}

/**
 * How fresh the board is: the browser↔gateway link (any message, heartbeats included) and the
 * gateway↔Genesys source (the age of the newest event of any event source, published on
 * heartbeats; reconciliation does not count). A quiet source is stale only while agents are
 * logged in: an empty floor sends nothing.
 */
export function freshnessOf(input: FreshnessInputs): Freshness {
  const linkAfter = input.linkStaleAfterMs ?? STALE_AFTER_MS;
  const sourceAfter = input.sourceStaleAfterMs ?? SOURCE_STALE_AFTER_MS;
  const { clientNow, skewMs, lastMessageAt, report } = input;
  const linkStale = lastMessageAt !== undefined && clientNow - lastMessageAt >= linkAfter;
  const serverNow = clientNow + skewMs;

  let sourceAgeMs: number | undefined;
  let lastEventAt: number | undefined;
  if (report) {
    const ages = report.sources
      .map((s) => s.ageMs)
      .filter((a): a is number => typeof a === 'number' && Number.isFinite(a));
    if (ages.length > 0) {
      const age = Math.max(0, Math.min(...ages));
      lastEventAt = report.serverAt - age;
      sourceAgeMs = Math.max(0, serverNow - lastEventAt);
    }
  }
  const loggedIn = report?.agentsLoggedIn ?? input.agentsLoggedIn;
  const sourceStale = sourceAgeMs !== undefined && loggedIn > 0 && sourceAgeMs >= sourceAfter;

  // Timers stop where they stand when the data went stale, rather than jump back.
  let frozenAt: number | undefined;
  if (linkStale && lastMessageAt !== undefined) frozenAt = lastMessageAt + skewMs + linkAfter;
  if (sourceStale && lastEventAt !== undefined) {
    const at = lastEventAt + sourceAfter;
    frozenAt = frozenAt === undefined ? at : Math.min(frozenAt, at);
  }
  return { linkStale, sourceAgeMs, sourceStale, stale: linkStale || sourceStale, frozenAt };
}

/** Whole seconds, for the banner: "No Genesys events for 42 s". */
export function sourceQuietText(ageMs: number): string {
  const sec = Math.max(0, Math.floor(ageMs / 1000));
  if (sec < 120) return `No Genesys events for ${sec} s`;
  const min = Math.floor(sec / 60);
  if (min < 120) return `No Genesys events for ${min} min`;
  return `No Genesys events for ${Math.floor(min / 60)} h`;
}
