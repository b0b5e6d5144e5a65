/**
 * Colour thresholds, shared by the gateway (which stores and validates them) and the dashboard
 * (which resolves them per tile). A queue's rule starts from its own service-level target per
 * media (`mediaSettings.<media>.serviceLevel`: a one-hour e-mail target does not turn red after
 * two minutes), then overrides apply in layers: `switchboard.yaml` (`dashboard.thresholds`),
 * then what the dashboard saved through `PUT /api/v1/thresholds`. Within a layer the most
 * specific rule wins: every queue, one media, one queue, one queue's media. A field left out
 * inherits; every level also has words, so colour is never the only signal.
 */
import type { QueueView } from './live-messages.js';

export type Level = 'ok' | 'warn' | 'alert';

/** One layer's rule for queue tiles; any field may be left out to inherit it. */
export interface QueueRule {
  /** Longest current wait, seconds: warn at or past `warn`, alert at or past `alert`. */
  longestWaitWarnSec?: number;
  longestWaitAlertSec?: number;
  /** Service level, percent: below `warn` warns, below `alert` alerts. */
  serviceLevelWarnPct?: number;
  serviceLevelAlertPct?: number;
}

export const QUEUE_RULE_FIELDS = [
  'longestWaitWarnSec',
  'longestWaitAlertSec',
  'serviceLevelWarnPct',
  'serviceLevelAlertPct',
] as const satisfies readonly (keyof QueueRule)[];

/** Time in one agent state (matched on the label, any case or punctuation), seconds. */
export interface StateRule {
  label: string;
  warnSec?: number;
  alertSec?: number;
}

/** One layer of overrides (the config file's, or the dashboard's). */
export interface ThresholdOverrides {
  /** Every queue, every media. */
  all?: QueueRule;
  /** By media: `voice`, `callback`, `chat`, `email`, `message`. */
  media?: Record<string, QueueRule>;
  /** By queue id: all its media, then one media. */
  queues?: Record<string, { all?: QueueRule; media?: Record<string, QueueRule> }>;
  /** Agent time-in-state, by label: replaces the rule below it for that label. */
  states?: StateRule[];
}

/** `GET /api/v1/thresholds`. */
export interface ThresholdsDocument {
  /** Changes whenever either layer does (heartbeats carry it as `settingsVersion`). */
  version: number;
  /** From `switchboard.yaml`: read-only over the API. */
  config: ThresholdOverrides;
  /** Saved from the dashboard: what `PUT /api/v1/thresholds` replaces. */
  dashboard: ThresholdOverrides;
  updatedAt: string | null;
}

/** Where a resolved value came from, shown on the tile. */
export type RuleSource = 'default' | 'target' | 'config' | 'dashboard';

export interface ResolvedQueueRule {
  longestWaitWarnSec: number;
  longestWaitAlertSec: number;
  serviceLevelWarnPct: number;
  serviceLevelAlertPct: number;
  source: { longestWait: RuleSource; serviceLevel: RuleSource };
}

/** What the rule starts from when a queue's settings give no service-level target. */
export const FALLBACK_TARGET = { thresholdSec: 20, targetPct: 80 };

/**
 * Built-in rule from a service-level target ("80 % within 20 s"): a contact that has waited the
 * threshold is already missing the target (warn), twice the threshold is an alert; the service
 * level warns below the target and alerts 15 points below it.
 */
export function ruleFromTarget(
  thresholdSec: number,
  targetPct: number,
): Omit<ResolvedQueueRule, 'source'> {
  return {
    longestWaitWarnSec: thresholdSec,
    longestWaitAlertSec: thresholdSec * 2,
    serviceLevelWarnPct: targetPct,
    serviceLevelAlertPct: Math.max(0, targetPct - 15),
  };
}

export interface QueueTarget {
  queueId?: string | undefined;
  /** The live-state media name (`voice`, …); undefined for a queue's overall figures. */
  media?: string | undefined;
  /** The queue's own service-level threshold and target share (0..1), when it has them. */
  thresholdSec?: number | undefined;
  target?: number | null | undefined;
}

function layerRules(layer: ThresholdOverrides | undefined, t: QueueTarget): QueueRule[] {
  if (!layer) return [];
  const q = t.queueId === undefined ? undefined : layer.queues?.[t.queueId];
  const media = t.media;
  return [
    layer.all,
    media === undefined ? undefined : layer.media?.[media],
    q?.all,
    media === undefined ? undefined : q?.media?.[media],
  ].filter((r): r is QueueRule => r !== undefined);
}

