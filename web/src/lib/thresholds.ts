/**
 * Colour thresholds as the dashboard applies them: the gateway stores the layers
 * (`GET /api/v1/thresholds`, shared by every screen) and `@protocol/thresholds.js` resolves
 * them; this adds what a view needs: a queue tile's rules, the time-in-state index, words for
 * levels, and the rule written out for the tile.
 */
import type { QueueMediaFigures, QueueView } from '@protocol/live-messages.js';
import {
  labelKey as plainLabelKey,
  resolveQueueRule,
  resolveStateRules,
  tileTarget,
  type Level,
  type ResolvedQueueRule,
  type RuleSource,
  type StateRule,
  type ThresholdOverrides,
  type ThresholdsDocument,
} from '@protocol/thresholds.js';

export {
  DEFAULT_STATE_RULES,
  longestWaitLevel,
  serviceLevelLevel,
  worst,
  type Level,
  type ResolvedQueueRule,
  type ThresholdOverrides,
  type ThresholdsDocument,
} from '@protocol/thresholds.js';

export type StateThreshold = StateRule;

/** The two layers of a document (none before it loads: the built-in rules apply). */
export interface ThresholdLayers {
  config?: ThresholdOverrides | undefined;
  dashboard?: ThresholdOverrides | undefined;
}

export function layersOf(doc: ThresholdsDocument | undefined): ThresholdLayers {
  return doc ? { config: doc.config, dashboard: doc.dashboard } : {};
}

/** A tile's overall rule: the queue's first media's target, every layer applied. */
export function queueRule(queue: QueueView, layers: ThresholdLayers): ResolvedQueueRule {
  return resolveQueueRule(tileTarget(queue), layers);
}

/** One media's rule within a queue: its own target, every layer applied. */
export function mediaRule(
  queue: QueueView,
  figures: QueueMediaFigures,
  layers: ThresholdLayers,
): ResolvedQueueRule {
  return resolveQueueRule(
    {
      queueId: queue.id,
      media: figures.media,
      thresholdSec: figures.serviceLevelThresholdSec,
      target: figures.serviceLevelTarget,
    },
    layers,
  );
}

const SOURCE_TEXT: Record<RuleSource, string> = {
  default: 'default',
  target: 'queue target',
  config: 'config file',
  dashboard: 'set on dashboard',
};

export function sourceText(source: RuleSource): string {
  return SOURCE_TEXT[source];
}

/** "Warn ≥ 20 s · alert ≥ 40 s": the longest-wait rule in words. */
export function waitRuleText(rule: ResolvedQueueRule): string {
  return `warn ≥ ${formatSec(rule.longestWaitWarnSec)} · alert ≥ ${formatSec(rule.longestWaitAlertSec)}`;
}

/** "Warn < 80 % · alert < 65 %": the service-level rule in words. */
export function serviceLevelRuleText(rule: ResolvedQueueRule): string {
  return `warn < ${rule.serviceLevelWarnPct} % · alert < ${rule.serviceLevelAlertPct} %`;
}

/** Seconds as a rule states them: "45 s", "2 min", "1 h", "1 h 30 min". */
export function formatSec(sec: number): string {
  if (sec < 120 || sec % 60 !== 0) return `${sec} s`;
  const min = sec / 60;
  if (min < 60 || min % 60 !== 0) {
    return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
  }
  return `${min / 60} h`;
}

/** Labels compared without case or punctuation: "Wrap-up", "wrap up" and "WRAPUP" are one. */
const labelKeys = new Map<string, string>();

export function labelKey(label: string): string {
  let key = labelKeys.get(label);
  if (key === undefined) {
    key = plainLabelKey(label);
    // Labels are few (states, an org's presences); the bound only guards against junk.
    if (labelKeys.size < 10_000) labelKeys.set(label, key);
  }
  return key;
}

/** A lookup by label, built once per thresholds object. */
export function stateThresholdIndex(
  states: readonly StateThreshold[],
): Map<string, StateThreshold> {
  return new Map(states.map((s) => [labelKey(s.label), s]));
}

/** The time-in-state index for a document's layers (the built-in rules before it loads). */
export function stateIndexOf(layers: ThresholdLayers): Map<string, StateThreshold> {
  return stateThresholdIndex(resolveStateRules(layers));
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
