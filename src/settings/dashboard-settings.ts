import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { SwitchboardError } from '../errors.js';
import {
  BOARD_LIMITS,
  isBoardName,
  validateBoardInput,
  type Board,
  type ValidBoard,
} from '../protocol/boards.js';
import { validateOverrides, type ThresholdOverrides } from '../protocol/thresholds.js';

/** The file's name in the data directory. */
export const SETTINGS_FILE = 'dashboard-settings.json';

/** What the file holds (`format` 1). */
interface SettingsFile {
  format: 1;
  version: number;
  /** Fingerprint of the config file's `dashboard:` section when `version` was last moved. */
  configDigest: string;
  thresholds: ThresholdOverrides;
  thresholdsUpdatedAt: string | null;
  boards: Omit<Board, 'source'>[];
}

export interface DashboardSettingsOptions {
  dataDir: string;
  logger: Pick<Logger, 'warn'>;
  /** The config file's thresholds layer: saved thresholds are checked against it at start. */
  configThresholds?: ThresholdOverrides;
  /**
   * A fingerprint of the config file's `dashboard:` section: when it differs from the one the
   * file was last saved under, the version moves (screens refetch the config layer too).
   */
  configDigest?: string;
  now?: () => number;
}

export interface Precondition {
  /** The version the caller last read (`If-Match`): another one is SB_SETTINGS_CONFLICT. */
  ifVersion?: number | undefined;
}

/**
 * The settings the dashboard saves on the gateway: one thresholds layer and the named boards it
 * created, with one version counter (`settingsVersion`) that moves on every change of either.
 *
 * Guarantees:
 * - Durable before acknowledged: a change is written to `<dataDir>/dashboard-settings.json`
 *   atomically (a temporary file written and fsynced, renamed over the old one, the directory
 *   fsynced) before its promise resolves; a failed write changes nothing, in memory or on disk,
 *   and rejects with SB_SETTINGS_UNAVAILABLE.
 * - Serial: changes apply one at a time in call order; a precondition (`ifVersion`) is checked
 *   against the version the change would replace, so two writers cannot both win.
 * - Never stops the gateway: a missing file is an empty store; a file that cannot be read or
 *   parsed is set aside as `dashboard-settings.json.corrupt` and the store starts empty, with a
 *   warning. A saved thresholds layer that no longer validates against the config file is kept
 *   (with a warning) when only the order of its levels is in question, dropped when it is
 *   malformed; malformed boards are dropped one by one.
 * - Listeners (`onChange`) hear the new version after the write, synchronously; one that throws
 *   does not undo or fail the change.
 * - A config change moves the version: the file records a fingerprint of the config file's
 *   `dashboard:` section (written at the first start), and a start under another one moves it.
 * What is stored is only ever what the validators in src/protocol accepted.
 */
export class DashboardSettings {
  readonly #file: string;
  readonly #now: () => number;
  #state: SettingsFile;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<(version: number) => void>();

  private constructor(file: string, state: SettingsFile, now: () => number) {
    this.#file = file;
    this.#state = state;
    this.#now = now;
  }

  static async open(options: DashboardSettingsOptions): Promise<DashboardSettings> {
    const file = join(options.dataDir, SETTINGS_FILE);
    const digest = options.configDigest ?? '';
    const now = options.now ?? Date.now;
    const { state, status } = await readState(file, options);
    const loaded = status === 'loaded';
    const store = new DashboardSettings(file, state, now);
    if (loaded && state.configDigest !== digest) {
      // The config layer changed since the last save: a new version, so open screens refetch.
      try {
        await store.#commit({ ...state, version: state.version + 1, configDigest: digest });
      } catch (err) {
        options.logger.warn(
          { err, file },
          'dashboard settings: the config changed but the new version could not be saved',
        );
        store.#state = { ...state, version: state.version + 1, configDigest: digest };
      }
    } else if (status !== 'loaded' && status !== 'unreadable') {
      // Recorded now, so a config change before the first save still moves the version.
      try {
        await store.#commit({ ...state, configDigest: digest });
      } catch (err) {
        options.logger.warn({ err, file }, 'dashboard settings: the file cannot be written');
        store.#state = { ...state, configDigest: digest };
      }
    }
    return store;
  }

  get version(): number {
    return this.#state.version;
  }

  get thresholds(): ThresholdOverrides {
    return this.#state.thresholds;
  }

  get thresholdsUpdatedAt(): string | null {
    return this.#state.thresholdsUpdatedAt;
  }

  /** The dashboard's boards, by name. */
  boards(): Board[] {
    return this.#state.boards.map((b) => ({ ...b, source: 'dashboard' as const }));
  }

  board(name: string): Board | undefined {
    const b = this.#state.boards.find((x) => x.name === name);
    return b && { ...b, source: 'dashboard' };
  }

  onChange(listener: (version: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Replaces the thresholds layer (already validated by the caller). */
  replaceThresholds(layer: ThresholdOverrides, pre: Precondition = {}): Promise<number> {
    return this.#change(pre, (s) => ({
      ...s,
      thresholds: layer,
      thresholdsUpdatedAt: new Date(this.#now()).toISOString(),
    }));
  }

