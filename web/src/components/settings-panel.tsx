import { useMemo, useState, type FormEvent } from 'react';
import {
  QUEUE_RULE_FIELDS,
  queueTargets,
  resolveQueueRule,
  resolveStateRules,
  validateOverrides,
  type QueueRule,
  type QueueTarget,
  type StateRule,
  type ThresholdOverrides,
  type ThresholdProblem,
} from '@protocol/thresholds.js';
import { ApiError, putJson } from '../api.js';
import { DEFAULT_TOAST_DISMISS_MS } from '../lib/settings.js';
import { labelKey, sourceText, type ThresholdLayers } from '../lib/thresholds.js';
import type { LiveStore } from '../live/live-store.js';
import { thresholdsResource } from '../live/shared-settings.js';
import { useResource } from '../live/server-resource.js';
import { saveSettings, useSettings } from '../settings-store.js';
import { ModalForm } from './modal-form.js';

type Field = (typeof QUEUE_RULE_FIELDS)[number];
type RuleText = Record<Field, string>;

const FIELD_LABELS: Record<Field, { label: string; unit: string }> = {
  longestWaitWarnSec: { label: 'Longest wait: warning at', unit: 's' },
  longestWaitAlertSec: { label: 'Longest wait: alert at', unit: 's' },
  serviceLevelWarnPct: { label: 'Service level: warning below', unit: '%' },
  serviceLevelAlertPct: { label: 'Service level: alert below', unit: '%' },
};

const MEDIA = ['voice', 'callback', 'chat', 'email', 'message'];

const EMPTY_RULE: RuleText = {
  longestWaitWarnSec: '',
  longestWaitAlertSec: '',
  serviceLevelWarnPct: '',
  serviceLevelAlertPct: '',
};

function toText(rule: QueueRule | undefined): RuleText {
  const out = { ...EMPTY_RULE };
  for (const f of QUEUE_RULE_FIELDS) if (rule?.[f] !== undefined) out[f] = String(rule[f]);
  return out;
}