/** The rule for one queue (and media), every layer applied. */
export function resolveQueueRule(
  t: QueueTarget,
  layers: { config?: ThresholdOverrides | undefined; dashboard?: ThresholdOverrides | undefined },
): ResolvedQueueRule {
  // The threshold alone is not the queue's own: the gateway fills in its default when unknown.
  const hasTarget = typeof t.target === 'number';
  const base = ruleFromTarget(
    t.thresholdSec ?? FALLBACK_TARGET.thresholdSec,
    typeof t.target === 'number' ? Math.round(t.target * 1000) / 10 : FALLBACK_TARGET.targetPct,
  );
  const out: ResolvedQueueRule = {
    ...base,
    source: {
      longestWait: hasTarget ? 'target' : 'default',
      serviceLevel: hasTarget ? 'target' : 'default',
    },
  };
  for (const [name, layer] of [
    ['config', layers.config],
    ['dashboard', layers.dashboard],
  ] as const) {
    for (const rule of layerRules(layer, t)) {
      for (const field of QUEUE_RULE_FIELDS) {
        const value = rule[field];
        if (value === undefined) continue;
        out[field] = value;
        out.source[field.startsWith('longestWait') ? 'longestWait' : 'serviceLevel'] = name;
      }
    }
  }
  return out;
}

/** Agent time-in-state rules when nothing overrides them (ANCHORS §6). */
export const DEFAULT_STATE_RULES: readonly StateRule[] = [
  { label: 'Not Responding', alertSec: 0 },
  { label: 'Alerting', warnSec: 10, alertSec: 20 },
  { label: 'Wrap-up', warnSec: 120, alertSec: 300 },
  { label: 'On Hold', warnSec: 120, alertSec: 300 },
  { label: 'Break', warnSec: 900, alertSec: 1800 },
  { label: 'Lunch', warnSec: 2700, alertSec: 3600 },
  { label: 'Meal', warnSec: 2700, alertSec: 3600 },
  { label: 'Interacting', warnSec: 900, alertSec: 1800 },
];

/** Labels compared without case or punctuation: "Wrap-up", "wrap up" and "WRAPUP" are one. */
export function labelKey(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The state rules, every layer applied: a later layer's rule replaces a label's earlier one. */
export function resolveStateRules(layers: {
  config?: ThresholdOverrides | undefined;
  dashboard?: ThresholdOverrides | undefined;
}): StateRule[] {
  const byLabel = new Map<string, StateRule>();
  for (const rule of DEFAULT_STATE_RULES) byLabel.set(labelKey(rule.label), rule);
  for (const layer of [layers.config, layers.dashboard]) {
    for (const rule of layer?.states ?? []) byLabel.set(labelKey(rule.label), rule);
  }
  return [...byLabel.values()];
}

/** A problem with a set of overrides: the JSON path of the field and what is wrong. */
export interface ThresholdProblem {
  path: string;
  message: string;
}

/** Limits that keep a hostile document small. */
export const THRESHOLD_LIMITS = {
  queues: 2_000,
  media: 8,
  states: 200,
  labelLength: 100,
  /** One week, in seconds: a longer wait or state threshold is a typo. */
  maxSec: 7 * 24 * 3600,
};

const MEDIA_NAMES = ['voice', 'callback', 'chat', 'email', 'message'];

function checkNumber(
  value: unknown,
  max: number,
  path: string,
  problems: ThresholdProblem[],
): value is number | undefined {
  if (value === undefined) return true;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    problems.push({ path, message: `must be a number from 0 to ${max}, or left out to inherit` });
    return false;
  }
  return true;
}

/**
 * Checks one rule against what it inherits (`below`): the warning must come before the alert
 * (a shorter wait, a higher service level) once the rule is applied.
 */
function checkRule(
  rule: unknown,
  below: Omit<ResolvedQueueRule, 'source'>,
  path: string,
  problems: ThresholdProblem[],
): Omit<ResolvedQueueRule, 'source'> {
  if (rule === undefined) return below;
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
    problems.push({ path, message: 'must be an object' });
    return below;
  }
  const r = rule as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!(QUEUE_RULE_FIELDS as readonly string[]).includes(key)) {
      problems.push({ path: `${path}.${key}`, message: 'is not a threshold field' });
    }
  }
  const out = { ...below };
  for (const field of QUEUE_RULE_FIELDS) {
    const max = field.endsWith('Pct') ? 100 : THRESHOLD_LIMITS.maxSec;
    const value = r[field];
    if (checkNumber(value, max, `${path}.${field}`, problems) && value !== undefined) {
      out[field] = value;
    }
  }
  if (out.longestWaitWarnSec > out.longestWaitAlertSec) {
    problems.push({
      path: `${path}.longestWaitWarnSec`,
      message: `the warning (${out.longestWaitWarnSec} s) must come before the alert (${out.longestWaitAlertSec} s)`,
    });
  }
  if (out.serviceLevelWarnPct < out.serviceLevelAlertPct) {
    problems.push({
      path: `${path}.serviceLevelWarnPct`,
      message: `the warning (below ${out.serviceLevelWarnPct} %) must come before the alert (below ${out.serviceLevelAlertPct} %)`,
    });
  }
  return out;
}

