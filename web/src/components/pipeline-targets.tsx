import { useEffect, useRef, useState, type CSSProperties } from 'react';
import { formatAge } from '../lib/format.js';
import {
  circuitLabel,
  replayErrorMessage,
  replaySummary,
  replayTarget,
  type TargetRow,
} from '../lib/pipelines.js';
import { PipelineDeadLetters } from './pipeline-dead-letters.js';

const COLUMNS = 12;

/** Shape and colour together, and the words beside them: never colour alone. */
const CIRCUIT_LOOK: Record<TargetRow['circuit'], { icon: string; style: CSSProperties }> = {
  closed: { icon: '●', style: { color: 'var(--ok)' } },
  'half-open': { icon: '◐', style: { color: 'var(--warn)' } },
  open: { icon: '■', style: { color: 'var(--alert)' } },
  unknown: { icon: '?', style: { color: 'var(--muted)' } },
};

function Circuit({ t }: { t: TargetRow }) {
  const { label, meaning } = circuitLabel(t.circuit);
  const look = CIRCUIT_LOOK[t.circuit];
  return (
    <>
      <span
        className="source-state"
        style={{ ...look.style, whiteSpace: 'nowrap' }}
        data-circuit={t.circuit}
      >
        <span aria-hidden="true">{look.icon}</span> {label}
      </span>
      <div className="source-detail">
        {meaning}
        {t.circuitOpened > 0 &&
          ` · opened ${t.circuitOpened} time${t.circuitOpened === 1 ? '' : 's'}`}
        {t.inFlight > 0 && ` · ${t.inFlight} in flight`}
      </div>
    </>
  );
}

function LastError({ t, now }: { t: TargetRow; now: number }) {
  const e = t.lastError;
  if (!e) return <>—</>;
  const at = Date.parse(e.at);
  return (
    <>
      <code>{e.code}</code>
      {e.message && <div className="source-detail">{e.message}</div>}
      {Number.isFinite(at) && (
        <div className="source-detail">
          <time dateTime={e.at} title={e.at}>
            {formatAge(Math.max(0, now - at))}
          </time>
        </div>
      )}
    </>
  );
}

function Count({ field, value }: { field: string; value: number }) {
  return (
    <td data-field={field} data-value={value} className="pipeline-count">
      {value.toLocaleString()}
    </td>
  );
}

type Replay =
  | { status: 'idle' }
  | { status: 'running' }
  | { status: 'done'; message: string }
  | { status: 'error'; message: string };

function TargetRowView({ t, rate, now }: { t: TargetRow; rate: number | undefined; now: number }) {
  const [replay, setReplay] = useState<Replay>({ status: 'idle' });
  const [open, setOpen] = useState(false);
  const running = replay.status === 'running';
  const canReplay = t.dlqDepth > 0 || running;
  const canList = t.dlqDepth > 0 || open;
  const detailsId = `dead-letters-${t.name}`;

  // The Replay button goes once the DLQ is empty: keep the keyboard user's place on the row.
  const buttonFocused = useRef(false);
  const statusRef = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (canReplay || !buttonFocused.current) return;
    buttonFocused.current = false;
    if (!document.activeElement || document.activeElement === document.body) {
      statusRef.current?.focus();
    }
  }, [canReplay]);

  const onReplay = async () => {
    if (running) return;
    setReplay({ status: 'running' });
    try {
      setReplay({ status: 'done', message: replaySummary(await replayTarget(t.name)) });
    } catch (err) {
      setReplay({ status: 'error', message: `Replay failed: ${replayErrorMessage(err)}` });
    }
  };

  return (
    <>
      <tr data-target={t.name}>
        <th scope="row">{t.name}</th>
        <td>
          {t.type}
          {t.silver && (
            <span className="source-detail" data-field="silver">
              {' '}
              · silver{' '}
              {t.silver.lastError
                ? `failing: ${t.silver.lastError}`
                : t.silver.behind === 0
                  ? 'up to date'
                  : `${t.silver.behind.toLocaleString()} behind`}
            </span>
          )}
        </td>
        <Count field="delivered" value={t.delivered} />
        <td data-field="rate" className="pipeline-count">
          {rate === undefined
            ? '—'
            : rate < 10
              ? rate.toFixed(1)
              : Math.round(rate).toLocaleString()}
        </td>
        <Count field="failed" value={t.failed} />
        <Count field="retried" value={t.retried} />
        <Count field="deadLettered" value={t.deadLettered} />
        <Count field="lag" value={t.lag} />
        <Count field="dlqDepth" value={t.dlqDepth} />
        <td data-field="circuit">
          <Circuit t={t} />
        </td>
        <td data-field="lastError">
          <LastError t={t} now={now} />
        </td>
        <td className="pipeline-actions">
          {canReplay && (
            <button
              type="button"
              className="primary"
              onClick={() => void onReplay()}
              onFocus={() => (buttonFocused.current = true)}
              onBlur={(e) => {
                if (e.relatedTarget) buttonFocused.current = false;
              }}
              disabled={running}
              aria-label={
                running
                  ? `Replaying the dead letters of ${t.name}`
                  : `Replay the ${t.dlqDepth} dead letter${t.dlqDepth === 1 ? '' : 's'} of ${t.name}`
              }
            >
              {running ? 'Replaying…' : 'Replay'}
            </button>
          )}{' '}
          {canList && (
            <button
              type="button"
              aria-expanded={open}
              aria-controls={detailsId}
              onClick={() => setOpen((o) => !o)}
            >
              {open ? 'Hide dead letters' : 'Show dead letters'}
              <span className="visually-hidden"> of {t.name}</span>
            </button>
          )}
          <span
            ref={statusRef}
            tabIndex={-1}
            role="status"
            aria-live="polite"
            data-testid="replay-result"
            className={replay.status === 'error' ? 'error' : 'source-detail'}
          >
            {replay.status === 'running' && 'Replaying…'}
            {(replay.status === 'done' || replay.status === 'error') && replay.message}
          </span>
        </td>
      </tr>
      {open && (
        <tr id={detailsId} data-dead-letters-of={t.name}>
          <td colSpan={COLUMNS}>
            <PipelineDeadLetters target={t.name} depth={t.dlqDepth} now={now} />
          </td>
        </tr>
      )}
    </>
  );
}

/** Per target: what it delivered, what failed, how far behind it is, and its circuit. */
export function PipelineTargets({
  targets,
  rates,
  now,
}: {
  targets: TargetRow[];
  /** Delivered per second since the previous poll (undefined: not known yet). */
  rates: ReadonlyMap<string, number | undefined>;
  now: number;
}) {
  return (
    <table className="sources-table" data-testid="targets">
      <caption className="visually-hidden">
        Targets: deliveries, dead letters, lag and circuit state
      </caption>
      <thead>
        <tr>
          <th scope="col">Target</th>
          <th scope="col">Type</th>
          <th scope="col">Delivered</th>
          <th scope="col">
            Rate <span className="source-detail">/s</span>
          </th>
          <th scope="col">
            Failed <span className="source-detail">tries</span>
          </th>
          <th scope="col">Retried</th>
          <th scope="col">Dead-lettered</th>
          <th scope="col">
            Lag <span className="source-detail">events behind</span>
          </th>
          <th scope="col">DLQ depth</th>
          <th scope="col">Circuit</th>
          <th scope="col">Last error</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {targets.map((t) => (
          <TargetRowView key={t.name} t={t} rate={rates.get(t.name)} now={now} />
        ))}
      </tbody>
    </table>
  );
}
