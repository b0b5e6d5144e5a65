import type { StoredEvent } from '../log/event-log.js';
import { getPath, isPlainObject } from '../util/objects.js';
import { timeOf } from '../util/time.js';
import { agentLabel, dominantLeg, normalizePresence } from './agent-label.js';
import { parseConversation, type LegState, type ParsedConversation } from './conversation-parse.js';
import type { AgentView, LiveChanges, QueueView, ToastView } from '../protocol/live-messages.js';
import { QueueWindow } from './queue-window.js';

export type { AgentView, QueueView, ToastView } from '../protocol/live-messages.js';

export interface LiveStateOptions {
  /** Default service-level threshold when a queue's own is not known (seconds). */
  serviceLevelThresholdSec?: number;
  /** Rolling window for answered / abandoned / service level (minutes of event time). */
  windowMinutes?: number;
}

interface AgentRecord {
  id: string;
  name: string | undefined;
  teamId: string | undefined;
  teamName: string | undefined;
  queueIds: Set<string>;
  loggedIn: boolean;
  presence: string | undefined;
  presenceDefinitionId: string | undefined;
  routingStatus: string | undefined;
  label: string;
  since: number | undefined;
  presenceAt: number;
  routingAt: number;
  /** Conversation legs by conversation id, with when the leg reached its state. */
  legs: Map<string, { media: string; state: LegState; queueId: string | undefined; at: number }>;
  offset: number;
  /** What this agent counts as in the tallies of its queues. */
  standing: Standing;
}

/** An agent as its queues count it: off queue, or on queue and idle / interacting / … */
type Standing = 'off' | 'idle' | 'interacting' | 'notResponding' | 'onQueue';

/**
 * Members of a queue by standing, kept as agents change and join or leave, so a queue's view
 * costs the same with 20 members or 2,000 (queue views are rebuilt for every batch that
 * touches one of their members).
 */
interface Tally {
  onQueue: number;
  idle: number;
  interacting: number;
  notResponding: number;
}

function standingOf(a: AgentRecord): Standing {
  if (!a.loggedIn || a.presence !== 'ON_QUEUE') return 'off';
  if (a.routingStatus === 'IDLE') return 'idle';
  if (a.routingStatus === 'INTERACTING') return 'interacting';
  if (a.routingStatus === 'NOT_RESPONDING') return 'notResponding';
  return 'onQueue';
}

function count(t: Tally, standing: Standing, by: 1 | -1): void {
  if (standing === 'off') return;
  t.onQueue += by;
  if (standing !== 'onQueue') t[standing] += by;
}

type Bucket = 'waiting' | 'alerting' | 'interacting' | 'ended';
const BUCKET_RANK: Record<Bucket, number> = { waiting: 0, alerting: 1, interacting: 2, ended: 3 };

interface ConversationRecord {
  id: string;
  at: number;
  bucket: Bucket;
  queueId: string | undefined;
  queueName: string | undefined;
  media: string;
  caller: string | undefined;
  address: string | undefined;
  queuedAt: number | undefined;
  userIds: Set<string>;
  /** Queues where this conversation's answer or abandon was already counted. */
  counted: Set<string>;
}

interface QueueRecord {
  id: string;
  name: string | undefined;
  mediaType: string | undefined;
  members: Set<string>;
  thresholdSec: number | undefined;
  waiting: Map<string, number>;
  alerting: Set<string>;
  interacting: Set<string>;
  window: QueueWindow;
  offset: number;
  tally: Tally;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Finished conversations are remembered this long so late events cannot revive them. */
const TOMBSTONE_MS = 15 * 60_000;

/**
 * The live state folded from the log: a pure function of the events in offset order. Agents,
 * queues, conversations and ringing toasts; an event older than the state it would change is
 * ignored, so redelivered or reordered events never make anything go back in time. Every change
 * marks the entities it touched; `drainChanges()` hands them to the live hub.
 */
export class LiveState {
  readonly #agents = new Map<string, AgentRecord>();
  readonly #queues = new Map<string, QueueRecord>();
  readonly #conversations = new Map<string, ConversationRecord>();
  readonly #toasts = new Map<string, ToastView>();
  /** Labels of presence definitions (the org's secondary presences), by definition id. */
  readonly #definitions = new Map<string, string>();
  readonly #dirty = {
    agents: new Set<string>(),
    queues: new Set<string>(),
    toasts: new Set<string>(),
  };
  readonly #thresholdSec: number;
  readonly #windowMs: number;
  /** Latest event time seen: the clock windows are measured on (replay gives the same figures). */
  #clock = 0;
  #applied = 0;

