import { useEffect, useRef, useState, type FormEvent } from 'react';
import { DEFAULT_TOAST_DISMISS_MS, type DashboardSettings } from '../lib/settings.js';
import {
  DEFAULT_THRESHOLDS,
  type QueueThresholds,
  type StateThreshold,
} from '../lib/thresholds.js';
import { saveSettings, useSettings } from '../settings-store.js';

const QUEUE_FIELDS: { key: keyof QueueThresholds; label: string; unit: string }[] = [
  { key: 'longestWaitWarnSec', label: 'Longest wait: warning at', unit: 's' },
  { key: 'longestWaitAlertSec', label: 'Longest wait: alert at', unit: 's' },
  { key: 'serviceLevelWarnPct', label: 'Service level: warning below', unit: '%' },
  { key: 'serviceLevelAlertPct', label: 'Service level: alert below', unit: '%' },
];

interface Row {
  label: string;
  warn: string;
  alert: string;
}

const toRows = (states: StateThreshold[]): Row[] =>
  states.map((s) => ({
    label: s.label,
    warn: s.warnSec === undefined ? '' : String(s.warnSec),
    alert: s.alertSec === undefined ? '' : String(s.alertSec),
  }));

function parseSec(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Thresholds and toast timing, saved in this browser (localStorage). */
export function SettingsPanel({ open, onClose }: { open: boolean; onClose: () => void }) {
  const settings = useSettings();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [queue, setQueue] = useState<QueueThresholds>(settings.thresholds.queue);
  const [rows, setRows] = useState<Row[]>(toRows(settings.thresholds.states));
  const [dismissSec, setDismissSec] = useState(String(settings.toastDismissMs / 1000));

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setQueue(settings.thresholds.queue);
      setRows(toRows(settings.thresholds.states));
      setDismissSec(String(settings.toastDismissMs / 1000));
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open, settings]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const states: StateThreshold[] = [];
    for (const r of rows) {
      if (r.label.trim() === '') continue;
      const s: StateThreshold = { label: r.label.trim() };
      const warn = parseSec(r.warn);
      const alert = parseSec(r.alert);
      if (warn !== undefined) s.warnSec = warn;
      if (alert !== undefined) s.alertSec = alert;
      states.push(s);
    }
    const dismiss = parseSec(dismissSec);
    const next: DashboardSettings = {
      thresholds: { queue, states },
      toastDismissMs: dismiss === undefined ? DEFAULT_TOAST_DISMISS_MS : dismiss * 1000,
    };
    saveSettings(next);
    onClose();
  };

  const reset = () => {
    setQueue(DEFAULT_THRESHOLDS.queue);
    setRows(toRows(DEFAULT_THRESHOLDS.states));
    setDismissSec(String(DEFAULT_TOAST_DISMISS_MS / 1000));
  };

  const setRow = (i: number, patch: Partial<Row>) =>
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  return (
    <dialog
      ref={dialogRef}
      className="settings"
      aria-labelledby="settings-title"
      onClose={onClose}
      data-testid="settings"
    >
      <form onSubmit={submit}>
        <h2 id="settings-title">Thresholds</h2>
        <p className="hint">Saved in this browser only.</p>
        <fieldset>
          <legend>Queue tiles</legend>
          <div className="field-grid">
            {QUEUE_FIELDS.map((f) => (
              <label key={f.key}>
                <span>{f.label}</span>
                <span className="with-unit">
                  <input
                    type="number"
                    min={0}
                    step="any"
                    required
                    value={queue[f.key]}
                    onChange={(e) => setQueue({ ...queue, [f.key]: Number(e.target.value) })}
                  />
                  {f.unit}
                </span>
              </label>
            ))}
          </div>
        </fieldset>
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
              {rows.map((r, i) => (
                <tr key={i}>
                  <td>
                    <input
                      aria-label={`State label ${i + 1}`}
                      value={r.label}
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
                    <button
                      type="button"
                      onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}
                    >
                      Remove<span className="visually-hidden"> {r.label}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button
            type="button"
            onClick={() => setRows((rs) => [...rs, { label: '', warn: '', alert: '' }])}
          >
            Add state
          </button>
        </fieldset>
        <fieldset>
          <legend>Agent toasts</legend>
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
          <button type="button" onClick={reset}>
            Reset to defaults
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Save
          </button>
        </div>
      </form>
    </dialog>
  );
}
