/**
 * The shapes of live state as clients see them: `GET /api/v1/agents` / `queues`, and the
 * snapshot and delta messages of the live hub (docs/live-protocol.md). The dashboard imports
 * these types too, so a change here is a change to the protocol.
 */

/** A conversation as it touches one agent. */
export interface AgentConversation {
  id: string;
  /** `voice`, `message`, `email`, `callback`, `chat`, … */
  media: string;
  /** The agent's leg: `alerting`, `connected`, `held`, `acw`. */
  state: string;
  queueId: string | undefined;
  /** The wrap-up code the agent picked: its name when reconciliation read it, else its id. */
  wrapupCode?: string;
}

/** An agent as the wallboard shows it. */
export interface AgentView {
  id: string;
  name: string | undefined;
  teamId: string | undefined;
  teamName: string | undefined;
  /** The user's division (`User.division.id`), when reconciliation has read it. */
  divisionId?: string | undefined;
  /** Queues the agent is a member of (from reconciliation). */
  queueIds: string[];
  loggedIn: boolean;
  /** System presence, upper case (FACTS §2.1): AVAILABLE, ON_QUEUE, BREAK, OFFLINE, … */
  presence: string | undefined;
  presenceDefinitionId: string | undefined;
  /** The org's label for the presence (secondary presence such as "Lunch"), when known. */
  presenceLabel: string | undefined;
  /** IDLE, INTERACTING, NOT_RESPONDING, COMMUNICATING, OFF_QUEUE. */
  routingStatus: string | undefined;
  /** The one label a tile shows: Idle, Alerting, Interacting, Wrap-up, Break, Lunch, Offline, … */
  label: string;
  /** When the labelled state began (ISO 8601, from the payloads' own times). */
  since: string | undefined;
  presenceSince: string | undefined;
  routingSince: string | undefined;
  conversations: AgentConversation[];
  /** Log offset of the last event that changed this agent. */
  offset: number;
}

/**
 * One metric of the org's own queue observations (`v2.analytics.queues.{id}.observations`), as
 * last observed: `media` null for the all-media group, `qualifier` null when the metric has none.
 */
export interface QueueObservationView {
  media: string | null;
  metric: string;
  qualifier: string | null;
  /** The metric's stats as sent (`count`, `max`, …). */
  stats: Record<string, number>;
  /** When it was observed (ISO). */
  at: string;
}

/**
 * The window a queue's windowed figures cover, on event time: the last `minutes`, or since
 * midnight in the org's `timeZone` (IANA; DST days are 23 or 25 hours long). `since`: the
 * window's start (ISO) as of the latest event; a `today` window starts over at the zone's
 * midnight.
 */
export type QueueWindowView =
  | { kind: 'rolling'; minutes: number; since: string }
  | { kind: 'today'; timeZone: string; since: string };

/** A queue tile. Windowed figures cover `window` (the last `windowMinutes` of event time). */
export interface QueueView {
  id: string;
  name: string | undefined;
  /** The queue's division (`Queue.division.id`), when reconciliation has read it. */
  divisionId?: string | undefined;
  mediaType: string | undefined;
  /** Conversations in queue, not yet alerting an agent. */
  waiting: number;
  /** When the longest-waiting conversation entered the queue (ISO), null when none waits. */
  oldestWaitingSince: string | null;
  /** Age of the longest wait when the view was made (REST); clients tick it from the above. */
  longestWaitMs: number;
  /** Conversations ringing an agent. */
  alerting: number;
  /** Conversations connected, held or in wrap-up. */
  interacting: number;
  /** All members, joined or not (REST `/members`). */
  members: number;
  /** Members joined to the queue: only they count in the figures below. */
  joined: number;
  /** Joined members on queue (logged in, presence On Queue). */
  onQueue: number;
  /** On-queue members by routing status. */
  idle: number;
  interactingAgents: number;
  notResponding: number;
  /** Answered within the window, and of those within the service-level threshold. */
  answered: number;
  answeredWithinThreshold: number;
  /** Customers who left while waiting or alerting, within the window. */
  abandoned: number;
  /**
   * answeredWithinThreshold / (answered + abandoned) over every media, each answer judged by its
   * own media's threshold; null when nothing was offered.
   */
  serviceLevel: number | null;
  /** The threshold of the queue's first media (call, callback, chat, email, message). */
  serviceLevelThresholdSec: number;
  /**
   * Sum of the waits (queued → answered, ms) of the `answered` in the window: the average speed
   * of answer is answerWaitMsTotal / answered (sum queues' totals and counts for a centre's).
   */
  answerWaitMsTotal: number;
  /**
   * Conversations of this queue whose handling ended within the window: an agent connected, and
   * the agent legs the queue routed are all done, wrap-up included when it is visible. Each
   * conversation counts once per queue (a transfer counts in each queue it was handled in); an
   * abandon, or a conversation whose end reconciliation could not see, counts none.
   */
  handled: number;
  /**
   * Sum of their handle times (ms, first agent connect in the queue → handling ended): the
   * average handle time is handleMsTotal / handled.
   */
  handleMsTotal: number;
  /** The same figures per media: the queue's media, then any other answered or abandoned. */
  byMedia: QueueMediaFigures[];
  /** The window's length in minutes; for `today`, minutes since the day began (rounded down). */
  windowMinutes: number;
  window: QueueWindowView;
  offset: number;
  /** The org's own observed figures, when observations arrived; each metric as last observed. */
  observations?: QueueObservationView[];
}

