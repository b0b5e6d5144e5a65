import { filterKey, type LiveFilter } from './live-filter.js';
import type { LiveChanges, LiveKind, LiveMessage } from '../protocol/live-messages.js';

/**
 * One message, encoded and framed at most once however many sockets it goes to (a wallboard
 * group can hold hundreds of clients): with thousands of sockets per second, per-socket work
 * beyond the write itself shows up directly in fan-out latency.
 */
export class Payload {
  #bytes: Buffer | undefined;
  #frames: Partial<Record<'ws' | 'sse', Buffer>> = {};

  /**
   * `offset`: where a resume after this message starts from (what SSE puts in `id:`); the
   * type and offset are part of the message, so a transport's cached framing always has them.
   */
  constructor(
    readonly text: string,
    readonly type: LiveMessage['type'],
    readonly offset: number | undefined,
  ) {}

  get bytes(): Buffer {
    return (this.#bytes ??= Buffer.from(this.text, 'utf8'));
  }

  /** The message as one transport frames it, made by its first send and reused by the rest. */
  framed(transport: 'ws' | 'sse', make: (payload: Payload) => Buffer): Buffer {
    return (this.#frames[transport] ??= make(this));
  }
}

/** One connected client's socket, whatever the transport (WebSocket or SSE). */
export interface LiveTransport {
  send(payload: Payload): void;
  /** Bytes written but not yet handed to the kernel. */
  bufferedBytes(): number;
  /** Ends the connection; `errorCode` is sent first as an `error` message when given. */
  close(code: number, errorCode: string | undefined, message: string): void;
}

export interface LiveHubOptions {
  /** Memberships of an agent (teams, queues), to route its toasts. */
  membership: (
    userId: string,
  ) => { teamId: string | undefined; queueIds: ReadonlySet<string> } | undefined;
  maxClients: number;
  heartbeatMs: number;
  highWaterBytes: number;
  slowClientTimeoutMs: number;
  maxPendingChanges: number;
  historyChanges: number;
  now?: () => number;
  metrics?: LiveHubMetrics;
}

export interface LiveHubMetrics {
  messages(type: string, n: number): void;
  coalesced(): void;
  evicted(): void;
  resumed(result: 'resumed' | 'snapshot'): void;
  clients(n: number): void;
}

/** A changed entity, serialized once, with what filters need to route it. */
interface Item {
  kind: LiveKind;
  id: string;
  /** The view as JSON, or null when the entity is gone. */
  json: string | null;
  /**
   * Only the fields that changed since the entity's previous view (with `id`), or null when the
   * full view must go out: a new entity, or one whose memberships changed (a client may be
   * seeing it for the first time).
   */
  patch: string | null;
  view: object | null;
  userId: string | undefined;
  teamId: string | undefined;
  queueIds: readonly string[];
  /**
   * An agent whose memberships changed: the same agent as it was routed before, so a client
   * that matched it then and no longer does is told it is gone (a queue board must drop an
   * agent who left the queue, not keep a frozen copy).
   */
  former?: Item;
  /** The removal such a client gets, made once. */
  departure?: Item;
}

interface HistoryEntry {
  offset: number;
  items: Item[];
}

class Group {
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

export class LiveClientLimitError extends Error {}

const KINDS: readonly LiveKind[] = ['agents', 'queues', 'toasts'];

/**
 * Fans projected changes out to live clients. Each distinct filter is a group; a change is
 * serialized once, routed to the groups whose filters it matches through indexes by user, team
 * and queue, and one message per group is written to every client in it. A client whose socket
 * backs up gets its changes coalesced to the latest per entity, and is disconnected if it stays
 * behind. Recent changes are kept so a reconnecting client can resume from its last offset.
 */
export class LiveHub {
  readonly #o: LiveHubOptions;
  readonly #now: () => number;
  #offset = 0;
  /** History holds every change with an offset above this. */
  #base = 0;
  readonly #history: HistoryEntry[] = [];
  #historyHead = 0;
  #historyItems = 0;
  /** Latest item per entity: snapshots are cut from here. */
  readonly #current = new Map<string, Item>();
  readonly #groups = new Map<string, Group>();
  readonly #allAgentGroups = new Set<Group>();
  readonly #allQueueGroups = new Set<Group>();
  readonly #agentKindGroups = new Set<Group>();
  readonly #byUser = new Map<string, Set<Group>>();
  readonly #byTeam = new Map<string, Set<Group>>();
  readonly #byQueue = new Map<string, Set<Group>>();
  readonly #clients = new Set<LiveClient>();
  readonly #blocked = new Set<LiveClient>();
  #heartbeat: NodeJS.Timeout | undefined;
  #beatEveryMs: number;
  #drainTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: LiveHubOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#beatEveryMs = Math.max(10, Math.min(250, Math.floor(options.heartbeatMs / 4)));
    this.#heartbeat = setInterval(() => this.#beat(), this.#beatEveryMs);
    this.#heartbeat.unref();
  }

  get offset(): number {
    return this.#offset;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Clients whose deltas are being coalesced because their sockets are backed up. */
  get blockedCount(): number {
    return this.#blocked.size;
  }

  get full(): boolean {
    return this.#clients.size >= this.#o.maxClients;
  }

  /**
   * Folds a run of changes (everything up to `offset`) into the hub and sends it out.
   * `replayed`: the start-up replay folded into one run; it is not a delta any client missed, so
   * the resume window starts after it.
   */
  publish(offset: number, changes: LiveChanges, replayed = false): void {
    const items: Item[] = [];
    for (const a of changes.agents) {
      const prev = this.#current.get(`agents:${a.id}`)?.view as typeof a | undefined;
      const sameMembership =
        prev !== undefined &&
        prev.teamId === a.teamId &&
        prev.queueIds.length === a.queueIds.length &&
        prev.queueIds.every((q, i) => q === a.queueIds[i]);
      const it: Item = {
        kind: 'agents',
        id: a.id,
        json: JSON.stringify(a),
        patch: sameMembership ? patchOf(prev, a) : null,
        view: a,
        userId: a.id,
        teamId: a.teamId,
        queueIds: a.queueIds,
      };
      if (prev !== undefined && !sameMembership) {
        it.former = { ...it, view: null, teamId: prev.teamId, queueIds: prev.queueIds };
      }
      items.push(it);
    }
    for (const q of changes.queues) {
      const prev = this.#current.get(`queues:${q.id}`)?.view as typeof q | undefined;
      items.push({
        kind: 'queues',
        id: q.id,
        json: JSON.stringify(q),
        patch: prev ? patchOf(prev, q) : null,
        view: q,
        userId: undefined,
        teamId: undefined,
        queueIds: [q.id],
      });
    }
    for (const t of changes.toasts) items.push(this.#toastItem(t.id, t.userId, JSON.stringify(t)));
    for (const id of changes.removed.agents) items.push(gone('agents', id, id, []));
    for (const id of changes.removed.queues) items.push(gone('queues', id, undefined, [id]));
    for (const id of changes.removed.toasts) {
      items.push(this.#toastItem(id, id.slice(id.lastIndexOf(':') + 1), null));
    }
    this.#offset = Math.max(this.#offset, offset);
    if (items.length === 0) return;
    for (const it of items) {
      const key = `${it.kind}:${it.id}`;
      // Only the current item's view is diffed against; the replaced one lives on in the
      // history as JSON alone.
      const replaced = this.#current.get(key);
      if (replaced) replaced.view = null;
      if (it.json === null) this.#current.delete(key);
      else this.#current.set(key, it);
    }
    if (replayed) this.#base = offset;
    else this.#remember(offset, items);
    if (this.#clients.size === 0) return;

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
    const nowMs = this.#now();
    const now = new Date(nowMs).toISOString();
    let sent = 0;
    for (const [g, list] of perGroup) {
      if (g.clients.size === 0) continue;
      const payload = new Payload(deltaText(offset, now, list, false), 'delta', offset);
      for (const c of g.clients) {
        if (this.#deliver(c, payload, list, nowMs)) sent++;
      }
    }
    this.#o.metrics?.messages('delta', sent);
  }

  /**
   * Adds a client: it receives a snapshot (or, with `since` inside the history window, the
   * missed deltas) and from then on every matching delta. Throws LiveClientLimitError when full.
   */
  connect(transport: LiveTransport, filter: LiveFilter, since: number | undefined): LiveClient {
    if (this.#closed || this.full) throw new LiveClientLimitError('live client limit reached');
    const group = this.#group(filter);
    const client = new LiveClient(transport, group);
    client.lastSentAt = this.#now();
    const now = new Date(client.lastSentAt).toISOString();
    if (since !== undefined && since >= this.#base && since <= this.#offset) {
      transport.send(
        new Payload(
          JSON.stringify({ type: 'resumed', from: since, offset: this.#offset, now }),
          'resumed',
          since,
        ),
      );
      let n = 0;
      for (let i = this.#firstAfter(since); i < this.#history.length; i++) {
        const entry = this.#history[i]!;
        const list = entry.items.flatMap((it) => group.route(it) ?? []);
        if (list.length === 0) continue;
        transport.send(
          new Payload(deltaText(entry.offset, now, list, false), 'delta', entry.offset),
        );
        n++;
      }
      this.#o.metrics?.messages('delta', n);
      this.#o.metrics?.resumed('resumed');
    } else {
      const reason =
        since === undefined
          ? undefined
          : since > this.#offset
            ? 'resume-ahead'
            : 'resume-out-of-window';
      transport.send(new Payload(this.#snapshotText(group, now, reason), 'snapshot', this.#offset));
      this.#o.metrics?.messages('snapshot', 1);
      if (since !== undefined) this.#o.metrics?.resumed('snapshot');
    }
    group.clients.add(client);
    this.#clients.add(client);
    this.#o.metrics?.clients(this.#clients.size);
    return client;
  }

  disconnect(client: LiveClient): void {
    if (client.closed) return;
    client.closed = true;
    this.#clients.delete(client);
    this.#o.metrics?.clients(this.#clients.size);
    this.#blocked.delete(client);
    const g = client.group;
    g.clients.delete(client);
    if (g.clients.size === 0) this.#dropGroup(g);
  }

  /** Closes every client (1001, going away) and stops the timers. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearInterval(this.#drainTimer);
    for (const c of [...this.#clients]) {
      this.disconnect(c);
      c.transport.close(1001, undefined, 'gateway shutting down');
    }
  }

  // ---- delivery -----------------------------------------------------------------------------

  /** Sends now, or coalesces when the client's socket is backed up. True when written. */
  #deliver(c: LiveClient, payload: Payload, items: Item[], now: number): boolean {
    if (!c.blocked && c.transport.bufferedBytes() <= this.#o.highWaterBytes) {
      c.transport.send(payload);
      c.lastSentAt = now;
      return true;
    }
    if (!c.blocked) {
      c.blocked = true;
      c.blockedSince = now;
      this.#blocked.add(c);
      this.#drainTimer ??= setInterval(() => this.#drain(), 25);
    }
    for (const it of items) c.pending.set(`${it.kind}:${it.id}`, it);
    c.pendingOffset = payload.offset ?? c.pendingOffset;
    if (c.pending.size > this.#o.maxPendingChanges) this.#evict(c, 'too many pending changes');
    return false;
  }

  #drain(): void {
    const now = this.#now();
    for (const c of this.#blocked) {
      if (c.closed) {
        this.#blocked.delete(c);
        continue;
      }
      if (c.transport.bufferedBytes() <= this.#o.highWaterBytes / 2) {
        // Merged changes skip states the client never saw: full views, never patches.
        const text = deltaText(
          c.pendingOffset,
          new Date(now).toISOString(),
          [...c.pending.values()],
          true,
        );
        c.pending.clear();
        c.blocked = false;
        this.#blocked.delete(c);
        c.transport.send(new Payload(text, 'delta', c.pendingOffset));
        c.lastSentAt = now;
        this.#o.metrics?.messages('delta', 1);
        this.#o.metrics?.coalesced();
      } else if (now - c.blockedSince > this.#o.slowClientTimeoutMs) {
        this.#evict(c, `behind for more than ${this.#o.slowClientTimeoutMs} ms`);
      }
    }
    if (this.#blocked.size === 0) {
      clearInterval(this.#drainTimer);
      this.#drainTimer = undefined;
    }
  }

  #evict(c: LiveClient, why: string): void {
    this.disconnect(c);
    this.#o.metrics?.evicted();
    c.transport.close(4408, 'SB_LIVE_SLOW_CONSUMER', `the client did not keep up: ${why}`);
  }

  /**
   * A heartbeat for each client that has heard nothing for a whole period (busy ones need
   * none). Checked every quarter period (at most 250 ms) rather than once a period: clients
   * fall quiet at different times, so their heartbeats spread over the ticks instead of
   * thousands of writes stalling the loop in one burst (desktops of quiet agents, every 5 s).
   */
  #beat(): void {
    if (this.#clients.size === 0) return;
    const nowMs = this.#now();
    const quietSince = nowMs - (this.#o.heartbeatMs - this.#beatEveryMs);
    let payload: Payload | undefined;
    let n = 0;
    for (const c of this.#clients) {
      if (c.lastSentAt > quietSince) continue;
      // A blocked client's offset would claim deltas it has not been sent yet.
      if (c.blocked || c.transport.bufferedBytes() > this.#o.highWaterBytes) continue;
      payload ??= new Payload(
        JSON.stringify({
          type: 'heartbeat',
          offset: this.#offset,
          now: new Date(nowMs).toISOString(),
        }),
        'heartbeat',
        this.#offset,
      );
      c.transport.send(payload);
      c.lastSentAt = nowMs;
      n++;
    }
    this.#o.metrics?.messages('heartbeat', n);
  }

  // ---- routing ------------------------------------------------------------------------------

  #toastItem(id: string, userId: string, json: string | null): Item {
    const m = this.#o.membership(userId);
    return {
      kind: 'toasts',
      id,
      json,
      patch: null,
      view: null,
      userId,
      teamId: m?.teamId,
      queueIds: m ? [...m.queueIds] : [],
    };
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

  #group(filter: LiveFilter): Group {
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

  #dropGroup(g: Group): void {
    this.#groups.delete(g.key);
    this.#allAgentGroups.delete(g);
    this.#allQueueGroups.delete(g);
    this.#agentKindGroups.delete(g);
    unindex(this.#byUser, g.filter.users, g);
    unindex(this.#byTeam, g.filter.teams, g);
    unindex(this.#byQueue, g.filter.queues, g);
  }

  #snapshotText(g: Group, now: string, reason: string | undefined): string {
    if (g.cache?.offset !== this.#offset) {
      const lists: Record<LiveKind, string[]> = { agents: [], queues: [], toasts: [] };
      for (const it of this.#current.values()) {
        if (it.json !== null && g.matches(it)) lists[it.kind].push(it.json);
      }
      let body = '';
      for (const k of KINDS) if (g.filter.kinds.has(k)) body += `,"${k}":[${lists[k].join(',')}]`;
      g.cache = { offset: this.#offset, body };
    }
    return (
      `{"type":"snapshot","offset":${this.#offset},"now":"${now}"` +
      (reason ? `,"reason":"${reason}"` : '') +
      g.cache.body +
      '}'
    );
  }

  // ---- history (the resume window) ----------------------------------------------------------

  #remember(offset: number, items: Item[]): void {
    const last = this.#history[this.#history.length - 1];
    if (last && last.offset === offset) last.items.push(...items);
    else this.#history.push({ offset, items });
    this.#historyItems += items.length;
    while (
      this.#historyItems > this.#o.historyChanges &&
      this.#historyHead < this.#history.length - 1
    ) {
      const dropped = this.#history[this.#historyHead]!;
      this.#historyItems -= dropped.items.length;
      this.#base = dropped.offset;
      this.#historyHead++;
    }
    if (this.#historyHead > 4096 && this.#historyHead * 2 > this.#history.length) {
      this.#history.splice(0, this.#historyHead);
      this.#historyHead = 0;
    }
  }

  /** Index of the first retained history entry with an offset above `since`. */
  #firstAfter(since: number): number {
    let lo = this.#historyHead;
    let hi = this.#history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#history[mid]!.offset <= since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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

function gone(kind: LiveKind, id: string, userId: string | undefined, queueIds: string[]): Item {
  return { kind, id, json: null, patch: null, view: null, userId, teamId: undefined, queueIds };
}

/**
 * The fields of `next` that differ from `prev`, as JSON with the id (a field that became
 * undefined is sent as null). Views are flat but for small arrays, compared as JSON.
 */
function patchOf(prev: object, next: object): string {
  const a = prev as Record<string, unknown>;
  const b = next as Record<string, unknown>;
  let out = `{"id":${JSON.stringify(b.id)}`;
  for (const k of Object.keys(b)) {
    if (k === 'id') continue;
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (typeof y === 'object' && y !== null) {
      const json = JSON.stringify(y);
      if (typeof x === 'object' && x !== null && JSON.stringify(x) === json) continue;
      out += `,"${k}":${json}`;
    } else {
      out += `,"${k}":${JSON.stringify(y ?? null)}`;
    }
  }
  for (const k of Object.keys(a)) {
    if (!(k in b) && a[k] !== undefined) out += `,"${k}":null`;
  }
  return out + '}';
}

/**
 * A delta message assembled from pre-serialized views (each view is stringified once): full
 * views of new entities, patches of known ones, ids of removed ones. `full` sends full views
 * only (coalesced deltas skip states the patches would build on).
 */
function deltaText(offset: number, now: string, items: Item[], full: boolean): string {
  const lists: Record<LiveKind, string[]> = { agents: [], queues: [], toasts: [] };
  const patches: Record<LiveKind, string[]> = { agents: [], queues: [], toasts: [] };
  const removed: Record<LiveKind, string[]> = { agents: [], queues: [], toasts: [] };
  for (const it of items) {
    if (it.json === null) removed[it.kind].push(JSON.stringify(it.id));
    else if (!full && it.patch !== null) patches[it.kind].push(it.patch);
    else lists[it.kind].push(it.json);
  }
  let s = `{"type":"delta","offset":${offset},"now":"${now}"`;
  if (full) s += ',"coalesced":true';
  for (const k of KINDS) if (lists[k].length > 0) s += `,"${k}":[${lists[k].join(',')}]`;
  const patched = KINDS.filter((k) => patches[k].length > 0);
  if (patched.length > 0) {
    s += `,"patches":{${patched.map((k) => `"${k}":[${patches[k].join(',')}]`).join(',')}}`;
  }
  const removedKinds = KINDS.filter((k) => removed[k].length > 0);
  if (removedKinds.length > 0) {
    s += `,"removed":{${removedKinds.map((k) => `"${k}":[${removed[k].join(',')}]`).join(',')}}`;
  }
  return s + '}';
}
