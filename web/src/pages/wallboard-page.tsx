import { useEffect, useMemo, useState } from 'react';
import { AgentGrid } from '../components/agent-grid.js';
import { ConnectionIndicator } from '../components/connection-indicator.js';
import { FreshnessBanner } from '../components/freshness-banner.js';
import { NavBar } from '../components/nav-bar.js';
import { QueueTiles } from '../components/queue-tiles.js';
import { SettingsPanel } from '../components/settings-panel.js';
import { StateLegend } from '../components/state-legend.js';
import {
  AGENT_SORTS,
  legend,
  selectAgents,
  teamsOf,
  type AgentFilter,
  type AgentSort,
} from '../lib/agents.js';
import { stateThresholdIndex } from '../lib/thresholds.js';
import type { LiveFilter } from '../live/live-connection.js';
import {
  useLive,
  useStoreSelector,
  useStoreVersion,
  useThrottledVersion,
} from '../live/use-live.js';
import { useStale } from '../live/use-tick.js';
import { updateQuery } from '../router.js';
import { useSettings } from '../settings-store.js';

const WALLBOARD_FILTER: LiveFilter = { kinds: ['agents', 'queues'] };
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

function isSort(value: string | null): value is AgentSort {
  return AGENT_SORTS.some((s) => s.value === value);
}

async function enterTv(): Promise<void> {
  updateQuery({ tv: '1' });
  try {
    if (!document.fullscreenElement) await document.documentElement.requestFullscreen();
  } catch {
    // refused (no user gesture, kiosk policy): TV mode works without full screen
  }
}

async function exitTv(): Promise<void> {
  updateQuery({ tv: undefined });
  try {
    if (document.fullscreenElement) await document.exitFullscreen();
  } catch {
    // already left
  }
}

