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
  /**
   * The token's scope: agents must be in these queues, teams or divisions; queues must be listed
   * or in these divisions.
   */
  scope:
    | {
        queues: ReadonlySet<string>;
        teams: ReadonlySet<string>;
        divisions: ReadonlySet<string>;
      }
    | undefined;
  /** `filterKey` of the above, made once: clients with equal keys share a group. */
  key: string;
}

export interface LiveRequest {
  filter: LiveFilter;
  /** Resume after this offset. */
  since: number | undefined;
}

/**
 * The ids of one list parameter. `budget` is what is left of the filter's limit on ids (all
 * lists together): every id costs the hub index memory and work when the client comes and
 * goes, so a filter over the limit is refused before any more of it is read.
 */
function list(
  params: URLSearchParams,
  name: string,
  budget: { left: number; refusal: string },
): Set<string> | undefined {
  let ids: Set<string> | undefined;
  for (const raw of params.getAll(name)) {
    // Cut one id at a time (not split): a list over the limit stops costing at the limit.
    for (let from = 0; from <= raw.length;) {
      let to = raw.indexOf(',', from);
      if (to < 0) to = raw.length;
      const id = raw.slice(from, to).trim();
      from = to + 1;
      if (id === '') continue;
      if (--budget.left < 0) {
        throw new SwitchboardError('SB_LIVE_BAD_FILTER', `${name}: ${budget.refusal}`);
      }
      (ids ??= new Set()).add(id);
    }
  }
  return ids;
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
  const rawKinds = list(params, 'kinds', { left: 10, refusal: 'more than 10 kinds' });
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
  const budget = {
    left: options.maxIds,
    refusal: `more than ${options.maxIds} ids in users, queues and teams together (live.maxFilterIds)`,
  };
  const users = list(params, 'users', budget);
  let queues = list(params, 'queues', budget);
  let teams = list(params, 'teams', budget);

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
    scoped = {
      queues: new Set(scope.queues),
      teams: new Set(scope.teams),
      divisions: new Set(scope.divisions ?? []),
    };
    const outside = (asked: Set<string> | undefined, allowed: ReadonlySet<string>) =>
      asked ? [...asked].filter((id) => !allowed.has(id)) : [];
    // Queues, teams and users of a division are not known here (they move between divisions):
    // a division-scoped token may name any, and the scope check on each change narrows it.
    const byDivision = scoped.divisions.size > 0;
    const badQueues = byDivision ? [] : outside(queues, scoped.queues);
    const badTeams = byDivision ? [] : outside(teams, scoped.teams);
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
    // Narrowing to the listed queues and teams would hide the divisions' other agents.
    if (!byDivision && users === undefined && queues === undefined && teams === undefined) {
      queues = scoped.queues.size > 0 ? new Set(scoped.queues) : undefined;
      teams = scoped.teams.size > 0 ? new Set(scoped.teams) : undefined;
    }
  }
  const filter = { kinds, users, queues, teams, scope: scoped };
  return { filter: { ...filter, key: filterKey(filter) }, since };
}

/** One string per distinct filter: clients with equal keys share serialization work. */
export function filterKey(f: Omit<LiveFilter, 'key'>): string {
  const s = (set: ReadonlySet<string> | undefined) => (set ? [...set].sort().join(',') : '*');
  return [
    [...f.kinds].sort().join(','),
    s(f.users),
    s(f.queues),
    s(f.teams),
    f.scope ? `${s(f.scope.queues)}/${s(f.scope.teams)}/${s(f.scope.divisions)}` : '-',
  ].join('|');
}