/** One media of a queue tile: its service level against its own threshold and target. */
export interface QueueMediaFigures {
  /** `voice`, `callback`, `chat`, `email`, `message`. */
  media: string;
  answered: number;
  answeredWithinThreshold: number;
  abandoned: number;
  serviceLevel: number | null;
  serviceLevelThresholdSec: number;
  /** The org's target share within the threshold (0..1), when the queue's settings give one. */
  serviceLevelTarget: number | null;
}

/** A ringing interaction for one agent: the desktop toast. */
export interface ToastView {
  /** `<conversationId>:<userId>`. */
  id: string;
  conversationId: string;
  userId: string;
  queueId: string | undefined;
  queueName: string | undefined;
  media: string;
  /** Customer name, when the payload has one. */
  caller: string | undefined;
  /** Customer address (ANI, e-mail address, …). */
  address: string | undefined;
  since: string;
  offset: number;
  /** The conversation's divisions (`divisions[].division.id`), when its events named them. */
  divisionIds?: string[];
}

export type LiveKind = 'agents' | 'queues' | 'toasts';
export const LIVE_KINDS: readonly LiveKind[] = ['agents', 'queues', 'toasts'];

/** Entities changed by a run of events: current views, and ids that no longer exist. */
export interface LiveChanges {
  agents: AgentView[];
  queues: QueueView[];
  toasts: ToastView[];
  removed: { agents: string[]; queues: string[]; toasts: string[] };
}

export interface SnapshotMessage {
  type: 'snapshot';
  offset: number;
  /** Server time (ISO): clients tick timers against it to cancel clock skew. */
  now: string;
  /** Why a snapshot came instead of a resume, when one was asked for. */
  reason?: 'resume-out-of-window' | 'resume-ahead';
  agents?: AgentView[];
  queues?: QueueView[];
  toasts?: ToastView[];
}

/** The fields of an entity that changed, with its id; a field that became undefined is null. */
export type Patch<T> = { id: string } & { [K in keyof T]?: T[K] | null };

export interface DeltaMessage {
  type: 'delta';
  offset: number;
  now: string;
  /** True when several deltas were merged to the latest state per key (slow client). */
  coalesced?: true;
  /** Full views: entities new to the client (or whose memberships changed). */
  agents?: AgentView[];
  queues?: QueueView[];
  toasts?: ToastView[];
  /** Changed fields of entities the client already holds: merge into them. */
  patches?: { agents?: Patch<AgentView>[]; queues?: Patch<QueueView>[] };
  removed?: { agents?: string[]; queues?: string[]; toasts?: string[] };
}

export interface ResumedMessage {
  type: 'resumed';
  /** The offset the client asked to resume after; missed deltas follow. */
  from: number;
  offset: number;
  now: string;
}

/** How recently one event source delivered events from Genesys (reconciliation not counted). */
export interface SourceFreshness {
  /** The source's name, as in `/readyz` `sources`: `stream`, `webhook`, `eventbridge`. */
  name: string;
  /** Milliseconds since the log last took events from it, as of `now`; null before the first. */
  ageMs: number | null;
}

export interface HeartbeatMessage {
  type: 'heartbeat';
  offset: number;
  now: string;
  /**
   * Freshness of the data behind the stream (absent from gateways that do not publish it): each
   * event source's age. With it, heartbeats come to busy clients too, once a heartbeat period.
   */
  sources?: SourceFreshness[];
  /** Agents logged in, floor-wide, as live state holds them (with `sources`). */
  agentsLoggedIn?: number;
  /**
   * Version of the settings every screen shares (`GET /api/v1/thresholds`, `/api/v1/boards`):
   * when it moves, refetch them. A change is announced at once by a heartbeat to every client.
   */
  settingsVersion?: number;
}

export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
}

export type LiveMessage =
  | SnapshotMessage
  | DeltaMessage
  | ResumedMessage
  | HeartbeatMessage
  | ErrorMessage
  | { type: 'pong'; now: string };