  /**
   * Creates or replaces a board (contents already validated). `maxBoards`: most dashboard
   * boards there may be (a new one past it is SB_BOARD_INVALID).
   */
  async putBoard(
    name: string,
    board: ValidBoard,
    pre: Precondition & { maxBoards?: number } = {},
  ): Promise<{ board: Board; created: boolean }> {
    let created = false;
    let saved: Omit<Board, 'source'> | undefined;
    await this.#change(pre, (s) => {
      const others = s.boards.filter((b) => b.name !== name);
      created = others.length === s.boards.length;
      const max = pre.maxBoards ?? BOARD_LIMITS.boards;
      if (created && others.length >= max) {
        throw new SwitchboardError('SB_BOARD_INVALID', `at most ${BOARD_LIMITS.boards} boards`, {
          details: { problems: [{ path: '$', message: `at most ${BOARD_LIMITS.boards} boards` }] },
        });
      }
      saved = { name, ...board, updatedAt: new Date(this.#now()).toISOString() };
      const boards = [...others, saved].sort((a, b) => (a.name < b.name ? -1 : 1));
      return { ...s, boards };
    });
    return { board: { ...saved!, source: 'dashboard' }, created };
  }

  /** Deletes a board; false when there is none of that name (nothing changes). */
  async deleteBoard(name: string, pre: Precondition = {}): Promise<boolean> {
    let found = false;
    await this.#change(pre, (s) => {
      const boards = s.boards.filter((b) => b.name !== name);
      found = boards.length !== s.boards.length;
      return found ? { ...s, boards } : undefined;
    });
    return found;
  }

  /** Runs one change after the ones before it; `next` returns undefined to change nothing. */
  #change(
    pre: Precondition,
    next: (state: SettingsFile) => SettingsFile | undefined,
  ): Promise<number> {
    const run = async () => {
      const current = this.#state;
      if (pre.ifVersion !== undefined && pre.ifVersion !== current.version) {
        throw new SwitchboardError(
          'SB_SETTINGS_CONFLICT',
          `the settings are at version ${current.version}, not ${pre.ifVersion}: read them again`,
          { details: { version: current.version } },
        );
      }
      const changed = next(current);
      if (changed === undefined) return current.version;
      await this.#commit({ ...changed, version: current.version + 1 });
      for (const listener of this.#listeners) {
        try {
          listener(this.#state.version);
        } catch {
          // Saved all the same: a listener's failure is not the change's.
        }
      }
      return this.#state.version;
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Writes `state` atomically and durably, then makes it current. */
  async #commit(state: SettingsFile): Promise<void> {
    try {
      await writeAtomic(this.#file, `${JSON.stringify(state, null, 2)}\n`);
    } catch (err) {
      throw new SwitchboardError(
        'SB_SETTINGS_UNAVAILABLE',
        `the dashboard settings could not be saved (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        { cause: err },
      );
    }
    this.#state = state;
  }
}

function emptyState(): SettingsFile {
  return {
    format: 1,
    version: 0,
    configDigest: '',
    thresholds: {},
    thresholdsUpdatedAt: null,
    boards: [],
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ORDER_PROBLEM = /must come before|would come after/;

async function readState(
  file: string,
  options: DashboardSettingsOptions,
): Promise<{ state: SettingsFile; status: 'missing' | 'unreadable' | 'corrupt' | 'loaded' }> {
  const { logger } = options;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { state: emptyState(), status: 'missing' };
    }
    logger.warn({ err, file }, 'dashboard settings: the file cannot be read; starting empty');
    return { state: emptyState(), status: 'unreadable' };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  if (
    !isObject(doc) ||
    doc.format !== 1 ||
    typeof doc.version !== 'number' ||
    !Number.isSafeInteger(doc.version) ||
    doc.version < 0
  ) {
    await setAside(file, logger);
    return { state: emptyState(), status: 'corrupt' };
  }
  const state = emptyState();
  state.version = doc.version;
  state.configDigest = typeof doc.configDigest === 'string' ? doc.configDigest : '';

  const problems = validateOverrides(doc.thresholds, options.configThresholds);
  if (problems.length === 0 || problems.every((p) => ORDER_PROBLEM.test(p.message))) {
    state.thresholds = doc.thresholds as ThresholdOverrides;
    state.thresholdsUpdatedAt =
      typeof doc.thresholdsUpdatedAt === 'string' ? doc.thresholdsUpdatedAt : null;
    if (problems.length > 0) {
      logger.warn(
        { file, problem: problems[0] },
        'dashboard settings: the saved thresholds conflict with the config file; kept until replaced',
      );
    }
  } else {
    logger.warn(
      { file, problem: problems[0] },
      'dashboard settings: the saved thresholds are malformed; dropped',
    );
  }

  const boards = Array.isArray(doc.boards) ? doc.boards : [];
  const names = new Set<string>();
  for (const [i, b] of boards.slice(0, BOARD_LIMITS.boards).entries()) {
    const { name, updatedAt, ...rest } = isObject(b) ? b : { name: undefined, updatedAt: null };
    const checked = validateBoardInput(rest);
    if (!isBoardName(name) || names.has(name) || !checked.board) {
      logger.warn({ file, index: i }, 'dashboard settings: a saved board is malformed; dropped');
      continue;
    }
    names.add(name);
    state.boards.push({
      name,
      ...checked.board,
      updatedAt: typeof updatedAt === 'string' ? updatedAt : null,
    });
  }
  state.boards.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { state, status: 'loaded' };
}

/** Keeps a corrupt file for inspection (one copy), so the next save does not destroy it. */
async function setAside(file: string, logger: Pick<Logger, 'warn'>): Promise<void> {
  const aside = `${file}.corrupt`;
  try {
    await rename(file, aside);
  } catch {
    // Could not move it: the next save replaces it.
  }
  logger.warn({ file, keptAs: aside }, 'dashboard settings: the file is not valid; starting empty');
}

/** Temporary file, fsync, rename over the target, fsync the directory. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
