import { gone, type Item } from './hub-items.js';
import { filterKey, type LiveFilter } from './live-filter.js';
import type { LiveTransport } from './live-payload.js';

/** One connected client, in the group of clients with its filter. */
export class LiveClient {
  blocked = false;
  /** Last time anything was written to this client (heartbeats skip busy clients). */
  lastSentAt = 0;
  blockedSince = 0;
  /** Coalesced changes while blocked: the latest item per entity. */
  readonly pending = new Map<string, Item>();
  pendingOffset = 0;
  closed = false;

  constructor(
    readonly transport: LiveTransport,
    readonly group: Group,
  ) {}
}

/** Clients with the same filter: each change is routed and serialized once for all of them. */
export class Group {
  readonly clients = new Set<LiveClient>();
  /** Snapshot body (after the header) for the hub offset it was made at. */
  cache: { offset: number; body: string } | undefined;
  /** Agents (and toasts) match without looking at users / queues / teams. */
  readonly allAgents: boolean;

  constructor(
    readonly key: string,
    readonly filter: LiveFilter,
  ) {
    this.allAgents =
      filter.users === undefined && filter.queues === undefined && filter.teams === undefined;
  }

  matches(it: Item): boolean {
    const f = this.filter;
    if (!f.kinds.has(it.kind)) return false;
    if (it.kind === 'queues') {
      return (!f.queues || f.queues.has(it.id)) && (!f.scope || f.scope.queues.has(it.id));
    }
    // A removed agent: its memberships are gone with it, and the removal is harmless to send.
    if (it.kind === 'agents' && it.json === null) return true;
    if (f.scope && !inAny(it, f.scope.queues, f.scope.teams, undefined)) return false;
    return this.allAgents || inAny(it, f.queues, f.teams, f.users);
  }

  /** What this group is sent for a change: the change, the agent's departure, or nothing. */
  route(it: Item): Item | undefined {
    if (this.matches(it)) return it;
    if (it.former && this.matches(it.former)) {
      return (it.departure ??= gone('agents', it.id, it.userId, []));
    }
    return undefined;
  }
}

function inAny(
  it: Item,
  queues: ReadonlySet<string> | undefined,
  teams: ReadonlySet<string> | undefined,
  users: ReadonlySet<string> | undefined,
): boolean {
  if (users && it.userId !== undefined && users.has(it.userId)) return true;
  if (teams && it.teamId !== undefined && teams.has(it.teamId)) return true;
  if (queues) for (const q of it.queueIds) if (queues.has(q)) return true;
  return false;
}

/**
 * The groups by filter, with indexes by user, team and queue, so a change is offered only to the
 * groups it can matter to (not to every group, on a floor with thousands of agent desktops).
 */
export class GroupIndex {
  readonly #groups = new Map<string, Group>();
  readonly #allAgentGroups = new Set<Group>();
  readonly #allQueueGroups = new Set<Group>();
  readonly #agentKindGroups = new Set<Group>();
  readonly #byUser = new Map<string, Set<Group>>();
  readonly #byTeam = new Map<string, Set<Group>>();
  readonly #byQueue = new Map<string, Set<Group>>();

  /** The group for this filter, made and indexed the first time. */
  group(filter: LiveFilter): Group {
    const key = filterKey(filter);
    let g = this.#groups.get(key);
    if (g) return g;
    g = new Group(key, filter);
    this.#groups.set(key, g);
    const agentish = filter.kinds.has('agents') || filter.kinds.has('toasts');
    if (filter.kinds.has('agents')) this.#agentKindGroups.add(g);
    if (filter.kinds.has('queues') && !filter.queues) this.#allQueueGroups.add(g);
    if (agentish && g.allAgents) this.#allAgentGroups.add(g);
    index(this.#byUser, filter.users, g);
    index(this.#byTeam, filter.teams, g);
    index(this.#byQueue, filter.queues, g);
    return g;
  }

  drop(g: Group): void {
    this.#groups.delete(g.key);
    this.#allAgentGroups.delete(g);
    this.#allQueueGroups.delete(g);
    this.#agentKindGroups.delete(g);
    unindex(this.#byUser, g.filter.users, g);
    unindex(this.#byTeam, g.filter.teams, g);
    unindex(this.#byQueue, g.filter.queues, g);
  }

  /** What each group is sent for a run of changes, in order, each change at most once. */
  route(items: Item[]): Map<Group, Item[]> {
    const perGroup = new Map<Group, Item[]>();
    const add = (g: Group, it: Item) => {
      const routed = g.route(it);
      if (!routed) return;
      let list = perGroup.get(g);
      if (!list) perGroup.set(g, (list = []));
      // A group reached through several indexes (user, team, queues) gets the change once.
      if (list[list.length - 1] !== routed) list.push(routed);
    };
    for (const it of items) {
      for (const g of this.#candidates(it)) add(g, it);
      if (it.former) for (const g of this.#candidates(it.former)) add(g, it);
    }
    return perGroup;
  }

  *#candidates(it: Item): Iterable<Group> {
    if (it.kind === 'queues') {
      yield* this.#allQueueGroups;
      const byQueue = this.#byQueue.get(it.id);
      if (byQueue) yield* byQueue;
      return;
    }
    if (it.kind === 'agents' && it.json === null) {
      yield* this.#agentKindGroups;
      return;
    }
    yield* this.#allAgentGroups;
    if (it.userId !== undefined) {
      const u = this.#byUser.get(it.userId);
      if (u) yield* u;
    }
    if (it.teamId !== undefined) {
      const t = this.#byTeam.get(it.teamId);
      if (t) yield* t;
    }
    for (const q of it.queueIds) {
      const g = this.#byQueue.get(q);
      if (g) yield* g;
    }
  }
}

function index(map: Map<string, Set<Group>>, ids: ReadonlySet<string> | undefined, g: Group) {
  if (!ids) return;
  for (const id of ids) {
    let set = map.get(id);
    if (!set) map.set(id, (set = new Set()));
    set.add(g);
  }
}

function unindex(map: Map<string, Set<Group>>, ids: ReadonlySet<string> | undefined, g: Group) {
  if (!ids) return;
  for (const id of ids) {
    const set = map.get(id);
    set?.delete(g);
    if (set?.size === 0) map.delete(id);
  }
}
