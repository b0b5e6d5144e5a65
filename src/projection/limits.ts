import { truncateUtf8 } from '../protocol/close-codes.js';

/**
 * How much of an event's strings and lists live state keeps. Whatever the fold keeps is held in
 * memory and sent in every snapshot, so without bounds one hostile body (a sender with a valid
 * secret, or a compromised upstream) could make every snapshot megabytes. The log keeps the raw
 * body exact; only the projection is bounded. Real Genesys values are far inside these limits.
 *
 * What bounds the maps themselves: agents and queues exist only for ids that authenticated
 * events or the reconciler named, and a reconciliation drops those the org does not have (unless
 * an event since proves them); ended conversations are forgotten after 15 minutes of event time;
 * toasts exist only for ringing legs, so at most `legsPerAgent` per agent.
 */
export const LIMITS = {
  /** Ids used as keys (agent, queue, conversation, team, presence definition), in UTF-16 units: a longer one is not an id, and what it names is ignored (Genesys ids are 36-character UUIDs). */
  idChars: 256,
  /** Agent, team, queue and caller names, caller addresses and presence labels, in UTF-8 bytes: cut at a character boundary. */
  nameBytes: 256,
  /** Status words (presence, routing status, media type), in UTF-8 bytes: cut likewise. */
  codeBytes: 64,
  /** Agent participants read from one conversation body; the rest are ignored. */
  agentsPerConversation: 64,
  /** Conversation legs an agent holds; a new one pushes out the oldest. */
  legsPerAgent: 64,
  /** Queues an agent is a member of, and members a queue has; further memberships are ignored. */
  queuesPerAgent: 1000,
  membersPerQueue: 50_000,
  /** Queues one conversation's answer or abandon is counted in. */
  queuesPerConversation: 32,
  /** Conversations one reconcile run may name for one queue (observation details). */
  conversationsPerQueueSnapshot: 20_000,
  /** Divisions one conversation is said to be in (a conversation sits in its queue's, rarely more). */
  divisionsPerConversation: 8,
  /** The org's presence definitions (secondary presence labels) kept. */
  presenceDefinitions: 1000,
  /** The org's wrap-up code names kept (legs show the id of any other). */
  wrapupCodes: 5000,
} as const;

/** A usable key: a non-empty string of at most `idChars`; else undefined. */
export function boundedId(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && v.length <= LIMITS.idChars ? v : undefined;
}

/** A name or label cut to `nameBytes` of UTF-8; undefined when not a string. */
export function boundedName(v: unknown): string | undefined {
  return typeof v === 'string' ? truncateUtf8(v, LIMITS.nameBytes) : undefined;
}

/** A status word cut to `codeBytes` of UTF-8; undefined when not a string. */
export function boundedCode(v: unknown): string | undefined {
  return typeof v === 'string' ? truncateUtf8(v, LIMITS.codeBytes) : undefined;
}
