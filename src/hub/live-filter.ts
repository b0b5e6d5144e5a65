import type { TokenScope } from '../config/index.js';
import { SwitchboardError } from '../errors.js';
import { truncateUtf8 } from '../protocol/close-codes.js';
import { LIVE_KINDS, type LiveKind } from '../protocol/live-messages.js';

/** Echoes a client's value in an error message, bounded: the message may become a close reason. */
const echo = (value: string) => JSON.stringify(truncateUtf8(value, 40));

/** What a live client asked for, narrowed to what its token may see. */
export interface LiveFilter {
  kinds: ReadonlySet<LiveKind>;
  users: ReadonlySet<string> | undefined;
  queues: ReadonlySet<string> | undefined;
  teams: ReadonlySet<string> | undefined;
  /** The token's scope: agents must be in these queues or teams; queues must be listed. */
  scope: { queues: ReadonlySet<string>; teams: ReadonlySet<string> } | undefined;
}

export interface LiveRequest {
  filter: LiveFilter;
  /** Resume after this offset. */
  since: number | undefined;
}

function list(params: URLSearchParams, name: string, maxIds: number): Set<string> | undefined {
  const values = params
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (values.length === 0) return undefined;
  if (values.length > maxIds) {
    throw new SwitchboardError(
      'SB_LIVE_BAD_FILTER',
      `${name}: ${values.length} ids, at most ${maxIds} allowed (live.maxFilterIds)`,
    );
  }
  return new Set(values);
}

/**
 * Reads a subscription from the query string (`kinds`, `users`, `queues`, `teams`, `since`) and
 * the SSE `Last-Event-ID` header, then applies the token scope: a filter asking for more than the
 * scope is refused; an empty one is narrowed to it.
 */
export function parseLiveRequest(
  params: URLSearchParams,
  scope: TokenScope | undefined,
  options: { maxIds: number; lastEventId?: string | undefined },
): LiveRequest {
  const rawKinds = list(params, 'kinds', 10);
  const kinds = new Set<LiveKind>();
  for (const k of rawKinds ?? LIVE_KINDS) {
    if (!(LIVE_KINDS as readonly string[]).includes(k)) {
      throw new SwitchboardError(
        'SB_LIVE_BAD_FILTER',
        `kinds: unknown kind ${echo(k)} (expected ${LIVE_KINDS.join(', ')})`,
      );
    }
    kinds.add(k as LiveKind);
  }
  const users = list(params, 'users', options.maxIds);
  let queues = list(params, 'queues', options.maxIds);
  let teams = list(params, 'teams', options.maxIds);

  const rawSince = options.lastEventId ?? params.get('since') ?? undefined;
  let since: number | undefined;
  if (rawSince !== undefined && rawSince !== '') {
    if (!/^\d{1,15}$/.test(rawSince)) {
      throw new SwitchboardError(
        'SB_LIVE_BAD_FILTER',
        `since: ${echo(rawSince)} is not a log offset (a non-negative integer)`,
      );
    }
    since = Number(rawSince);
  }

  let scoped: LiveFilter['scope'];
  if (scope) {
    scoped = { queues: new Set(scope.queues), teams: new Set(scope.teams) };
    const outside = (asked: Set<string> | undefined, allowed: ReadonlySet<string>) =>
      asked ? [...asked].filter((id) => !allowed.has(id)) : [];
    const badQueues = outside(queues, scoped.queues);
    const badTeams = outside(teams, scoped.teams);
    if (badQueues.length > 0 || badTeams.length > 0) {
      throw new SwitchboardError(
        'SB_LIVE_FORBIDDEN',
        `outside the token scope: ${[
          ...badQueues.map((q) => `queue ${echo(q)}`),
          ...badTeams.map((t) => `team ${echo(t)}`),
        ]
          .slice(0, 5)
          .join(', ')}`,
      );
    }
    if (users === undefined && queues === undefined && teams === undefined) {
      queues = scoped.queues.size > 0 ? new Set(scoped.queues) : undefined;
      teams = scoped.teams.size > 0 ? new Set(scoped.teams) : undefined;
    }
  }
  return { filter: { kinds, users, queues, teams, scope: scoped }, since };
}

/** One string per distinct filter: clients with equal keys share serialization work. */
export function filterKey(f: LiveFilter): string {
  const s = (set: ReadonlySet<string> | undefined) => (set ? [...set].sort().join(',') : '*');
  return [
    [...f.kinds].sort().join(','),
    s(f.users),
    s(f.queues),
    s(f.teams),
    f.scope ? `${s(f.scope.queues)}/${s(f.scope.teams)}` : '-',
  ].join('|');
}