  constructor(options: LiveStateOptions = {}) {
    this.#thresholdSec = options.serviceLevelThresholdSec ?? 20;
    this.#windowMs = (options.windowMinutes ?? 30) * 60_000;
  }

  get clock(): number {
    return this.#clock;
  }

  agents(): AgentView[] {
    return [...this.#agents.values()].map((a) => this.#agentView(a));
  }

  agent(id: string): AgentView | undefined {
    const a = this.#agents.get(id);
    return a && this.#agentView(a);
  }

  queues(now = Math.max(Date.now(), this.#clock)): QueueView[] {
    return [...this.#queues.values()].map((q) => this.#queueView(q, now));
  }

  queue(id: string, now = Math.max(Date.now(), this.#clock)): QueueView | undefined {
    const q = this.#queues.get(id);
    return q && this.#queueView(q, now);
  }

  toasts(): ToastView[] {
    return [...this.#toasts.values()];
  }

  /** Team and queue memberships of an agent (for filtering), without building its view. */
  membership(
    id: string,
  ): { teamId: string | undefined; queueIds: ReadonlySet<string> } | undefined {
    const a = this.#agents.get(id);
    return a && { teamId: a.teamId, queueIds: a.queueIds };
  }

  /** Entities changed since the last call: current views, and ids that are gone. */
  drainChanges(): LiveChanges {
    const now = Math.max(Date.now(), this.#clock);
    const out: LiveChanges = {
      agents: [],
      queues: [],
      toasts: [],
      removed: { agents: [], queues: [], toasts: [] },
    };
    for (const id of this.#dirty.agents) {
      const a = this.#agents.get(id);
      if (a) out.agents.push(this.#agentView(a));
      else out.removed.agents.push(id);
    }
    for (const id of this.#dirty.queues) {
      const q = this.#queues.get(id);
      if (q) out.queues.push(this.#queueView(q, now));
      else out.removed.queues.push(id);
    }
    for (const id of this.#dirty.toasts) {
      const t = this.#toasts.get(id);
      if (t) out.toasts.push(t);
      else out.removed.toasts.push(id);
    }
    this.#dirty.agents.clear();
    this.#dirty.queues.clear();
    this.#dirty.toasts.clear();
    return out;
  }

  /** Applies one event; its changes accumulate until `drainChanges()`. */
  apply(event: StoredEvent): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(
        Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength).toString(
          'utf8',
        ),
      );
    } catch {
      return;
    }
    if (!isPlainObject(parsed)) return;
    const body = envelopeBody(parsed);
    const at = timeOf(event.occurredAt) ?? timeOf(event.receivedAt) ?? 0;
    if (at > this.#clock) this.#clock = at;
    if (++this.#applied % 5000 === 0) this.#sweep();
    const { userId, queueId } = event.subject;
    const offset = event.offset;
    switch (event.kind) {
      case 'user.presence':
        if (userId === undefined) return;
        return this.#presence(
          userId,
          getPath(body, 'presenceDefinition'),
          timeOf(body.modifiedDate) ?? at,
          offset,
        );
      case 'user.routing':
        if (userId === undefined) return;
        return this.#routing(
          userId,
          getPath(body, 'routingStatus.status'),
          timeOf(getPath(body, 'routingStatus.startTime')) ?? at,
          offset,
        );
      case 'user.activity':
        if (userId === undefined) return;
        this.#presence(
          userId,
          getPath(body, 'presence.presenceDefinition'),
          timeOf(getPath(body, 'presence.modifiedDate')) ?? at,
          offset,
        );
        return this.#routing(
          userId,
          getPath(body, 'routingStatus.status'),
          timeOf(getPath(body, 'routingStatus.startTime')) ?? at,
          offset,
        );
      case 'agent.state':
        if (userId === undefined) return;
        return this.#guideState(userId, parsed, at, offset);
      case 'queue.conversation':
      case 'user.conversation': {
        const conv = parseConversation(body);
        if (conv) this.#conversation(conv, at, offset);
        return;
      }
      case 'queue.member': {
        const member = getPath(body, 'user.id') ?? body.id;
        if (queueId !== undefined && typeof member === 'string') {
          const q = this.#queue(queueId, offset);
          if (!q.members.has(member)) this.#setMembers(q, [...q.members, member], offset);
        }
        return;
      }
      case 'queue.observation': {
        if (queueId === undefined) return;
        const q = this.#queue(queueId, offset);
        const media = getPath(body, 'group.mediaType');
        if (q.mediaType === undefined && typeof media === 'string') q.mediaType = media;
        return;
      }
      case 'reconcile.presence-definitions':
        return this.#reconcileDefinitions(body, offset);
      case 'reconcile.queue':
        return this.#reconcileQueue(body, offset);
      case 'reconcile.user':
        return this.#reconcileUser(body, at, offset);
      case 'reconcile.complete':
        return this.#reconcileComplete(body, offset);
      default:
        return;
    }
  }

  // ---- agents -------------------------------------------------------------------------------

  #record(id: string): AgentRecord {
    let a = this.#agents.get(id);
    if (!a) {
      a = {
        id,
        name: undefined,
        teamId: undefined,
        teamName: undefined,
        queueIds: new Set(),
        loggedIn: false,
        presence: undefined,
        presenceDefinitionId: undefined,
        routingStatus: undefined,
        label: 'Offline',
        since: undefined,
        presenceAt: -Infinity,
        routingAt: -Infinity,
        legs: new Map(),
        offset: 0,
        standing: 'off',
      };
      this.#agents.set(id, a);
    }
    return a;
  }

  #presence(id: string, definition: unknown, at: number, offset: number): void {
    const presence = normalizePresence(getPath(definition, 'systemPresence'));
    if (presence === undefined) return;
    const a = this.#record(id);
    if (at < a.presenceAt) return;
    a.presenceAt = at;
    a.presence = presence;
    const defId = getPath(definition, 'id');
    a.presenceDefinitionId = typeof defId === 'string' ? defId : undefined;
    a.loggedIn = presence !== 'OFFLINE';
    this.#relabel(a, offset);
  }

  #routing(id: string, status: unknown, at: number, offset: number): void {
    if (typeof status !== 'string' || status === '') return;
    const a = this.#record(id);
    if (at < a.routingAt) return;
    a.routingAt = at;
    a.routingStatus = status.toUpperCase();
    this.#relabel(a, offset);
  }

