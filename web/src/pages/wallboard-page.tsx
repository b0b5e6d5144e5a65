import { useEffect, useMemo, useState } from 'react';
import type { Board } from '@protocol/boards.js';
import { AgentGrid } from '../components/agent-grid.js';
import { BoardsDialog } from '../components/boards-dialog.js';
import { ConnectionIndicator } from '../components/connection-indicator.js';
import { FreshnessBanner } from '../components/freshness-banner.js';
import { KpiStrip } from '../components/kpi-strip.js';
import { NavBar } from '../components/nav-bar.js';
import { QueueTiles } from '../components/queue-tiles.js';
import { SettingsPanel } from '../components/settings-panel.js';
import { StateLegend } from '../components/state-legend.js';
import { TvAgents } from '../components/tv-agents.js';
import { TvClock } from '../components/tv-clock.js';
import { AGENT_SORTS, legend, selectAgents, teamsOf, type AgentFilter } from '../lib/agents.js';
import { boardView } from '../lib/board-view.js';
import type { LiveFilter } from '../live/live-connection.js';
import { useBoards, useThresholds } from '../live/shared-settings.js';
import { useAlertCues } from '../live/use-alert-cues.js';
import {
  useLive,
  useStoreSelector,
  useStoreVersion,
  useThrottledVersion,
} from '../live/use-live.js';
import { useStale } from '../live/use-tick.js';
import { navigate, updateQuery } from '../router.js';
import { useTvMode } from '../tv-context.js';

const WALLBOARD_FILTER: LiveFilter = { kinds: ['agents', 'queues'] };
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

async function enterTv(): Promise<void> {
  updateQuery({ tv: '1' });
  try {
    if (!document.fullscreenElement) await document.documentElement.requestFullscreen();
  } catch {
    // refused (no user gesture, kiosk policy): TV mode works without full screen
  }
}

async function exitTv(): Promise<void> {
  // A board saved as TV opens as TV: leaving it says so on the URL.
  const url = new URL(window.location.href);
  if (url.pathname.startsWith('/boards/')) updateQuery({ tv: '0' });
  else updateQuery({ tv: undefined });
  try {
    if (document.fullscreenElement) await document.exitFullscreen();
  } catch {
    // already left
  }
}

/**
 * `/` (and `/boards/<name>`): the KPI strip, queue tiles, the state legend and the agent grid,
 * live. In TV mode (`?tv=1`, or a board saved so) it is a room's screen: large numerals, tiles
 * by severity, agents a page at a time or only the exceptions, a clock, a visible exit.
 */
