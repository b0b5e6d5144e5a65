import type { LiveKind } from '../protocol/live-messages.js';

/** A changed entity, serialized once, with what filters need to route it. */
export interface Item {
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
  /** The agent's or queue's division: division-scoped groups route by it. */
  divisionId?: string | undefined;
  /** A toast's conversation divisions: a division-scoped group sees it by these too. */
  divisionIds?: readonly string[] | undefined;
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

export const KINDS: readonly LiveKind[] = ['agents', 'queues', 'toasts'];

export function gone(
  kind: LiveKind,
  id: string,
  userId: string | undefined,
  queueIds: string[],
): Item {
  return { kind, id, json: null, patch: null, view: null, userId, teamId: undefined, queueIds };
}

/**
 * The fields of `next` that differ from `prev`, as JSON with the id (a field that became
 * undefined is sent as null). Views are flat but for small arrays, compared as JSON.
 */
export function patchOf(prev: object, next: object): string {
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
export function deltaText(offset: number, now: string, items: Item[], full: boolean): string {
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
