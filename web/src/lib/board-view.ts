import type { Board, BoardFilters, BoardLayout } from '@protocol/boards.js';
import { DEFAULT_BOARD_LAYOUT } from '@protocol/boards.js';
import { AGENT_SORTS, type AgentSort } from './agents.js';

/**
 * What a wallboard shows, from its URL and, on a named board's URL (`/boards/<name>`), the board
 * the gateway keeps: a query parameter set on the URL wins over the board's own, so a board can
 * be narrowed for one screen without saving it.
 */
export interface BoardView {
  queue: string | undefined;
  team: string | undefined;
  state: string | undefined;
  q: string | undefined;
  sort: AgentSort;
  layout: BoardLayout;
  /** The board's title and name, on a named board's page. */
  board: { name: string; title: string } | undefined;
}

const PAGE_SECONDS = { min: 5, max: 300 };

function isSort(value: string | null | undefined): value is AgentSort {
  return AGENT_SORTS.some((s) => s.value === value);
}

function flag(value: string | null, fallback: boolean): boolean {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return fallback;
}

export function boardView(search: URLSearchParams, board?: Board): BoardView {
  const f: BoardFilters = board?.filters ?? {};
  const base: BoardLayout = board?.layout ?? { ...DEFAULT_BOARD_LAYOUT, tv: false };
  const pick = (key: keyof BoardFilters): string | undefined => {
    const fromUrl = search.get(key);
    if (fromUrl !== null) return fromUrl === '' ? undefined : fromUrl;
    const own = f[key];
    return own === undefined || own === '' ? undefined : own;
  };
  const sort = pick('sort');
  const agents = search.get('agents');
  const page = Number(search.get('page'));
  return {
    queue: pick('queue'),
    team: pick('team'),
    state: pick('state'),
    q: pick('q'),
    sort: isSort(sort) ? sort : 'state',
    layout: {
      tv: flag(search.get('tv'), base.tv),
      agents:
        agents === 'all' || agents === 'exceptions' || agents === 'none' ? agents : base.agents,
      pageSeconds:
        Number.isInteger(page) && page >= PAGE_SECONDS.min && page <= PAGE_SECONDS.max
          ? page
          : base.pageSeconds,
      sound: flag(search.get('sound'), base.sound),
      flash: flag(search.get('flash'), base.flash),
    },
    board: board ? { name: board.name, title: board.title } : undefined,
  };
}

/** The filters a view would save as a board. */
export function filtersOf(view: BoardView): BoardFilters {
  const out: BoardFilters = {};
  if (view.queue) out.queue = view.queue;
  if (view.team) out.team = view.team;
  if (view.state) out.state = view.state;
  if (view.q) out.q = view.q;
  if (view.sort !== 'state') out.sort = view.sort;
  return out;
}