function checkMediaMap(
  value: unknown,
  below: (media: string) => Omit<ResolvedQueueRule, 'source'>,
  path: string,
  problems: ThresholdProblem[],
): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ path, message: 'must be an object keyed by media' });
    return;
  }
  for (const [media, rule] of Object.entries(value)) {
    if (!MEDIA_NAMES.includes(media)) {
      problems.push({
        path: `${path}.${media}`,
        message: `media must be one of ${MEDIA_NAMES.join(', ')}`,
      });
      continue;
    }
    checkRule(rule, below(media), `${path}.${media}`, problems);
  }
}

/** `rule`'s valid fields applied over `base` (the invalid ones are reported elsewhere). */
function applyValid(base: Omit<ResolvedQueueRule, 'source'>, rule: unknown): void {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return;
  for (const field of QUEUE_RULE_FIELDS) {
    const value = (rule as Record<string, unknown>)[field];
    const max = field.endsWith('Pct') ? 100 : THRESHOLD_LIMITS.maxSec;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max) {
      base[field] = value;
    }
  }
}

function ownEntry(map: unknown, key: string): unknown {
  return typeof map === 'object' && map !== null && Object.hasOwn(map, key)
    ? (map as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Validates one layer of overrides, on top of `inherited` (the layer below, e.g. the config
 * file's under the dashboard's). Each rule is checked against the fallback rule with what it
 * inherits applied, so a warning set alone above the alert it inherits is refused too. Returns
 * the problems; none means the layer is valid (and `parseOverrides` may keep it as it is).
 */
export function validateOverrides(
  value: unknown,
  inherited: ThresholdOverrides = {},
  /** Queues (and media) known now, with their own targets: each must resolve in order too. */
  targets: readonly QueueTarget[] = [],
): ThresholdProblem[] {
  const problems: ThresholdProblem[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path: '$', message: 'must be an object' }];
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!['all', 'media', 'queues', 'states'].includes(key)) {
      problems.push({ path: `$.${key}`, message: 'is not a thresholds section' });
    }
  }
  // What a rule inherits where it applies: the fallback, the layer below's rules for that place
  // (its media, its queue), then this layer's less specific rules.
  const below = (queueId: string | undefined, media: string | undefined, ...over: unknown[]) => {
    const { source: _source, ...rule } = resolveQueueRule(
      { queueId, media },
      { config: inherited },
    );
    for (const r of over) applyValid(rule, r);
    return rule;
  };
  checkRule(v.all, below(undefined, undefined), '$.all', problems);
  checkMediaMap(v.media, (m) => below(undefined, m, v.all), '$.media', problems);
  if (v.queues !== undefined) {
    if (typeof v.queues !== 'object' || v.queues === null || Array.isArray(v.queues)) {
      problems.push({ path: '$.queues', message: 'must be an object keyed by queue id' });
    } else {
      const entries = Object.entries(v.queues);
      if (entries.length > THRESHOLD_LIMITS.queues) {
        problems.push({ path: '$.queues', message: `at most ${THRESHOLD_LIMITS.queues} queues` });
      }
      for (const [id, q] of entries.slice(0, THRESHOLD_LIMITS.queues)) {
        const path = `$.queues.${id}`;
        if (!/^[A-Za-z0-9_-]{1,100}$/.test(id) || id === '__proto__') {
          problems.push({ path, message: 'must be a queue id (letters, digits, - and _)' });
          continue;
        }
        if (typeof q !== 'object' || q === null || Array.isArray(q)) {
          problems.push({ path, message: 'must be an object with "all" and/or "media"' });
          continue;
        }
        const qr = q as Record<string, unknown>;
        for (const key of Object.keys(qr)) {
          if (key !== 'all' && key !== 'media') {
            problems.push({ path: `${path}.${key}`, message: 'must be "all" or "media"' });
          }
        }
        checkRule(qr.all, below(id, undefined, v.all), `${path}.all`, problems);
        checkMediaMap(
          qr.media,
          (m) => below(id, m, v.all, ownEntry(v.media, m), qr.all),
          `${path}.media`,
          problems,
        );
      }
    }
  }
  if (v.states !== undefined) {
    if (!Array.isArray(v.states)) {
      problems.push({ path: '$.states', message: 'must be a list' });
    } else {
      if (v.states.length > THRESHOLD_LIMITS.states) {
        problems.push({ path: '$.states', message: `at most ${THRESHOLD_LIMITS.states} states` });
      }
      v.states.slice(0, THRESHOLD_LIMITS.states).forEach((s: unknown, i) => {
        const path = `$.states[${i}]`;
        if (typeof s !== 'object' || s === null || Array.isArray(s)) {
          problems.push({ path, message: 'must be an object' });
          return;
        }
        const o = s as Record<string, unknown>;
        for (const key of Object.keys(o)) {
          if (!['label', 'warnSec', 'alertSec'].includes(key)) {
            problems.push({
              path: `${path}.${key}`,
              message: 'must be label, warnSec or alertSec',
            });
          }
        }
        if (
          typeof o.label !== 'string' ||
          o.label.trim() === '' ||
          o.label.length > THRESHOLD_LIMITS.labelLength
        ) {
          problems.push({
            path: `${path}.label`,
            message: `must be a state label of 1 to ${THRESHOLD_LIMITS.labelLength} characters`,
          });
        }
        const okWarn = checkNumber(o.warnSec, THRESHOLD_LIMITS.maxSec, `${path}.warnSec`, problems);
        const okAlert = checkNumber(
          o.alertSec,
          THRESHOLD_LIMITS.maxSec,
          `${path}.alertSec`,
          problems,
        );
        if (
          okWarn &&
          okAlert &&
          typeof o.warnSec === 'number' &&
          typeof o.alertSec === 'number' &&
          o.warnSec > o.alertSec
        ) {
          problems.push({
            path: `${path}.warnSec`,
            message: `the warning (${o.warnSec} s) must come before the alert (${o.alertSec} s)`,
          });
        }
      });
    }
  }
  if (problems.length === 0) {
    for (const t of targets) {
      const r = resolveQueueRule(t, { config: inherited, dashboard: v });
      const where = `queue ${t.queueId ?? '(any)'}${t.media === undefined ? '' : ` ${t.media}`}`;
      const path = t.queueId === undefined ? '$' : `$.queues.${t.queueId}`;
      if (r.longestWaitWarnSec > r.longestWaitAlertSec) {
        problems.push({
          path,
          message: `for ${where} the wait warning (${r.longestWaitWarnSec} s) would come after the alert (${r.longestWaitAlertSec} s)`,
        });
      }
      if (r.serviceLevelWarnPct < r.serviceLevelAlertPct) {
        problems.push({
          path,
          message: `for ${where} the service-level warning (below ${r.serviceLevelWarnPct} %) would come after the alert (below ${r.serviceLevelAlertPct} %)`,
        });
      }
      if (problems.length >= 20) break;
    }
  }
  return problems;
}

