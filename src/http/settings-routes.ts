import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SwitchboardError, type ErrorCode } from '../errors.js';
import {
  BOARD_LIMITS,
  isBoardName,
  validateBoardInput,
  type Board,
  type BoardProblem,
  type BoardsDocument,
} from '../protocol/boards.js';
import type { QueueView } from '../protocol/live-messages.js';
import {
  queueTargets,
  validateOverrides,
  type ThresholdOverrides,
  type ThresholdsDocument,
} from '../protocol/thresholds.js';
import type { DashboardSettings } from '../settings/dashboard-settings.js';
import type { ApiAuth } from './api-auth.js';

/** Most bytes a settings body may have (a thresholds layer for 2,000 queues fits). */
export const SETTINGS_BODY_LIMIT = 256 * 1024;

export interface SettingsRoutesDeps {
  settings: DashboardSettings;
  /** The config file's `dashboard:` section (read-only over the API). */
  config: { readonly thresholds: ThresholdOverrides; readonly boards: readonly Board[] };
  auth: ApiAuth;
  /** The queues live state knows now: a saved layer must resolve in order for each. */
  queues: () => readonly QueueView[];
}

function invalid(code: ErrorCode, problems: readonly BoardProblem[]): SwitchboardError {
  const first = problems[0];
  return new SwitchboardError(code, first ? `${first.path}: ${first.message}` : undefined, {
    details: { problems: problems.slice(0, 20) },
  });
}

/** The raw body as JSON; anything else is the route's own invalid code with a problem at `$`. */
function jsonBody(raw: unknown, code: ErrorCode): unknown {
  if (!(raw instanceof Uint8Array) || raw.byteLength === 0) {
    throw invalid(code, [{ path: '$', message: 'a JSON body is required' }]);
  }
  if (raw.byteLength > SETTINGS_BODY_LIMIT) {
    throw new SwitchboardError(
      'SB_BODY_TOO_LARGE',
      `request body exceeds ${SETTINGS_BODY_LIMIT} bytes`,
    );
  }
  try {
    return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch {
    throw invalid(code, [{ path: '$', message: 'is not JSON' }]);
  }
}

/** `If-Match: "7"` (or `W/"7"`, `7`); `*` or none: unconditional. */
function ifMatch(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  if (!m) throw new SwitchboardError('SB_BAD_REQUEST', 'If-Match: must be "<version>"');
  return Number(m[1]);
}

const etag = (reply: FastifyReply, version: number) => reply.header('etag', `"${version}"`);

/**
 * Thresholds and named boards kept on the gateway for every dashboard screen
 * (src/settings/dashboard-settings.ts stores them):
 * - `GET /api/v1/thresholds` → ThresholdsDocument; `PUT /api/v1/thresholds` replaces the
 *   dashboard layer, checked against the config layer and every queue live state knows (400
 *   SB_THRESHOLDS_INVALID with `problems`);
 * - `GET /api/v1/boards` → BoardsDocument; `GET|PUT|DELETE /api/v1/boards/<name>` (config boards
 *   are read-only: 409 SB_BOARD_READ_ONLY).
 * Reading needs any authorized principal; changing needs an unscoped one (the settings are the
 * whole floor's). A change may carry `If-Match: "<version>"` (409 SB_SETTINGS_CONFLICT when
 * stale). Every answer with a version sets `ETag: "<version>"`.
 */
export function registerSettingsRoutes(app: FastifyInstance, deps: SettingsRoutesDeps): void {
  const { settings, config, auth } = deps;
  const read = { onRequest: async (r: FastifyRequest) => void auth.authorize(r) };
  const write = {
    onRequest: async (r: FastifyRequest) => auth.authorizeUnscoped(r),
    bodyLimit: SETTINGS_BODY_LIMIT,
  };
  const configBoard = (name: string) => config.boards.find((b) => b.name === name);

  const thresholdsDocument = (): ThresholdsDocument => ({
    version: settings.version,
    config: config.thresholds,
    dashboard: settings.thresholds,
    updatedAt: settings.thresholdsUpdatedAt,
  });

  app.get('/api/v1/thresholds', read, async (_request, reply) => {
    etag(reply, settings.version);
    return thresholdsDocument();
  });

  app.put('/api/v1/thresholds', write, async (request, reply) => {
    const body = jsonBody(request.body, 'SB_THRESHOLDS_INVALID');
    const expected = ifMatch(request);
    const problems = validateOverrides(body, config.thresholds, queueTargets(deps.queues()));
    if (problems.length > 0) throw invalid('SB_THRESHOLDS_INVALID', problems);
    await settings.replaceThresholds(body as ThresholdOverrides, { ifVersion: expected });
    etag(reply, settings.version);
    return thresholdsDocument();
  });

  app.get('/api/v1/boards', read, async (_request, reply): Promise<BoardsDocument> => {
    const version = settings.version;
    const taken = new Set(config.boards.map((b) => b.name));
    etag(reply, version);
    return {
      version,
      boards: [
        ...[...config.boards].sort((a, b) => (a.name < b.name ? -1 : 1)),
        ...settings.boards().filter((b) => !taken.has(b.name)),
      ],
    };
  });

  app.get<{ Params: { name: string } }>('/api/v1/boards/:name', read, async (request, reply) => {
    const { name } = request.params;
    const board = configBoard(name) ?? settings.board(name);
    if (!board) throw new SwitchboardError('SB_BOARD_NOT_FOUND', `no board named ${cut(name)}`);
    etag(reply, settings.version);
    return board;
  });

  app.put<{ Params: { name: string } }>('/api/v1/boards/:name', write, async (request, reply) => {
    const { name } = request.params;
    if (!isBoardName(name)) {
      throw invalid('SB_BOARD_INVALID', [
        {
          path: 'name',
          message: 'must be a board name: lower-case letters, digits and -, at most 64',
        },
      ]);
    }
    if (configBoard(name)) throw readOnly(name);
    const body = jsonBody(request.body, 'SB_BOARD_INVALID');
    const expected = ifMatch(request);
    const checked = validateBoardInput(body);
    const bodyName =
      typeof body === 'object' && body !== null ? (body as { name?: unknown }).name : undefined;
    if (checked.board && bodyName !== undefined && bodyName !== name) {
      checked.problems.push({ path: '$.name', message: `must be the URL's name (${name})` });
    }
    if (!checked.board || checked.problems.length > 0) {
      throw invalid('SB_BOARD_INVALID', checked.problems);
    }
    const { board } = await settings.putBoard(name, checked.board, {
      ifVersion: expected,
      maxBoards: BOARD_LIMITS.boards - config.boards.length,
    });
    etag(reply, settings.version);
    return board;
  });

  app.delete<{ Params: { name: string } }>(
    '/api/v1/boards/:name',
    { onRequest: write.onRequest },
    async (request, reply) => {
      const { name } = request.params;
      if (configBoard(name)) throw readOnly(name);
      const expected = ifMatch(request);
      if (!(await settings.deleteBoard(name, { ifVersion: expected }))) {
        throw new SwitchboardError('SB_BOARD_NOT_FOUND', `no board named ${cut(name)}`);
      }
      etag(reply, settings.version);
      return reply.code(204).send();
    },
  );
}

function readOnly(name: string): SwitchboardError {
  return new SwitchboardError(
    'SB_BOARD_READ_ONLY',
    `the board ${name} comes from the config file (dashboard.boards): change it there`,
  );
}

/** A name from the URL as it goes into a message: short, printable. */
function cut(name: string): string {
  const clean = name.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}
