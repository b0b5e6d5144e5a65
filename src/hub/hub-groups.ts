import { gone, type Item } from './hub-items.js';
import type { LiveFilter } from './live-filter.js';
import type { LiveTransport } from './live-payload.js';

/** One connected client, in the group of clients with its filter. */
export class LiveClient {
  blocked = false;
  /** Last time anything was written to this client (heartbeats skip busy clients). */
  lastSentAt = 0;
  /** Last time a heartbeat was written to it (while the hub publishes freshness, busy or not). */
  lastBeatAt = 0;
  /**
   * When the client fell behind (blocked, or more unsent bytes than the high-water mark);
   * undefined while it keeps up. How long it has been behind is what evicts it.
   */
  behindSince: number | undefined;
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
  /** No client is left: it is being taken out of the indexes and gets nothing. */
  retired = false;

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
      return (!f.queues || f.queues.has(it.id)) && (!f.scope || inScope(it, f.scope));
    }
    // A removed agent: its memberships are gone with it, and the removal is harmless to send.
    if (it.kind === 'agents' && it.json === null) return true;
    if (f.scope && !inScope(it, f.scope)) return false;
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

/** Within a token scope: by queue or team, or by the agent's or queue's division. */
function inScope(it: Item, scope: NonNullable<LiveFilter['scope']>): boolean {
  if (it.divisionId !== undefined && scope.divisions.has(it.divisionId)) return true;
  if (it.divisionIds?.some((d) => scope.divisions.has(d))) return true;
  if (it.kind === 'queues') return scope.queues.has(it.id);
  return inAny(it, scope.queues, scope.teams, undefined);
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

/** Groups by id: most ids are in one group's filter only, which needs no Set of its own. */
type IdIndex = Map<string, Group | Set<Group>>;

/** Ids taken out of the indexes per turn of the event loop when groups are dropped. */
const UNINDEX_PER_TURN = 20_000;

/**
 * The groups by filter, with indexes by user, team and queue, so a change is offered only to the
 * groups it can matter to (not to every group, on a floor with thousands of agent desktops).
 * Each distinct filter's ids are indexed once; `maxIds` bounds them all together, since every
 * id a client lists costs memory here and work when the client comes and goes. A dropped group
 * leaves the indexes a slice per turn of the event loop: thousands of clients leaving at once
 * (a network blip) would otherwise stall the loop for as long as all their ids take.
 */
export class GroupIndex {
  readonly #groups = new Map<string, Group>();
  readonly #allAgentGroups = new Set<Group>();
  readonly #allQueueGroups = new Set<Group>();
  readonly #agentKindGroups = new Set<Group>();
  readonly #byUser: IdIndex = new Map();
  readonly #byTeam: IdIndex = new Map();
  readonly #byQueue: IdIndex = new Map();
  #ids = 0;
  readonly #retired: Group[] = [];
  #unindexing: NodeJS.Immediate | undefined;

  constructor(readonly maxIds: number) {}

  /** Ids indexed for all groups together. */
  get ids(): number {
    return this.#ids;
  }

  /** Whether a client with this filter fits: its group exists, or its ids fit `maxIds`. */
  admits(filter: LiveFilter): boolean {
    return this.#groups.has(filter.key) || this.#ids + idCount(filter) <= this.maxIds;
  }

  /** The group for this filter, made and indexed the first time. */
  group(filter: LiveFilter): Group {
    let g = this.#groups.get(filter.key);
    if (g) return g;
    g = new Group(filter.key, filter);
    this.#groups.set(g.key, g);
    const agentish = filter.kinds.has('agents') || filter.kinds.has('toasts');
    if (filter.kinds.has('agents')) this.#agentKindGroups.add(g);
    if (filter.kinds.has('queues') && !filter.queues) this.#allQueueGroups.add(g);
    if (agentish && g.allAgents) this.#allAgentGroups.add(g);
    index(this.#byUser, filter.users, g);
    index(this.#byTeam, filter.teams, g);
    index(this.#byQueue, filter.queues, g);
    this.#ids += idCount(filter);
    return g;
  }

  drop(g: Group): void {
    if (this.#groups.get(g.key) !== g) return;
    this.#groups.delete(g.key);
    this.#allAgentGroups.delete(g);
    this.#allQueueGroups.delete(g);
    this.#agentKindGroups.delete(g);
    g.retired = true;
    this.#retired.push(g);
    if (this.#unindexing === undefined) {
      this.#unindexing = setImmediate(() => this.#unindexSome()).unref();
    }
  }

  /** Takes retired groups out of the indexes, about `UNINDEX_PER_TURN` ids at a time. */
  #unindexSome(): void {
    this.#unindexing = undefined;
    for (let budget = UNINDEX_PER_TURN; budget > 0 && this.#retired.length > 0;) {
      const g = this.#retired.pop()!;
      unindex(this.#byUser, g.filter.users, g);
      unindex(this.#byTeam, g.filter.teams, g);
      unindex(this.#byQueue, g.filter.queues, g);
      const n = idCount(g.filter);
      this.#ids -= n;
      budget -= n;
    }
    if (this.#retired.length > 0) {
      this.#unindexing = setImmediate(() => this.#unindexSome()).unref();
    }
  }

  /** What each group is sent for a run of changes, in order, each change at most once. */
  route(items: Item[]): Map<Group, Item[]> {
    const perGroup = new Map<Group, Item[]>();
    const add = (g: Group, it: Item) => {
      if (g.retired) return;
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
      yield* at(this.#byQueue, it.id);
      return;
    }
    if (it.kind === 'agents' && it.json === null) {
      yield* this.#agentKindGroups;
      return;
    }
    yield* this.#allAgentGroups;
    if (it.userId !== undefined) yield* at(this.#byUser, it.userId);
    if (it.teamId !== undefined) yield* at(this.#byTeam, it.teamId);
    for (const q of it.queueIds) yield* at(this.#byQueue, q);
  }
}

const NONE: readonly Group[] = [];

function at(map: IdIndex, id: string): Iterable<Group> {
  const found = map.get(id);
  return found === undefined ? NONE : found instanceof Set ? found : [found];
}

function idCount(f: LiveFilter): number {
  return (f.users?.size ?? 0) + (f.queues?.size ?? 0) + (f.teams?.size ?? 0);
}

function index(map: IdIndex, ids: ReadonlySet<string> | undefined, g: Group) {
  if (!ids) return;
  for (const id of ids) {
    const found = map.get(id);
    if (found === undefined) map.set(id, g);
    else if (found instanceof Set) found.add(g);
    else if (found !== g) map.set(id, new Set([found, g]));
  }
}

function unindex(map: IdIndex, ids: ReadonlySet<string> | undefined, g: Group) {
  if (!ids) return;
  for (const id of ids) {
    const found = map.get(id);
    if (found === g) {
      map.delete(id);
    } else if (found instanceof Set) {
      found.delete(g);
      if (found.size === 1) map.set(id, found.values().next().value!);
    }
  }
}