function rank(level: Level): number {
  return level === 'alert' ? 2 : level === 'warn' ? 1 : 0;
}

export function worst(...levels: Level[]): Level {
  return levels.reduce<Level>((a, b) => (rank(b) > rank(a) ? b : a), 'ok');
}

export function longestWaitLevel(waitMs: number, rule: ResolvedQueueRule): Level {
  const sec = waitMs / 1000;
  if (sec >= rule.longestWaitAlertSec) return 'alert';
  if (sec >= rule.longestWaitWarnSec) return 'warn';
  return 'ok';
}

/** `serviceLevel` is a fraction (0..1) as the hub sends it; null when nothing was offered. */
export function serviceLevelLevel(serviceLevel: number | null, rule: ResolvedQueueRule): Level {
  if (serviceLevel === null) return 'ok';
  const pct = serviceLevel * 100;
  if (pct < rule.serviceLevelAlertPct) return 'alert';
  if (pct < rule.serviceLevelWarnPct) return 'warn';
  return 'ok';
}

/** A queue tile's overall target: its first media's (the media it was made for). */
export function tileTarget(q: QueueView): QueueTarget {
  const primary = q.byMedia.find((f) => f.media === q.mediaType) ?? q.byMedia[0];
  return {
    queueId: q.id,
    media: q.mediaType,
    thresholdSec: primary?.serviceLevelThresholdSec ?? q.serviceLevelThresholdSec,
    target: primary?.serviceLevelTarget ?? null,
  };
}

/** Each queue overall (as its tile shows it: its first media's target) and per media. */
export function queueTargets(queues: Iterable<QueueView>): QueueTarget[] {
  const out: QueueTarget[] = [];
  for (const q of queues) {
    out.push(tileTarget(q));
    for (const f of q.byMedia) {
      out.push({
        queueId: q.id,
        media: f.media,
        thresholdSec: f.serviceLevelThresholdSec,
        target: f.serviceLevelTarget,
      });
    }
  }
  return out;
}
