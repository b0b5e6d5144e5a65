import type {
  AgentView,
  DeltaMessage,
  LiveKind,
  LiveMessage,
  QueueView,
  SnapshotMessage,
  ToastView,
} from '@protocol/live-messages.js';
import { freshnessOf, type Freshness, type SourceReport } from '../lib/freshness.js';

/** Schedules one flush of change notifications (the browser: the next animation frame). */
export type FlushScheduler = (flush: () => void) => void;

/** What the store's listeners can tell apart without diffing the maps. */
export interface StoreVersions {
  agents: number;
  queues: number;
  toasts: number;
  /** Offset, clock, last-message time, snapshot count. */
  meta: number;
}

export interface LiveStoreOptions {
  /** Defaults to flushing synchronously (tests, Node). */
  schedule?: FlushScheduler;
  /** Client clock in ms (tests pass a fake one). */
  clock?: () => number;
}

/** A skew sample further than this from the current estimate replaces it instead of blending. */
const SKEW_RESET_MS = 5_000;

/**
 * The live state a client holds, outside React: maps by id, applied from the hub's messages
 * (docs/live-protocol.md). Listeners are told at most once per scheduled flush, however many
 * messages arrived, and each kind has its own version so a view re-renders only for what it shows.
 */
export class LiveStore {
  readonly agents = new Map<string, AgentView>();
  readonly queues = new Map<string, QueueView>();
  readonly toasts = new Map<string, ToastView>();
  /** Offset of the last snapshot or delta applied: what a reconnect resumes after. */
  offset: number | undefined;
  /** Server clock minus client clock (ms), from each message's `now`. */
  skewMs = 0;
  /** Client-clock time of the last message of any type, heartbeats included. */
  lastMessageAt: number | undefined;
  /** Snapshots applied (0 until the first one: the views show "loading"). */
  snapshots = 0;
  /** Why the last snapshot came instead of a resume, if it did. */
  lastSnapshotReason: SnapshotMessage['reason'];
  /** The version of the settings every screen shares (thresholds, boards), from heartbeats. */
  settingsVersion: number | undefined;
  /** The sources' ages the last heartbeat published (gateways that publish them). */
  sourceReport: SourceReport | undefined;
  readonly versions: StoreVersions = { agents: 0, queues: 0, toasts: 0, meta: 0 };

  readonly #listeners = new Set<() => void>();
  readonly #schedule: FlushScheduler;
  readonly #clock: () => number;
  #flushPending = false;
  #skewKnown = false;

  constructor(options: LiveStoreOptions = {}) {
    this.#schedule = options.schedule ?? ((flush) => flush());
    this.#clock = options.clock ?? Date.now;
  }

  /** For `useSyncExternalStore`: arrow so it can be passed unbound. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The server's clock now, from the client clock and the measured skew. */
  serverNow(clientNow = this.#clock()): number {
    return clientNow + this.skewMs;
  }

  /** Milliseconds since any message arrived; undefined before the first. */
  silenceMs(clientNow = this.#clock()): number | undefined {
    return this.lastMessageAt === undefined ? undefined : clientNow - this.lastMessageAt;
  }

  /** How fresh the data is, on the link and at the source (lib/freshness.ts). */
  freshness(clientNow = this.#clock()): Freshness {
    const report = this.sourceReport;
    return freshnessOf({
      clientNow,
      skewMs: this.skewMs,
      lastMessageAt: this.lastMessageAt,
      report,
      agentsLoggedIn: report?.agentsLoggedIn === undefined ? this.#loggedIn() : 0,
    });
  }

  /**
   * The server's clock for timers: `serverNow`, except while the data is stale, when it stops
   * where the data went stale (a timer must not count on from data that may be wrong).
   */
  timerNow(clientNow = this.#clock()): number {
    const now = this.serverNow(clientNow);
    const { frozenAt } = this.freshness(clientNow);
    return frozenAt === undefined ? now : Math.min(now, frozenAt);
  }