  /** The guides' agentStateChange (SEED-FORMATS §D): login status, state, substate. */
  #guideState(id: string, payload: Record<string, unknown>, at: number, offset: number): void {
    const a = this.#record(id);
    const name = getPath(payload, 'user.name');
    if (typeof name === 'string') a.name = name;
    if (at < a.presenceAt) return;
    const login = getPath(payload, 'user.login.status') ?? getPath(payload, 'login.status');
    const rawState = getPath(payload, 'user.state') ?? getPath(payload, 'state');
    const state = typeof rawState === 'string' ? rawState.toUpperCase() : '';
    const substate = getPath(payload, 'user.substate') ?? getPath(payload, 'substate');
    const onQueue = getPath(payload, 'user.onQueue');
    let presence: string;
    if (login === 'LOGGED_OUT') presence = 'OFFLINE';
    else if (typeof substate === 'string' && substate !== '')
      presence = normalizePresence(substate) ?? 'AVAILABLE';
    else if (state === 'AVAIL') presence = onQueue === true ? 'ON_QUEUE' : 'AVAILABLE';
    else presence = normalizePresence(state) ?? 'AVAILABLE';
    a.presenceAt = at;
    a.presence = presence;
    a.presenceDefinitionId = undefined;
    a.loggedIn = presence !== 'OFFLINE';
    const routing = getPath(payload, 'user.routingStatus');
    if (typeof routing === 'string' && at >= a.routingAt) {
      a.routingAt = at;
      a.routingStatus = routing.toUpperCase();
    }
    this.#relabel(a, offset);
  }

  #relabel(a: AgentRecord, offset: number): void {
    const leg = dominantLeg([...a.legs.values()].map((l) => l.state));
    const label = agentLabel({
      loggedIn: a.loggedIn,
      presence: a.presence ?? 'OFFLINE',
      presenceLabel: a.presenceDefinitionId
        ? this.#definitions.get(a.presenceDefinitionId)
        : undefined,
      routingStatus: a.routingStatus ?? 'OFF_QUEUE',
      conversation: leg,
    });
    a.offset = offset;
    this.#dirty.agents.add(a.id);
    const standing = standingOf(a);
    for (const id of a.queueIds) {
      const q = this.#queues.get(id);
      if (q && standing !== a.standing) {
        count(q.tally, a.standing, -1);
        count(q.tally, standing, 1);
      }
      this.#markQueue(id, offset);
    }
    a.standing = standing;
    if (label === a.label && a.since !== undefined) return;
    a.label = label;
    // The state began when the last of the things that make it up did.
    let since = a.presenceAt;
    if (a.presence === 'ON_QUEUE') {
      since = Math.max(since, a.routingAt);
      if (leg !== undefined && a.routingStatus === 'INTERACTING') {
        for (const l of a.legs.values()) if (l.state === leg) since = Math.max(since, l.at);
      }
    }
    a.since = Number.isFinite(since) ? since : undefined;
  }

  // ---- conversations and toasts -------------------------------------------------------------

  #conversation(conv: ParsedConversation, at: number, offset: number): void {
    const bucket: Bucket = conv.agents.some((l) => l.state === 'alerting')
      ? 'alerting'
      : conv.agents.some((l) => l.state !== 'done')
        ? 'interacting'
        : conv.waitingSince !== undefined
          ? 'waiting'
          : 'ended';
    let rec = this.#conversations.get(conv.id);
    const isNew = rec === undefined;
    if (rec) {
      // Older than what we know, or the same instant but behind it (reordered): ignore. An
      // ended conversation stays ended.
      if (at < rec.at || (at === rec.at && BUCKET_RANK[bucket] < BUCKET_RANK[rec.bucket])) return;
      if (rec.bucket === 'ended') return;
    } else {
      rec = {
        id: conv.id,
        at,
        bucket,
        queueId: undefined,
        queueName: undefined,
        media: conv.media,
        caller: undefined,
        address: undefined,
        queuedAt: undefined,
        userIds: new Set(),
        counted: new Set(),
      };
      this.#conversations.set(conv.id, rec);
    }
    const previous = isNew
      ? { bucket: undefined, queueId: undefined }
      : { bucket: rec.bucket, queueId: rec.queueId };
    rec.at = at;
    rec.media = conv.media;
    rec.queueId = conv.queueId ?? rec.queueId;
    rec.queueName = conv.queueName ?? rec.queueName;
    rec.caller = conv.customerName ?? rec.caller;
    rec.address = conv.customerAddress ?? rec.address;
    rec.queuedAt = conv.queuedAt ?? rec.queuedAt;
    rec.bucket = bucket;

    // Queue figures: move the conversation between the queue's buckets.
    if (previous.queueId !== undefined) {
      const q = this.#queues.get(previous.queueId);
      if (q) {
        q.waiting.delete(rec.id);
        q.alerting.delete(rec.id);
        q.interacting.delete(rec.id);
        this.#markQueue(q.id, offset);
      }
    }
    const q = rec.queueId !== undefined ? this.#queue(rec.queueId, offset) : undefined;
    if (q) {
      if (q.name === undefined && rec.queueName !== undefined) q.name = rec.queueName;
      if (bucket === 'waiting') q.waiting.set(rec.id, conv.waitingSince ?? at);
      else if (bucket === 'alerting') q.alerting.add(rec.id);
      else if (bucket === 'interacting') q.interacting.add(rec.id);
      this.#markQueue(q.id, offset);
      // Answered: an agent leg connected for the first time in this queue.
      const answered = conv.agents.find((l) => l.state === 'connected' || l.state === 'held');
      if (answered && !rec.counted.has(q.id)) {
        rec.counted.add(q.id);
        const answeredAt = answered.connectedAt ?? at;
        const waitMs = Math.max(0, answeredAt - (rec.queuedAt ?? answeredAt));
        q.window.add(
          at,
          waitMs <= (q.thresholdSec ?? this.#thresholdSec) * 1000 ? 'within' : 'late',
        );
      } else if (
        bucket === 'ended' &&
        (previous.bucket === 'waiting' || previous.bucket === 'alerting') &&
        !rec.counted.has(q.id)
      ) {
        rec.counted.add(q.id);
        q.window.add(at, 'abandoned');
      }
    }

    // Agents: each agent leg in the body; agents no longer on it lose it.
    const seen = new Set<string>();
    for (const leg of conv.agents) {
      seen.add(leg.userId);
      this.#setLeg(rec, leg.userId, bucket === 'ended' ? 'done' : leg.state, at, offset);
    }
    for (const userId of rec.userIds) {
      if (!seen.has(userId)) this.#setLeg(rec, userId, 'done', at, offset);
    }
  }

  #setLeg(rec: ConversationRecord, userId: string, state: LegState, at: number, offset: number) {
    const a = this.#record(userId);
    const before = a.legs.get(rec.id);
    if (state === 'done') {
      rec.userIds.delete(userId);
      if (before) a.legs.delete(rec.id);
    } else {
      rec.userIds.add(userId);
      if (before?.state !== state)
        a.legs.set(rec.id, { media: rec.media, state, queueId: rec.queueId, at });
    }
    const toastId = `${rec.id}:${userId}`;
    if (state === 'alerting') {
      if (!this.#toasts.has(toastId)) {
        this.#toasts.set(toastId, {
          id: toastId,
          conversationId: rec.id,
          userId,
          queueId: rec.queueId,
          queueName:
            rec.queueName ??
            (rec.queueId !== undefined ? this.#queues.get(rec.queueId)?.name : undefined),
          media: rec.media,
          caller: rec.caller,
          address: rec.address,
          since: iso(at),
          offset,
        });
        this.#dirty.toasts.add(toastId);
      }
    } else if (this.#toasts.delete(toastId)) {
      this.#dirty.toasts.add(toastId);
    }
    if (before?.state !== (state === 'done' ? undefined : state)) this.#relabel(a, offset);
  }

  // ---- queues -------------------------------------------------------------------------------

  #queue(id: string, offset: number): QueueRecord {
    let q = this.#queues.get(id);
    if (!q) {
      q = {
        id,
        name: undefined,
        mediaType: undefined,
        members: new Set(),
        thresholdSec: undefined,
        waiting: new Map(),
        alerting: new Set(),
        interacting: new Set(),
        window: new QueueWindow(this.#windowMs),
        offset,
        tally: { onQueue: 0, idle: 0, interacting: 0, notResponding: 0 },
      };
      this.#queues.set(id, q);
      this.#dirty.queues.add(id);
    }
    return q;
  }

  #markQueue(id: string, offset: number): void {
    const q = this.#queues.get(id);
    if (!q) return;
    q.offset = offset;
    this.#dirty.queues.add(id);
  }

  #setMembers(q: QueueRecord, ids: Iterable<string>, offset: number): void {
    const next = new Set(ids);
    for (const id of q.members) {
      if (next.has(id)) continue;
      const a = this.#agents.get(id);
      if (a) count(q.tally, a.standing, -1);
      if (a?.queueIds.delete(q.id)) {
        a.offset = offset;
        this.#dirty.agents.add(id);
      }
    }
    for (const id of next) {
      const a = this.#record(id);
      if (!q.members.has(id)) count(q.tally, a.standing, 1);
      if (!a.queueIds.has(q.id)) {
        a.queueIds.add(q.id);
        a.offset = offset;
        this.#dirty.agents.add(id);
      }
    }
    q.members = next;
    this.#markQueue(q.id, offset);
  }

  // ---- reconciliation (REST snapshots appended as `reconcile.*` events) ---------------------

  #reconcileDefinitions(body: Record<string, unknown>, offset: number): void {
    const entities = Array.isArray(body.entities) ? (body.entities as unknown[]) : [];
    for (const d of entities) {
      if (!isPlainObject(d) || typeof d.id !== 'string') continue;
      const label = getPath(d, 'languageLabels.en_US') ?? d.name;
      if (typeof label === 'string' && label !== '') this.#definitions.set(d.id, label);
    }
    for (const a of this.#agents.values()) {
      if (a.presenceDefinitionId !== undefined) this.#relabel(a, offset);
    }
  }

  #reconcileQueue(body: Record<string, unknown>, offset: number): void {
    const queue = isPlainObject(body.queue) ? body.queue : undefined;
    if (!queue || typeof queue.id !== 'string') return;
    const q = this.#queue(queue.id, offset);
    if (typeof queue.name === 'string') q.name = queue.name;
    const settings = isPlainObject(queue.mediaSettings) ? queue.mediaSettings : {};
    const [media, setting] = Object.entries(settings)[0] ?? [];
    if (media !== undefined) q.mediaType = media === 'call' ? 'voice' : media;
    const slMs = getPath(setting, 'serviceLevel.durationMs');
    if (typeof slMs === 'number' && slMs > 0) q.thresholdSec = slMs / 1000;
    const members = Array.isArray(body.members) ? (body.members as unknown[]) : [];
    this.#setMembers(
      q,
      members.flatMap((m) => (isPlainObject(m) && typeof m.id === 'string' ? [m.id] : [])),
      offset,
    );
  }

  #reconcileUser(body: Record<string, unknown>, at: number, offset: number): void {
    if (typeof body.id !== 'string') return;
    const a = this.#record(body.id);
    if (typeof body.name === 'string') a.name = body.name;
    const team = isPlainObject(body.team) ? body.team : undefined;
    a.teamId = typeof team?.id === 'string' ? team.id : undefined;
    a.teamName = typeof team?.name === 'string' ? team.name : undefined;
    a.offset = offset;
    this.#dirty.agents.add(a.id);
    this.#presence(
      a.id,
      getPath(body, 'presence.presenceDefinition'),
      timeOf(getPath(body, 'presence.modifiedDate')) ?? at,
      offset,
    );
    this.#routing(
      a.id,
      getPath(body, 'routingStatus.status'),
      timeOf(getPath(body, 'routingStatus.startTime')) ?? at,
      offset,
    );
  }

  /** Users and queues the org no longer has are dropped, unless an event since proves them. */
  #reconcileComplete(body: Record<string, unknown>, offset: number): void {
    const startedAt = timeOf(body.startedAt);
    if (startedAt === undefined) return;
    const users = new Set(stringList(body.userIds));
    const queues = new Set(stringList(body.queueIds));
    if (Array.isArray(body.userIds)) {
      for (const a of [...this.#agents.values()]) {
        if (users.has(a.id) || Math.max(a.presenceAt, a.routingAt) >= startedAt) continue;
        this.#agents.delete(a.id);
        this.#dirty.agents.add(a.id);
        for (const qid of a.queueIds) {
          const q = this.#queues.get(qid);
          if (q?.members.delete(a.id)) count(q.tally, a.standing, -1);
          this.#markQueue(qid, offset);
        }
      }
    }
    if (Array.isArray(body.queueIds)) {
      for (const q of [...this.#queues.values()]) {
        if (queues.has(q.id) || q.waiting.size + q.alerting.size + q.interacting.size > 0) continue;
        this.#queues.delete(q.id);
        this.#dirty.queues.add(q.id);
        for (const id of q.members) {
          const a = this.#agents.get(id);
          if (a?.queueIds.delete(q.id)) this.#dirty.agents.add(id);
        }
      }
    }
  }

  // ---- views and housekeeping ---------------------------------------------------------------

  #agentView(a: AgentRecord): AgentView {
    return {
      id: a.id,
      name: a.name,
      teamId: a.teamId,
      teamName: a.teamName,
      queueIds: [...a.queueIds],
      loggedIn: a.loggedIn,
      presence: a.presence,
      presenceDefinitionId: a.presenceDefinitionId,
      presenceLabel: a.presenceDefinitionId
        ? this.#definitions.get(a.presenceDefinitionId)
        : undefined,
      routingStatus: a.routingStatus,
      label: a.label,
      since: a.since === undefined ? undefined : iso(a.since),
      presenceSince: Number.isFinite(a.presenceAt) ? iso(a.presenceAt) : undefined,
      routingSince: Number.isFinite(a.routingAt) ? iso(a.routingAt) : undefined,
      conversations: [...a.legs].map(([id, l]) => ({
        id,
        media: l.media,
        state: l.state,
        queueId: l.queueId,
      })),
      offset: a.offset,
    };
  }

  #queueView(q: QueueRecord, now: number): QueueView {
    let oldest = Infinity;
    for (const since of q.waiting.values()) if (since < oldest) oldest = since;
    const w = q.window.figures(this.#clock);
    const offered = w.answered + w.abandoned;
    return {
      id: q.id,
      name: q.name,
      mediaType: q.mediaType,
      waiting: q.waiting.size,
      oldestWaitingSince: q.waiting.size === 0 ? null : iso(oldest),
      longestWaitMs: q.waiting.size === 0 ? 0 : Math.max(0, now - oldest),
      alerting: q.alerting.size,
      interacting: q.interacting.size,
      members: q.members.size,
      onQueue: q.tally.onQueue,
      idle: q.tally.idle,
      interactingAgents: q.tally.interacting,
      notResponding: q.tally.notResponding,
      answered: w.answered,
      answeredWithinThreshold: w.within,
      abandoned: w.abandoned,
      serviceLevel: offered === 0 ? null : w.within / offered,
      serviceLevelThresholdSec: q.thresholdSec ?? this.#thresholdSec,
      windowMinutes: this.#windowMs / 60_000,
      offset: q.offset,
    };
  }

  /** Forgets finished conversations long past (their late events are then ignored by time). */
  #sweep(): void {
    const horizon = this.#clock - TOMBSTONE_MS;
    for (const [id, c] of this.#conversations) {
      if (c.bucket === 'ended' && c.at < horizon) this.#conversations.delete(id);
    }
  }
}

/** The topic body, whether the event came as a Notification envelope or inside EventBridge. */
function envelopeBody(parsed: Record<string, unknown>): Record<string, unknown> {
  const inner = isPlainObject(parsed.detail) ? parsed.detail : parsed;
  return isPlainObject(inner.eventBody) ? inner.eventBody : inner;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