/** Text fields to a rule: empty inherits; what is not a number is kept for the check to refuse. */
function toRule(text: RuleText): QueueRule | undefined {
  const out: Record<string, unknown> = {};
  for (const f of QUEUE_RULE_FIELDS) {
    const t = text[f].trim();
    if (t === '') continue;
    out[f] = Number(t);
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

interface StateRow {
  label: string;
  warn: string;
  alert: string;
  /** Inherited from the defaults or the config file: can be changed, not removed. */
  inherited: boolean;
}

function parseSec(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

interface Draft {
  all: RuleText;
  media: Record<string, RuleText>;
  queues: Record<string, RuleText>;
  states: StateRow[];
}

function draftOf(layers: ThresholdLayers): Draft {
  const d = layers.dashboard ?? {};
  const inherited = resolveStateRules({ config: layers.config });
  const own = new Map((d.states ?? []).map((s) => [labelKey(s.label), s]));
  const states: StateRow[] = inherited.map((s) => {
    const o = own.get(labelKey(s.label)) ?? s;
    own.delete(labelKey(s.label));
    return {
      label: s.label,
      warn: o.warnSec === undefined ? '' : String(o.warnSec),
      alert: o.alertSec === undefined ? '' : String(o.alertSec),
      inherited: true,
    };
  });
  for (const s of own.values()) {
    states.push({
      label: s.label,
      warn: s.warnSec === undefined ? '' : String(s.warnSec),
      alert: s.alertSec === undefined ? '' : String(s.alertSec),
      inherited: false,
    });
  }
  return {
    all: toText(d.all),
    media: Object.fromEntries(MEDIA.map((m) => [m, toText(d.media?.[m])])),
    queues: Object.fromEntries(
      Object.entries(d.queues ?? {}).map(([id, q]) => [id, toText(q.all)]),
    ),
    states,
  };
}

/**
 * The dashboard's layer from the form: only what differs from what it inherits is kept, so a
 * later change to the config file or the defaults still shows through. A queue's own per-media
 * rules (set over the API) are kept as they were.
 */
function layerOf(draft: Draft, layers: ThresholdLayers): ThresholdOverrides {
  const out: ThresholdOverrides = {};
  const all = toRule(draft.all);
  if (all) out.all = all;
  const media: Record<string, QueueRule> = {};
  for (const m of MEDIA) {
    const r = toRule(draft.media[m] ?? EMPTY_RULE);
    if (r) media[m] = r;
  }
  if (Object.keys(media).length > 0) out.media = media;
  const queues: NonNullable<ThresholdOverrides['queues']> = {};
  const before = layers.dashboard?.queues ?? {};
  for (const [id, text] of Object.entries(draft.queues)) {
    const r = toRule(text);
    const keepMedia = before[id]?.media;
    if (r || keepMedia)
      queues[id] = { ...(r ? { all: r } : {}), ...(keepMedia ? { media: keepMedia } : {}) };
  }
  if (Object.keys(queues).length > 0) out.queues = queues;
  const inherited = new Map(
    resolveStateRules({ config: layers.config }).map((s) => [labelKey(s.label), s]),
  );
  const states: StateRule[] = [];
  for (const row of draft.states) {
    const label = row.label.trim();
    if (label === '') continue;
    const rule: StateRule = { label };
    const warn = parseSec(row.warn);
    const alert = parseSec(row.alert);
    if (warn !== undefined) rule.warnSec = warn;
    if (alert !== undefined) rule.alertSec = alert;
    const was = inherited.get(labelKey(label));
    if (was && was.warnSec === rule.warnSec && was.alertSec === rule.alertSec) continue;
    states.push(rule);
  }
  if (states.length > 0) out.states = states;
  return out;
}

function RuleFields({
  legend,
  text,
  inherited,
  onChange,
  idPrefix,
}: {
  legend: string;
  text: RuleText;
  /** What an empty field means, shown as its placeholder. */
  inherited: Record<Field, number>;
  onChange: (text: RuleText) => void;
  idPrefix: string;
}) {
  return (
    <fieldset className="rule-fields" data-testid={`rule-${idPrefix}`}>
      <legend>{legend}</legend>
      <div className="field-grid">
        {QUEUE_RULE_FIELDS.map((f) => (
          <label key={f}>
            <span>{FIELD_LABELS[f].label}</span>
            <span className="with-unit">
              <input
                type="number"
                min={0}
                max={FIELD_LABELS[f].unit === '%' ? 100 : undefined}
                step="any"
                inputMode="decimal"
                name={`${idPrefix}.${f}`}
                value={text[f]}
                placeholder={`${inherited[f]} (inherit)`}
                onChange={(e) => onChange({ ...text, [f]: e.target.value })}
              />
              {FIELD_LABELS[f].unit}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/**
 * Thresholds, saved on the gateway for every screen (`PUT /api/v1/thresholds`): every queue, by
 * media, by queue, and time in state. An empty field inherits (its placeholder says what), and
 * a warning must come before its alert, checked here and again by the gateway. Toast timing is
 * this browser's own.
 */
export function SettingsPanel({
  open,
  onClose,
  store,
  layers,
}: {
  open: boolean;
  onClose: () => void;
  store: LiveStore;
  layers: ThresholdLayers;
}) {
  const local = useSettings();
  const resource = useResource(thresholdsResource);
  const version = resource.status === 'ok' ? resource.value.version : undefined;
  const [draft, setDraft] = useState<Draft>(() => draftOf(layers));
  const [dismissSec, setDismissSec] = useState(String(local.toastDismissMs / 1000));
  const [problems, setProblems] = useState<ThresholdProblem[]>([]);
  const [saveError, setSaveError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [queueToAdd, setQueueToAdd] = useState('');

  const reset = () => {
    setDraft(draftOf(layers));
    setDismissSec(String(local.toastDismissMs / 1000));
    setProblems([]);
    setSaveError(undefined);
  };

  const queueNames = useMemo(
    () => new Map([...store.queues.values()].map((q) => [q.id, q.name ?? q.id])),
    [store, open],
  );
  const general = resolveQueueRule({}, layers);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const layer = layerOf(draft, layers);
    const found = validateOverrides(layer, layers.config, queueTargets(store.queues.values()));
    setProblems(found);
    setSaveError(undefined);
    if (found.length > 0) return;
    const dismiss = parseSec(dismissSec);
    saveSettings({
      toastDismissMs:
        dismiss === undefined || !Number.isFinite(dismiss) || dismiss < 0
          ? DEFAULT_TOAST_DISMISS_MS
          : dismiss * 1000,
    });
    setSaving(true);
    try {
      const doc = await putJson('/api/v1/thresholds', layer, version);
      thresholdsResource.set(thresholdsResource.parse(doc));
      onClose();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'SB_SETTINGS_CONFLICT') {
        void thresholdsResource.refresh();
        setSaveError(
          'Another screen saved thresholds since this form opened: close it and open it again to see theirs.',
        );
      } else if (err instanceof ApiError && Array.isArray(err.details.problems)) {
        setProblems(err.details.problems as ThresholdProblem[]);
      } else if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        setSaveError(
          `Saving thresholds needs an API token without a scope (${err.code ?? err.status}).`,
        );
      } else {
        setSaveError(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setSaving(false);
    }
  };

  const setRow = (i: number, patch: Partial<StateRow>) =>
    setDraft((d) => ({ ...d, states: d.states.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));

  const ruleFor = (t: QueueTarget) => resolveQueueRule(t, { config: layers.config });
  const addable = [...queueNames.entries()].filter(([id]) => !(id in draft.queues));

  return (
    <ModalForm
      open={open}
      onOpen={reset}
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      title="Thresholds"
      className="settings"
      testId="settings"
    >
      <p className="hint">
        Saved on the gateway: every screen uses them. Each queue starts from its own service-level
        target per media; an empty field inherits the value shown in it. Now: wait{' '}
        {general.longestWaitWarnSec}/{general.longestWaitAlertSec} s, service level{' '}
        {general.serviceLevelWarnPct}/{general.serviceLevelAlertPct} % (
        {sourceText(general.source.longestWait)}).
      </p>
      {problems.length > 0 && (
        <div role="alert" className="form-problems" data-testid="threshold-problems">
          <p>Not saved:</p>
          <ul>
            {problems.slice(0, 10).map((p, i) => (
              <li key={i}>
                <code>{p.path}</code> {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {saveError && (
        <p role="alert" className="form-problems" data-testid="threshold-save-error">
          {saveError}
        </p>
      )}
      <RuleFields
        legend="Every queue"
        idPrefix="all"
        text={draft.all}
        inherited={ruleFor({})}
        onChange={(all) => setDraft((d) => ({ ...d, all }))}
      />
      <details>
        <summary>By media</summary>
        {MEDIA.map((m) => (
          <RuleFields
            key={m}
            legend={m}
            idPrefix={`media.${m}`}
            text={draft.media[m] ?? EMPTY_RULE}
            inherited={resolveQueueRule(
              { media: m },
              {
                config: layers.config,
                dashboard: { ...(toRule(draft.all) ? { all: toRule(draft.all) } : {}) },
              },
            )}
            onChange={(text) => setDraft((d) => ({ ...d, media: { ...d.media, [m]: text } }))}
          />
        ))}
      </details>
      <details open={Object.keys(draft.queues).length > 0}>
        <summary>By queue</summary>
        {Object.entries(draft.queues).map(([id, text]) => (
          <div key={id} className="queue-rule">
            <RuleFields
              legend={queueNames.get(id) ?? id}
              idPrefix={`queue.${id}`}
              text={text}
              inherited={ruleFor({ queueId: id })}
              onChange={(t) => setDraft((d) => ({ ...d, queues: { ...d.queues, [id]: t } }))}
            />
            <button
              type="button"
              onClick={() =>
                setDraft((d) => {
                  const queues = { ...d.queues };
                  delete queues[id];
                  return { ...d, queues };
                })
              }
            >
              Remove rule<span className="visually-hidden"> for {queueNames.get(id) ?? id}</span>
            </button>
          </div>
        ))}
        <label>
          <span>Add a rule for a queue</span>
          <select
            value={queueToAdd}
            onChange={(e) => {
              const id = e.target.value;
              setQueueToAdd('');
              if (id) setDraft((d) => ({ ...d, queues: { ...d.queues, [id]: { ...EMPTY_RULE } } }));
            }}
          >
            <option value="">Choose a queue…</option>
            {addable.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </details>
      <fieldset>
        <legend>Time in state (seconds; empty = never)</legend>
        <table className="state-thresholds">
          <thead>
            <tr>
              <th scope="col">State label</th>
              <th scope="col">Warning after</th>
              <th scope="col">Alert after</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {draft.states.map((r, i) => (
              <tr key={i}>
                <td>
                  <input
                    aria-label={`State label ${i + 1}`}
                    value={r.label}
                    readOnly={r.inherited}
                    onChange={(e) => setRow(i, { label: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    type="number"
                    min={0}
                    aria-label={`${r.label || 'State'}: warning after (s)`}
                    value={r.warn}
                    onChange={(e) => setRow(i, { warn: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    type="number"
                    min={0}
                    aria-label={`${r.label || 'State'}: alert after (s)`}
                    value={r.alert}
                    onChange={(e) => setRow(i, { alert: e.target.value })}
                  />
                </td>
                <td>
                  {!r.inherited && (
                    <button
                      type="button"
                      onClick={() =>
                        setDraft((d) => ({ ...d, states: d.states.filter((_, j) => j !== i) }))
                      }
                    >
                      Remove<span className="visually-hidden"> {r.label}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button
          type="button"
          onClick={() =>
            setDraft((d) => ({
              ...d,
              states: [...d.states, { label: '', warn: '', alert: '', inherited: false }],
            }))
          }
        >
          Add state
        </button>
      </fieldset>
      <fieldset>
        <legend>Agent toasts (this browser)</legend>
        <label>
          <span>Hide a toast after (s; 0 = only when answered or missed)</span>
          <input
            type="number"
            min={0}
            value={dismissSec}
            onChange={(e) => setDismissSec(e.target.value)}
          />
        </label>
      </fieldset>
      <div className="dialog-actions">
        <button
          type="button"
          onClick={() => setDraft(draftOf({ config: layers.config }))}
          title="Clear every dashboard override (the config file's stay)"
        >
          Reset to inherited
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save for every screen'}
        </button>
      </div>
    </ModalForm>
  );
}