  #loggedIn(): number {
    let n = 0;
    for (const a of this.agents.values()) if (a.loggedIn) n++;
    return n;
  }

  /** Applies one message from the hub. Returns false for a message that changed nothing. */
  apply(message: LiveMessage, receivedAt = this.#clock()): boolean {
    this.lastMessageAt = receivedAt;
    this.versions.meta++;
    if ('now' in message) this.#observeClock(message.now, receivedAt);
    let changed = true;
    switch (message.type) {
      case 'snapshot':
        this.#snapshot(message);
        break;
      case 'delta':
        changed = this.#delta(message);
        break;
      case 'resumed':
        // The missed deltas follow, each with its own offset: the offset to resume from stays
        // where it is until they arrive (a drop now must not skip them), and so does the state.
        break;
      case 'heartbeat':
        if (typeof message.settingsVersion === 'number') {
          this.settingsVersion = message.settingsVersion;
        }
        if (Array.isArray(message.sources) && Number.isFinite(Date.parse(message.now))) {
          this.sourceReport = {
            sources: message.sources,
            agentsLoggedIn:
              typeof message.agentsLoggedIn === 'number' ? message.agentsLoggedIn : undefined,
            serverAt: Date.parse(message.now),
          };
        }
        break;
      case 'pong':
      case 'error':
        break;
    }
    this.#changed();
    return changed;
  }

  /** Forgets everything (a new filter). */
  clear(): void {
    this.agents.clear();
    this.queues.clear();
    this.toasts.clear();
    this.offset = undefined;
    this.snapshots = 0;
    this.lastMessageAt = undefined;
    this.lastSnapshotReason = undefined;
    this.sourceReport = undefined;
    this.#bump('agents', 'queues', 'toasts', 'meta');
    this.#changed();
  }

  #snapshot(message: SnapshotMessage): void {
    // Empty lists are left out of messages: a missing list is an empty one.
    replaceAll(this.agents, message.agents);
    replaceAll(this.queues, message.queues);
    replaceAll(this.toasts, message.toasts);
    this.offset = message.offset;
    this.snapshots++;
    this.lastSnapshotReason = message.reason;
    this.#bump('agents', 'queues', 'toasts');
  }

  #delta(message: DeltaMessage): boolean {
    // An older delta than the state already holds (a resend across a resume) changes nothing.
    if (this.offset !== undefined && message.offset < this.offset) return false;
    if (upsert(this.agents, message.agents)) this.#bump('agents');
    if (upsert(this.queues, message.queues)) this.#bump('queues');
    if (upsert(this.toasts, message.toasts)) this.#bump('toasts');
    const patches = message.patches;
    if (patches) {
      if (merge(this.agents, patches.agents)) this.#bump('agents');
      if (merge(this.queues, patches.queues)) this.#bump('queues');
    }
    const removed = message.removed;
    if (removed) {
      if (remove(this.agents, removed.agents)) this.#bump('agents');
      if (remove(this.queues, removed.queues)) this.#bump('queues');
      if (remove(this.toasts, removed.toasts)) this.#bump('toasts');
    }
    this.offset = message.offset;
    return true;
  }

  #observeClock(now: string, receivedAt: number): void {
    const server = Date.parse(now);
    if (!Number.isFinite(server)) return;
    const sample = server - receivedAt;
    // Blend to smooth network jitter; jump when the clocks really moved (sleep, NTP step).
    if (!this.#skewKnown || Math.abs(sample - this.skewMs) > SKEW_RESET_MS) {
      this.skewMs = sample;
      this.#skewKnown = true;
    } else {
      this.skewMs = Math.round(this.skewMs * 0.8 + sample * 0.2);
    }
  }

  #bump(...kinds: (LiveKind | 'meta')[]): void {
    for (const k of kinds) this.versions[k]++;
  }

  #changed(): void {
    if (this.#flushPending) return;
    this.#flushPending = true;
    this.#schedule(() => {
      this.#flushPending = false;
      for (const listener of [...this.#listeners]) listener();
    });
  }
}

interface Versioned {
  id: string;
  offset: number;
}

function replaceAll<T extends Versioned>(map: Map<string, T>, items: T[] | undefined): void {
  map.clear();
  for (const item of items ?? []) map.set(item.id, item);
}

/** Replaces entities by id; an entity older than the one held is kept out. */
function upsert<T extends Versioned>(map: Map<string, T>, items: T[] | undefined): boolean {
  let changed = false;
  for (const item of items ?? []) {
    const held = map.get(item.id);
    if (held !== undefined && held.offset > item.offset) continue;
    map.set(item.id, item);
    changed = true;
  }
  return changed;
}

/**
 * Merges changed fields into held entities (a new object, so React sees the change); null
 * means the field is gone. A patch for an entity not held cannot be built on and is skipped
 * (the hub sends full views for entities new to a client).
 */
function merge<T extends Versioned>(
  map: Map<string, T>,
  patches: ({ id: string } & { [K in keyof T]?: T[K] | null })[] | undefined,
): boolean {
  let changed = false;
  for (const patch of patches ?? []) {
    const held = map.get(patch.id);
    if (held === undefined) continue;
    if (typeof patch.offset === 'number' && held.offset > patch.offset) continue;
    const next = { ...held } as Record<string, unknown>;
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    map.set(patch.id, next as unknown as T);
    changed = true;
  }
  return changed;
}

function remove(map: Map<string, unknown>, ids: string[] | undefined): boolean {
  let changed = false;
  for (const id of ids ?? []) changed = map.delete(id) || changed;
  return changed;
}
