import type { LiveChanges, LiveKind } from '../protocol/live-messages.js';
import type { Group } from './hub-groups.js';
import { KINDS, gone, patchOf, type Item } from './hub-items.js';

/** Memberships of an agent (teams, queues), to route its toasts. */
export type Membership = (
  userId: string,
) =>
  | { teamId: string | undefined; divisionId?: string | undefined; queueIds: ReadonlySet<string> }
  | undefined;

/**
 * The latest item per entity: changes are serialized and diffed against it (patches), and
 * snapshots are cut from it, once per group and hub offset.
 */
export class CurrentViews {
  readonly #current: Record<LiveKind, Map<string, Item>> = {
    agents: new Map(),
    queues: new Map(),
    toasts: new Map(),
  };

  constructor(readonly membership: Membership) {}

  /** Agents whose current view says logged in. */
  loggedInAgents(): number {
    let n = 0;
    for (const it of this.#current.agents.values()) {
      if ((it.view as { loggedIn?: unknown } | null)?.loggedIn === true) n++;
    }
    return n;
  }

  /**
   * A run of changes as items: each view serialized once, with a patch against the entity's
   * current view when a client holding it can take one.
   */
  itemsOf(changes: LiveChanges): Item[] {
    const items: Item[] = [];
    for (const a of changes.agents) {
      const prev = this.#current.agents.get(a.id)?.view as typeof a | undefined;
      const sameMembership =
        prev !== undefined &&
        prev.teamId === a.teamId &&
        prev.divisionId === a.divisionId &&
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
        divisionId: a.divisionId,
        queueIds: a.queueIds,
      };
      if (prev !== undefined && !sameMembership) {
        it.former = {
          ...it,
          view: null,
          teamId: prev.teamId,
          divisionId: prev.divisionId,
          queueIds: prev.queueIds,
        };
      }
      items.push(it);
    }
    for (const q of changes.queues) {
      const prev = this.#current.queues.get(q.id)?.view as typeof q | undefined;
      items.push({
        kind: 'queues',
        id: q.id,
        json: JSON.stringify(q),
        patch: prev ? patchOf(prev, q) : null,
        view: q,
        userId: undefined,
        teamId: undefined,
        divisionId: q.divisionId,
        queueIds: [q.id],
      });
    }
    for (const t of changes.toasts) {
      items.push(this.#toastItem(t.id, t.userId, JSON.stringify(t), t.divisionIds));
    }
    for (const id of changes.removed.agents) items.push(gone('agents', id, id, []));
    for (const id of changes.removed.queues) items.push(gone('queues', id, undefined, [id]));
    for (const id of changes.removed.toasts) {
      // The removal goes where the toast went: by its conversation's divisions too.
      const divisionIds = this.#current.toasts.get(id)?.divisionIds;
      items.push(this.#toastItem(id, id.slice(id.lastIndexOf(':') + 1), null, divisionIds));
    }
    return items;
  }

  /** Makes these items the current ones. */
  update(items: Item[]): void {
    for (const it of items) {
      const current = this.#current[it.kind];
      // Only the current item's view is diffed against; the replaced one lives on in the
      // history as JSON alone.
      const replaced = current.get(it.id);
      if (replaced) replaced.view = null;
      if (it.json === null) current.delete(it.id);
      else current.set(it.id, it);
    }
  }

  /** A snapshot for the group as of `offset` (the hub's), its body cached until that moves. */
  snapshotText(g: Group, offset: number, now: string, reason: string | undefined): string {
    if (g.cache?.offset !== offset) {
      let body = '';
      for (const k of KINDS) {
        if (!g.filter.kinds.has(k)) continue;
        const list: string[] = [];
        for (const it of this.#candidates(g, k)) {
          if (it.json !== null && g.matches(it)) list.push(it.json);
        }
        body += `,"${k}":[${list.join(',')}]`;
      }
      g.cache = { offset, body };
    }
    return (
      `{"type":"snapshot","offset":${offset},"now":"${now}"` +
      (reason ? `,"reason":"${reason}"` : '') +
      g.cache.body +
      '}'
    );
  }

  /**
   * What a group's snapshot of one kind is cut from. Groups seldom share a filter that names
   * ids, so each such client's snapshot is made for it alone: by its ids when it names fewer
   * than there are entities, not by a pass over the whole floor per client.
   */
  #candidates(g: Group, kind: LiveKind): Iterable<Item> {
    const all = this.#current[kind];
    const f = g.filter;
    const ids =
      kind === 'queues'
        ? f.queues
        : kind === 'agents' && f.queues === undefined && f.teams === undefined
          ? f.users
          : undefined;
    if (ids === undefined || ids.size >= all.size) return all.values();
    const found: Item[] = [];
    for (const id of ids) {
      const it = all.get(id);
      if (it) found.push(it);
    }
    return found;
  }

  #toastItem(
    id: string,
    userId: string,
    json: string | null,
    divisionIds: readonly string[] | undefined,
  ): Item {
    const m = this.membership(userId);
    return {
      kind: 'toasts',
      id,
      json,
      patch: null,
      view: null,
      userId,
      teamId: m?.teamId,
      divisionId: m?.divisionId,
      divisionIds,
      queueIds: m ? [...m.queueIds] : [],
    };
  }
}
