/**
 * Named boards, shared by the gateway (which stores and validates them) and the dashboard
 * (which opens one at `/boards/<name>`): a board is a saved set of wallboard filters and a
 * layout. Boards from `switchboard.yaml` (`dashboard.boards`) are read-only over the API;
 * boards saved from the dashboard (`PUT /api/v1/boards/<name>`) may be replaced or deleted.
 * Pure, no dependencies: the dashboard imports the same file.
 */
export interface BoardFilters {
  queue?: string;
  team?: string;
  state?: string;
  q?: string;
  sort?: 'state' | 'time' | 'name';
}

export interface BoardLayout {
  tv: boolean;
  agents: 'all' | 'exceptions' | 'none';
  pageSeconds: number;
  sound: boolean;
  flash: boolean;
}

export interface Board {
  name: string;
  title: string;
  filters: BoardFilters;
  layout: BoardLayout;
  source: 'config' | 'dashboard';
  updatedAt: string | null;
}

/** `GET /api/v1/boards`: config boards, then dashboard boards, each by name. */
export interface BoardsDocument {
  /** The shared settings version (heartbeats carry it as `settingsVersion`). */
  version: number;
  boards: Board[];
}

/** The body of `PUT /api/v1/boards/<name>`; a layout field left out takes its default. */
export type BoardInput = { title: string; filters?: BoardFilters; layout?: Partial<BoardLayout> };

export const DEFAULT_BOARD_LAYOUT: BoardLayout = {
  tv: true,
  agents: 'all',
  pageSeconds: 15,
  sound: false,
  flash: true,
};

/** A board's name as it goes into the URL: lower-case letters, digits and `-`. */
export const BOARD_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const BOARD_LIMITS = {
  /** Boards in all, the config file's and the dashboard's together. */
  boards: 200,
  titleLength: 100,
  filterLength: 200,
  minPageSeconds: 5,
  maxPageSeconds: 300,
};

export const BOARD_SORTS = ['state', 'time', 'name'] as const;
export const BOARD_AGENTS = ['all', 'exceptions', 'none'] as const;

/** A problem with a board: the JSON path of the field and what is wrong. */
export interface BoardProblem {
  path: string;
  message: string;
}

/** A valid board's contents, every layout field filled in. */
export type ValidBoard = Pick<Board, 'title' | 'filters' | 'layout'>;

export function isBoardName(value: unknown): value is string {
  return typeof value === 'string' && BOARD_NAME_PATTERN.test(value);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const FILTER_STRINGS = ['queue', 'team', 'state', 'q'] as const;
const LAYOUT_BOOLEANS = ['tv', 'sound', 'flash'] as const;
/** Fields of a `Board` as the API returns it that a body may carry back unchanged. */
const READ_ONLY_FIELDS = ['name', 'source', 'updatedAt'];

/**
 * Checks a board body (`BoardInput`); pure, so the dashboard checks a form before it sends it.
 * `name`, `source` and `updatedAt` (a `Board` as `GET` returned it) are ignored: the name is
 * the URL's. Returns the board with its layout defaults filled in, or the problems (at most 20).
 */
export function validateBoardInput(value: unknown): {
  board?: ValidBoard;
  problems: BoardProblem[];
} {
  if (!isObject(value)) return { problems: [{ path: '$', message: 'must be an object' }] };
  const problems: BoardProblem[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'title' && key !== 'filters' && key !== 'layout' && !READ_ONLY_FIELDS.includes(key))
      problems.push({ path: `$.${key}`, message: 'must be title, filters or layout' });
  }
  const { title } = value;
  if (typeof title !== 'string' || title.trim() === '' || title.length > BOARD_LIMITS.titleLength) {
    problems.push({
      path: '$.title',
      message: `must be a title of 1 to ${BOARD_LIMITS.titleLength} characters`,
    });
  }

  const filters: BoardFilters = {};
  if (value.filters !== undefined) {
    if (!isObject(value.filters)) {
      problems.push({ path: '$.filters', message: 'must be an object' });
    } else {
      const f = value.filters;
      for (const key of Object.keys(f)) {
        if (!(FILTER_STRINGS as readonly string[]).includes(key) && key !== 'sort')
          problems.push({
            path: `$.filters.${key}`,
            message: 'must be queue, team, state, q or sort',
          });
      }
      for (const key of FILTER_STRINGS) {
        const v = f[key];
        if (v === undefined) continue;
        if (typeof v !== 'string' || v.length > BOARD_LIMITS.filterLength) {
          problems.push({
            path: `$.filters.${key}`,
            message: `must be text of at most ${BOARD_LIMITS.filterLength} characters`,
          });
        } else {
          filters[key] = v;
        }
      }
      if (f.sort !== undefined) {
        if (typeof f.sort !== 'string' || !(BOARD_SORTS as readonly string[]).includes(f.sort)) {
          problems.push({ path: '$.filters.sort', message: `must be ${BOARD_SORTS.join(', ')}` });
        } else {
          filters.sort = f.sort as BoardFilters['sort'];
        }
      }
    }
  }

  const layout: BoardLayout = { ...DEFAULT_BOARD_LAYOUT };
  if (value.layout !== undefined) {
    if (!isObject(value.layout)) {
      problems.push({ path: '$.layout', message: 'must be an object' });
    } else {
      const l = value.layout;
      for (const key of Object.keys(l)) {
        if (!Object.hasOwn(DEFAULT_BOARD_LAYOUT, key))
          problems.push({
            path: `$.layout.${key}`,
            message: 'must be tv, agents, pageSeconds, sound or flash',
          });
      }
      for (const key of LAYOUT_BOOLEANS) {
        const v = l[key];
        if (v === undefined) continue;
        if (typeof v !== 'boolean')
          problems.push({ path: `$.layout.${key}`, message: 'must be true or false' });
        else layout[key] = v;
      }
      if (l.agents !== undefined) {
        if (
          typeof l.agents !== 'string' ||
          !(BOARD_AGENTS as readonly string[]).includes(l.agents)
        ) {
          problems.push({ path: '$.layout.agents', message: `must be ${BOARD_AGENTS.join(', ')}` });
        } else {
          layout.agents = l.agents as BoardLayout['agents'];
        }
      }
      if (l.pageSeconds !== undefined) {
        const v = l.pageSeconds;
        if (
          typeof v !== 'number' ||
          !Number.isInteger(v) ||
          v < BOARD_LIMITS.minPageSeconds ||
          v > BOARD_LIMITS.maxPageSeconds
        ) {
          problems.push({
            path: '$.layout.pageSeconds',
            message: `must be a whole number of seconds from ${BOARD_LIMITS.minPageSeconds} to ${BOARD_LIMITS.maxPageSeconds}`,
          });
        } else {
          layout.pageSeconds = v;
        }
      }
    }
  }

  if (problems.length > 0) return { problems: problems.slice(0, 20) };
  return { board: { title: title as string, filters, layout }, problems };
}