/** `/`: queue tiles, the state legend and the agent grid, live. */
export function WallboardPage({ search }: { search: URLSearchParams }) {
  const tv = search.get('tv') === '1';
  const queueId = search.get('queue') ?? undefined;
  const teamId = search.get('team') ?? undefined;
  const label = search.get('state') ?? undefined;
  const text = search.get('q') ?? undefined;
  const sortParam = search.get('sort');
  const sort: AgentSort = isSort(sortParam) ? sortParam : 'state';
  const [settingsOpen, setSettingsOpen] = useState(false);

  const live = useLive(WALLBOARD_FILTER);
  const { store } = live;
  const settings = useSettings();
  const thresholdIndex = useMemo(
    () => stateThresholdIndex(settings.thresholds.states),
    [settings.thresholds.states],
  );
  // Sorting, the legend and the filter lists cost a pass over every agent: twice a second is
  // plenty (the cells themselves update every frame).
  const agentsVersion = useThrottledVersion(store, 'agents', 500);
  const queuesVersion = useStoreVersion(store, 'queues');
  const loaded = useStoreSelector(store, () => store.snapshots > 0);
  // Stale (the gateway out of reach, or Genesys quiet while agents are logged in): dimmed, with
  // the timers stopped (useServerNow) until fresh data arrives.
  const stale = useStale(store);

  const filter = useMemo<AgentFilter>(
    () => ({ queueId, teamId, label, search: text }),
    [queueId, teamId, label, text],
  );
  const ids = useMemo(
    () => selectAgents(store.agents.values(), filter, sort).map((a) => a.id),
    [store, agentsVersion, filter, sort],
  );
  const legendEntries = useMemo(
    () => legend(store.agents.values(), filter),
    [store, agentsVersion, filter],
  );
  const teams = useMemo(() => teamsOf(store.agents.values()), [store, agentsVersion]);
  const queueOptions = useMemo(
    () =>
      [...store.queues.values()]
        .map((q) => ({ id: q.id, name: q.name ?? q.id }))
        .sort((a, b) => collator.compare(a.name, b.name)),
    [store, queuesVersion],
  );

  useEffect(() => {
    if (!tv) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') void exitTv();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [tv]);

  const setFilter = (changes: Record<string, string | undefined>) =>
    updateQuery(changes, { replace: true });

  return (
    <>
      {tv ? (
        <header className="tv-bar">
          <h1>Switchboard</h1>
          <button type="button" className="tv-exit" onClick={() => void exitTv()}>
            Exit TV mode
          </button>
          <ConnectionIndicator live={live} />
        </header>
      ) : (
        <NavBar route="wallboard">
          <ConnectionIndicator live={live} />
          <button type="button" onClick={() => setSettingsOpen(true)}>
            Thresholds
          </button>
          <button type="button" onClick={() => void enterTv()}>
            TV mode
          </button>
        </NavBar>
      )}
      <main
        className={stale ? 'wallboard wallboard-stale' : 'wallboard'}
        id="main"
        data-testid="wallboard"
        data-stale={stale ? 'true' : 'false'}
      >
        <h1 className="visually-hidden">Wallboard</h1>
        <FreshnessBanner live={live} />
        <QueueTiles
          store={store}
          thresholds={settings.thresholds.queue}
          selectedQueueId={queueId}
          {...(tv ? {} : { onSelect: (id: string | undefined) => setFilter({ queue: id }) })}
        />
        <section className="agents" aria-labelledby="agents-heading">
          <div className="agents-head">
            <h2 id="agents-heading">
              Agents <span className="count">{ids.length}</span>
              {ids.length !== store.agents.size && (
                <span className="heading-note">of {store.agents.size}</span>
              )}
            </h2>
            <StateLegend
              entries={legendEntries}
              selected={label}
              onSelect={tv ? undefined : (l) => setFilter({ state: l })}
            />
          </div>
          {!tv && (
            <form
              className="filters"
              aria-label="Filter agents"
              onSubmit={(e) => e.preventDefault()}
            >
              <label>
                <span>Queue</span>
                <select
                  value={queueId ?? ''}
                  onChange={(e) => setFilter({ queue: e.target.value || undefined })}
                >
                  <option value="">All queues</option>
                  {queueOptions.map((q) => (
                    <option key={q.id} value={q.id}>
                      {q.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                <span>Team</span>
                <select
                  value={teamId ?? ''}
                  onChange={(e) => setFilter({ team: e.target.value || undefined })}
                >
                  <option value="">All teams</option>
                  {teams.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                <span>State</span>
                <select
                  value={label ?? ''}
                  onChange={(e) => setFilter({ state: e.target.value || undefined })}
                >
                  <option value="">All states</option>
                  {label !== undefined && !legendEntries.some((e) => e.label === label) && (
                    <option value={label}>{label}</option>
                  )}
                  {legendEntries.map((e) => (
                    <option key={e.label} value={e.label}>
                      {e.label} ({e.count})
                    </option>
                  ))}
                </select>
              </label>
              <label>
                <span>Name</span>
                <input
                  type="search"
                  value={text ?? ''}
                  placeholder="Search agents"
                  onChange={(e) => setFilter({ q: e.target.value || undefined })}
                />
              </label>
              <label>
                <span>Sort</span>
                <select
                  value={sort}
                  onChange={(e) =>
                    setFilter({ sort: e.target.value === 'state' ? undefined : e.target.value })
                  }
                >
                  {AGENT_SORTS.map((s) => (
                    <option key={s.value} value={s.value}>
                      {s.label}
                    </option>
                  ))}
                </select>
              </label>
            </form>
          )}
          {loaded ? (
            <AgentGrid
              store={store}
              ids={ids}
              thresholds={thresholdIndex}
              cellWidth={tv ? 250 : 210}
              rowHeight={tv ? 78 : 60}
            />
          ) : (
            <p className="empty" data-testid="loading">
              Loading live state…
            </p>
          )}
        </section>
      </main>
      {!tv && <SettingsPanel open={settingsOpen} onClose={() => setSettingsOpen(false)} />}
    </>
  );
}