export function WallboardPage({ search, board }: { search: URLSearchParams; board?: Board }) {
  const view = useMemo(() => boardView(search, board), [search, board]);
  const { layout } = view;
  const tv = layout.tv;
  useTvMode(tv);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [boardsOpen, setBoardsOpen] = useState(false);

  const live = useLive(WALLBOARD_FILTER);
  const { store } = live;
  const { layers, stateIndex } = useThresholds(store);
  // A board's page follows the board as saved on any screen.
  useBoards(store);
  // Sorting, the legend and the filter lists cost a pass over every agent: twice a second is
  // plenty (the cells themselves update every frame).
  const agentsVersion = useThrottledVersion(store, 'agents', 500);
  const queuesVersion = useStoreVersion(store, 'queues');
  const loaded = useStoreSelector(store, () => store.snapshots > 0);
  // Stale (the gateway out of reach, or Genesys quiet while agents are logged in): dimmed, with
  // the timers stopped (useServerNow) until fresh data arrives.
  const stale = useStale(store);

  const filter = useMemo<AgentFilter>(
    () => ({ queueId: view.queue, teamId: view.team, label: view.state, search: view.q }),
    [view.queue, view.team, view.state, view.q],
  );
  const filtered = Boolean(view.queue || view.team || view.state || view.q);
  const ids = useMemo(
    () => selectAgents(store.agents.values(), filter, view.sort).map((a) => a.id),
    [store, agentsVersion, filter, view.sort],
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
  const cues = useAlertCues(store, {
    enabled: tv && (layout.sound || layout.flash),
    sound: layout.sound,
    flash: layout.flash,
    layers,
    stateIndex,
    agentIds: layout.agents === 'none' ? [] : ids,
    stale,
  });

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
  const clearFilters = () =>
    // On a board, an empty parameter overrides the board's own filter.
    setFilter(
      view.board
        ? { queue: '', team: '', state: '', q: '' }
        : { queue: undefined, team: undefined, state: undefined, q: undefined },
    );

  const title = view.board?.title ?? 'Wallboard';
  const classes = ['wallboard'];
  if (stale) classes.push('wallboard-stale');
  if (cues.flashing) classes.push('wallboard-flash');

  return (
    <>
      {tv ? (
        <header className="tv-bar">
          <h1>{title}</h1>
          <TvClock />
          <ConnectionIndicator live={live} />
          {cues.soundBlocked && (
            <button type="button" onClick={cues.enableSound}>
              Enable sound
            </button>
          )}
          <button
            type="button"
            className="tv-exit"
            onClick={() => void exitTv()}
            data-testid="tv-exit"
          >
            Exit TV mode
          </button>
        </header>
      ) : (
        <NavBar route="wallboard">
          <ConnectionIndicator live={live} />
          <button type="button" onClick={() => setSettingsOpen(true)}>
            Thresholds
          </button>
          <button type="button" onClick={() => setBoardsOpen(true)}>
            Boards
          </button>
          <button type="button" onClick={() => void enterTv()}>
            TV mode
          </button>
        </NavBar>
      )}
      <main
        className={classes.join(' ')}
        id="main"
        data-testid="wallboard"
        data-stale={stale ? 'true' : 'false'}
        data-tv={tv ? 'true' : 'false'}
      >
        {!tv && <h1 className="visually-hidden">{title}</h1>}
        {view.board && !tv && (
          <p className="board-note" data-testid="board-title">
            Board <strong>{view.board.title}</strong>{' '}
            <a
              href="/"
              onClick={(e) => {
                e.preventDefault();
                navigate('/');
              }}
            >
              Back to the full wallboard
            </a>
          </p>
        )}
        <FreshnessBanner live={live} />
        <div className="visually-hidden" aria-live="polite" data-testid="new-alerts">
          {cues.latest.length > 0 && `New alert: ${cues.latest.join(', ')}`}
        </div>
        <KpiStrip store={store} />
        <QueueTiles
          store={store}
          layers={layers}
          order={tv ? 'severity' : 'name'}
          selectedQueueId={view.queue}
          {...(tv
            ? { paging: { pageSeconds: layout.pageSeconds, paused: stale } }
            : { onSelect: (id: string | undefined) => setFilter({ queue: id }) })}
        />
        {layout.agents !== 'none' && (
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
                selected={view.state}
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
                    value={view.queue ?? ''}
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
                    value={view.team ?? ''}
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
                    value={view.state ?? ''}
                    onChange={(e) => setFilter({ state: e.target.value || undefined })}
                  >
                    <option value="">All states</option>
                    {view.state !== undefined &&
                      !legendEntries.some((e) => e.label === view.state) && (
                        <option value={view.state}>{view.state}</option>
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
                    value={view.q ?? ''}
                    placeholder="Search agents"
                    onChange={(e) => setFilter({ q: e.target.value || undefined })}
                  />
                </label>
                <label>
                  <span>Sort</span>
                  <select
                    value={view.sort}
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
                {filtered && (
                  <button type="button" onClick={clearFilters}>
                    Clear filters
                  </button>
                )}
              </form>
            )}
            {!loaded ? (
              <p className="empty" data-testid="loading">
                Loading live state…
              </p>
            ) : ids.length === 0 ? (
              <div className="empty empty-result" data-testid="empty-result">
                <p>
                  {store.agents.size === 0
                    ? 'No agents yet: the gateway has not seen any.'
                    : `No agent matches these filters (${store.agents.size} agents in all).`}
                </p>
                {filtered && store.agents.size > 0 && !tv && (
                  <button type="button" className="primary" onClick={clearFilters}>
                    Clear filters
                  </button>
                )}
              </div>
            ) : tv ? (
              <TvAgents
                store={store}
                ids={ids}
                index={stateIndex}
                mode={layout.agents === 'exceptions' ? 'exceptions' : 'all'}
                pageSeconds={layout.pageSeconds}
                paused={stale}
              />
            ) : (
              <AgentGrid store={store} ids={ids} thresholds={stateIndex} />
            )}
          </section>
        )}
      </main>
      {!tv && (
        <SettingsPanel
          open={settingsOpen}
          onClose={() => setSettingsOpen(false)}
          store={store}
          layers={layers}
        />
      )}
      {!tv && (
        <BoardsDialog
          open={boardsOpen}
          onClose={() => setBoardsOpen(false)}
          view={view}
          store={store}
        />
      )}
    </>
  );
}
