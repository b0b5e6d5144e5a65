/**
 * Colour thresholds for queue tiles and agent timers (ANCHORS §6: a tile turns red past 120 s of
 * longest wait or below 60 % service level; per-state time-in-state thresholds). Each level also
 * has words, so colour is never the only signal.
 */
export type Level = 'ok' | 'warn' | 'alert';

export interface QueueThresholds {
  /** Longest current wait, seconds. */
  longestWaitWarnSec: number;
  longestWaitAlertSec: number;
  /** Service level, percent: at or above warn is fine. */
  serviceLevelWarnPct: number;
  serviceLevelAlertPct: number;
}

/** Time in one agent state (matched on the label), seconds; omit a level to never reach it. */
export interface StateThreshold {
  label: string;
  warnSec?: number;
  alertSec?: number;
}

export interface Thresholds {
  queue: QueueThresholds;
  states: StateThreshold[];
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  queue: {
    longestWaitWarnSec: 60,
    longestWaitAlertSec: 120,
    serviceLevelWarnPct: 80,
    serviceLevelAlertPct: 60,
  },
  states: [
    { label: 'Not Responding', alertSec: 0 },
    { label: 'Alerting', warnSec: 10, alertSec: 20 },
    { label: 'Wrap-up', warnSec: 120, alertSec: 300 },
    { label: 'On Hold', warnSec: 120, alertSec: 300 },
    { label: 'Break', warnSec: 900, alertSec: 1800 },
    { label: 'Lunch', warnSec: 2700, alertSec: 3600 },
    { label: 'Meal', warnSec: 2700, alertSec: 3600 },
    { label: 'Interacting', warnSec: 900, alertSec: 1800 },
  ],
};

const RANK: Record<Level, number> = { ok: 0, warn: 1, alert: 2 };

export function worst(...levels: Level[]): Level {
  return levels.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

export function longestWaitLevel(waitMs: number, t: QueueThresholds): Level {
  const sec = waitMs / 1000;
  if (sec >= t.longestWaitAlertSec) return 'alert';
  if (sec >= t.longestWaitWarnSec) return 'warn';
  return 'ok';
}

/** `serviceLevel` is a fraction (0..1) as the hub sends it; null when nothing was offered. */
export function serviceLevelLevel(serviceLevel: number | null, t: QueueThresholds): Level {
  if (serviceLevel === null) return 'ok';
  const pct = serviceLevel * 100;
  if (pct < t.serviceLevelAlertPct) return 'alert';
  if (pct < t.serviceLevelWarnPct) return 'warn';
  return 'ok';
}

/** Labels compared without case or punctuation: "Wrap-up", "wrap up" and "WRAPUP" are one. */
const labelKeys = new Map<string, string>();

export function labelKey(label: string): string {
  let key = labelKeys.get(label);
  if (key === undefined) {
    key = label.toLowerCase().replace(/[^a-z0-9]/g, '');
    // Labels are few (states, an org's presences); the bound only guards against junk.
    if (labelKeys.size < 10_000) labelKeys.set(label, key);
  }
  return key;
}

/** A lookup by label, built once per thresholds object. */
export function stateThresholdIndex(states: StateThreshold[]): Map<string, StateThreshold> {
  return new Map(states.map((s) => [labelKey(s.label), s]));
}

export function stateLevel(
  index: Map<string, StateThreshold>,
  label: string,
  elapsedMs: number | undefined,
): Level {
  const t = index.get(labelKey(label));
  if (!t) return 'ok';
  // Unknown start time: a state with a zero threshold is alerting from its first second.
  const sec = elapsedMs === undefined ? 0 : elapsedMs / 1000;
  if (t.alertSec !== undefined && sec >= t.alertSec) return 'alert';
  if (t.warnSec !== undefined && sec >= t.warnSec) return 'warn';
  return 'ok';
}

/** What a level says in words, next to its colour. */
export function levelText(level: Level): string {
  return level === 'alert' ? 'Alert' : level === 'warn' ? 'Warning' : 'OK';
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function optNum(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Thresholds from stored JSON; anything missing or malformed falls back to the defaults. */
export function parseThresholds(raw: unknown): Thresholds {
  const d = DEFAULT_THRESHOLDS;
  if (typeof raw !== 'object' || raw === null) return d;
  const r = raw as { queue?: Record<string, unknown>; states?: unknown };
  const q = r.queue ?? {};
  const queue: QueueThresholds = {
    longestWaitWarnSec: num(q.longestWaitWarnSec, d.queue.longestWaitWarnSec),
    longestWaitAlertSec: num(q.longestWaitAlertSec, d.queue.longestWaitAlertSec),
    serviceLevelWarnPct: num(q.serviceLevelWarnPct, d.queue.serviceLevelWarnPct),
    serviceLevelAlertPct: num(q.serviceLevelAlertPct, d.queue.serviceLevelAlertPct),
  };
  let states = d.states;
  if (Array.isArray(r.states)) {
    states = [];
    for (const s of r.states as unknown[]) {
      if (typeof s !== 'object' || s === null) continue;
      const o = s as Record<string, unknown>;
      if (typeof o.label !== 'string' || o.label.trim() === '') continue;
      const entry: StateThreshold = { label: o.label.trim() };
      const warn = optNum(o.warnSec);
      const alert = optNum(o.alertSec);
      if (warn !== undefined) entry.warnSec = warn;
      if (alert !== undefined) entry.alertSec = alert;
      states.push(entry);
    }
  }
  return { queue, states };
}
