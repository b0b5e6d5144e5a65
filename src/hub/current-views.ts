import type { LiveChanges, LiveKind } from '../protocol/live-messages.js';
import type { Group } from './hub-groups.js';
import { KINDS, gone, patchOf, type Item } from './hub-items.js';

/** Memberships of an agent (teams, queues), to route its toasts. */
export type Membership = (
  userId: string,
) => { teamId: string | undefined; queueIds: ReadonlySet<string> } | undefined;

/**
 * The latest item per entity: changes are serialized and diffed against it (patches), and
 * snapshots are cut from it, once per group and hub offset.
 */
export class CurrentViews {
  readonly #current = new Map<string, Item>();

  constructor(readonly membership: Membership) {}

  /**
   * A run of changes as items: each view serialized once, with a patch against the entity's
   * current view when a client holding it can take one.
   */
  itemsOf(changes: LiveChanges): Item[] {
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
    return items;
  }

  /** Makes these items the current ones. */
  update(items: Item[]): void {
    for (const it of items) {
      const key = `${it.kind}:${it.id}`;
      // Only the current item's view is diffed against; the replaced one lives on in the
      // history as JSON alone.
      const replaced = this.#current.get(key);
      if (replaced) replaced.view = null;
      if (it.json === null) this.#current.delete(key);
      else this.#current.set(key, it);
    }
  }

  /** A snapshot for the group as of `offset` (the hub's), its body cached until that moves. */
  snapshotText(g: Group, offset: number, now: string, reason: string | undefined): string {
    if (g.cache?.offset !== offset) {
      const lists: Record<LiveKind, string[]> = { agents: [], queues: [], toasts: [] };
      for (const it of this.#current.values()) {
        if (it.json !== null && g.matches(it)) lists[it.kind].push(it.json);
      }
      let body = '';
      for (const k of KINDS) if (g.filter.kinds.has(k)) body += `,"${k}":[${lists[k].join(',')}]`;
      g.cache = { offset, body };
    }
    return (
      `{"type":"snapshot","offset":${offset},"now":"${now}"` +
      (reason ? `,"reason":"${reason}"` : '') +
      g.cache.body +
      '}'
    );
  }

  #toastItem(id: string, userId: string, json: string | null): Item {
    const m = this.membership(userId);
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
}
