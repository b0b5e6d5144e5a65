import { useEffect, useState } from 'react';
import { formatAge } from '../lib/format.js';
import { formatBytes, loadDeadLetters, type DeadLetterPage } from '../lib/pipelines.js';

const LIMIT = 50;

type State =
  | { status: 'loading' }
  | { status: 'ok'; page: DeadLetterPage }
  | { status: 'error'; message: string };

function ago(iso: string, now: number): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? formatAge(Math.max(0, now - t)) : '—';
}

/**
 * The first dead letters of one target (without their bodies), read when opened and again
 * whenever the target's DLQ depth changes.
 */
export function PipelineDeadLetters({
  target,
  depth,
  now,
}: {
  target: string;
  depth: number;
  now: number;
}) {
  const [state, setState] = useState<State>({ status: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    loadDeadLetters(target, LIMIT, abort.signal).then(
      (page) => setState({ status: 'ok', page }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setState({ status: 'error', message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => abort.abort();
  }, [target, depth]);

  if (state.status === 'loading') return <p className="health-status">Loading dead letters…</p>;
  if (state.status === 'error') {
    return (
      <p className="error" role="alert">
        Could not read the dead letters of {target}: {state.message}
      </p>
    );
  }
  const { deadLetters, next } = state.page;
  if (deadLetters.length === 0) return <p className="health-status">No dead letters.</p>;
  return (
    <>
      <table className="sources-table" data-testid="dead-letters">
        <caption className="visually-hidden">Dead letters of {target}</caption>
        <thead>
          <tr>
            <th scope="col">Event id</th>
            <th scope="col">Offset</th>
            <th scope="col">Kind</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last error</th>
            <th scope="col">First failed</th>
            <th scope="col">Last failed</th>
            <th scope="col">Size</th>
          </tr>
        </thead>
        <tbody>
          {deadLetters.map((d) => (
            <tr key={`${d.target}:${d.offset}:${d.id}`} data-dead-letter={d.id}>
              <th scope="row">
                <code>{d.id}</code>
              </th>
              <td>{d.offset}</td>
              <td>
                {d.kind || '—'}
                {d.topic && <div className="source-detail">{d.topic}</div>}
              </td>
              <td>{d.attempts}</td>
              <td>
                <code>{d.code || '—'}</code>
                {d.lastError && <div className="source-detail">{d.lastError}</div>}
              </td>
              <td>{ago(d.firstFailedAt, now)}</td>
              <td>{ago(d.lastFailedAt, now)}</td>
              <td>{formatBytes(d.bodyBytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next !== undefined && (
        <p className="health-status">
          Showing the first {deadLetters.length}; more are in the DLQ (
          <code>GET /api/v1/dlq?target={target}</code> pages through them all).
        </p>
      )}
    </>
  );
}
