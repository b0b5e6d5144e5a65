import { useEffect, useId, useMemo, useState } from 'react';
import type { AgentView } from '@protocol/live-messages.js';
import { getJson } from '../api.js';

const MAX_OPTIONS = 200;
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

type Loaded =
  | { status: 'loading' }
  | { status: 'ready'; agents: AgentView[] }
  | { status: 'error'; message: string };

/** A searchable agent select over `GET /api/v1/agents`. */
export function AgentPicker({
  selected,
  onChoose,
}: {
  selected: string | undefined;
  onChoose: (userId: string) => void;
}) {
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const [query, setQuery] = useState('');
  const [attempt, setAttempt] = useState(0);
  const searchId = useId();
  const listId = useId();

  useEffect(() => {
    const abort = new AbortController();
    setLoaded({ status: 'loading' });
    getJson('/api/v1/agents', abort.signal).then(
      (body) => {
        const agents = ((body as { agents?: AgentView[] } | undefined)?.agents ?? []).slice();
        agents.sort((a, b) => collator.compare(a.name ?? a.id, b.name ?? b.id));
        setLoaded({ status: 'ready', agents });
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setLoaded({ status: 'error', message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => abort.abort();
  }, [attempt]);

  const matches = useMemo(() => {
    if (loaded.status !== 'ready') return [];
    const needle = query.trim().toLowerCase();
    const all = needle
      ? loaded.agents.filter(
          (a) => (a.name ?? '').toLowerCase().includes(needle) || a.id.toLowerCase() === needle,
        )
      : loaded.agents;
    return all;
  }, [loaded, query]);
  const shown = matches.slice(0, MAX_OPTIONS);
  const selectedAgent =
    loaded.status === 'ready' ? loaded.agents.find((a) => a.id === selected) : undefined;
  if (selectedAgent && !shown.includes(selectedAgent)) shown.unshift(selectedAgent);

  return (
    <section className="picker" aria-labelledby={`${listId}-heading`}>
      <h2 id={`${listId}-heading`}>Agent</h2>
      {loaded.status === 'error' ? (
        <p className="error" role="alert">
          Could not load agents: {loaded.message}{' '}
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            Retry
          </button>
        </p>
      ) : (
        <div className="picker-fields">
          <label htmlFor={searchId}>Search by name</label>
          <input
            id={searchId}
            type="search"
            value={query}
            placeholder={loaded.status === 'loading' ? 'Loading agents…' : 'Type a name'}
            onChange={(e) => setQuery(e.target.value)}
            aria-controls={listId}
            data-testid="agent-search"
          />
          <label htmlFor={listId}>
            Choose an agent
            <span className="heading-note">
              {matches.length > shown.length
                ? `first ${shown.length} of ${matches.length}`
                : `${matches.length} found`}
            </span>
          </label>
          <select
            id={listId}
            size={8}
            value={selected ?? ''}
            onChange={(e) => e.target.value && onChoose(e.target.value)}
            data-testid="agent-select"
          >
            {shown.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name ?? a.id} — {a.label}
              </option>
            ))}
          </select>
        </div>
      )}
    </section>
  );
}
