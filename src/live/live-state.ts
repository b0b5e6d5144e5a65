import type { StoredEvent } from '../log/event-log.js';
import { getPath, isPlainObject } from '../util/objects.js';
import { agentLabel, normalizePresence } from './agent-label.js';

/** An agent as the wallboard shows it. Fields stay undefined until an event tells them. */
export interface AgentView {
  id: string;
  name: string | undefined;
  loggedIn: boolean;
  /** System presence, upper case (FACTS §2.1). */
  presence: string | undefined;
  presenceDefinitionId: string | undefined;
  routingStatus: string | undefined;
  /** The one label a tile shows (Idle, Interacting, Break, Lunch, Offline, …). */
  label: string;
  /** When the labelled state began (ISO), from the payloads' own times. */
  since: string | undefined;
  presenceSince: string | undefined;
  routingSince: string | undefined;
  /** Log offset of the last event that changed this agent. */
  offset: number;
}

interface AgentRecord extends AgentView {
  presenceAt: number;
  routingAt: number;
}

/**
 * The live state folded from the log: a pure function of the events, in offset order. An event
 * older than the state it would change is ignored, so redelivered or reordered events never make
 * an agent go back in time.
 */
export class LiveState {
  readonly #agents = new Map<string, AgentRecord>();
  /** Labels of presence definitions (the org's secondary presences), by definition id. */
  readonly #definitions = new Map<string, string>();

  agents(): AgentView[] {
    return [...this.#agents.values()].map(view);
  }

  agent(id: string): AgentView | undefined {
    const a = this.#agents.get(id);
    return a && view(a);
  }

  /** Applies one event; returns the ids of the agents whose view changed. */
  apply(event: StoredEvent): string[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(
        Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength).toString(
          'utf8',
        ),
      );
    } catch {
      return [];
    }
    if (!isPlainObject(parsed)) return [];
    const body = envelopeBody(parsed);
    const at = timeOf(event.occurredAt) ?? timeOf(event.receivedAt) ?? 0;
    const userId = event.subject.userId;
    if (userId === undefined) return [];
    switch (event.kind) {
      case 'user.presence':
        return this.#presence(
          userId,
          body,
          getPath(body, 'presenceDefinition'),
          timeOf(body.modifiedDate) ?? at,
          event.offset,
        );
      case 'user.routing':
        return this.#routing(
          userId,
          getPath(body, 'routingStatus.status'),
          timeOf(getPath(body, 'routingStatus.startTime')) ?? at,
          event.offset,
        );
      case 'user.activity': {
        const changed = this.#presence(
          userId,
          body,
          getPath(body, 'presence.presenceDefinition'),
          timeOf(getPath(body, 'presence.modifiedDate')) ?? at,
          event.offset,
        );
        const routed = this.#routing(
          userId,
          getPath(body, 'routingStatus.status'),
          timeOf(getPath(body, 'routingStatus.startTime')) ?? at,
          event.offset,
        );
        return [...new Set([...changed, ...routed])];
      }
      case 'agent.state':
        return this.#guideState(userId, parsed, at, event.offset);
      default:
        return [];
    }
  }

  #record(id: string): AgentRecord {
    let a = this.#agents.get(id);
    if (!a) {
      a = {
        id,
        name: undefined,
        loggedIn: false,
        presence: undefined,
        presenceDefinitionId: undefined,
        routingStatus: undefined,
        label: 'Offline',
        since: undefined,
        presenceSince: undefined,
        routingSince: undefined,
        offset: 0,
        presenceAt: -Infinity,
        routingAt: -Infinity,
      };
      this.#agents.set(id, a);
    }
    return a;
  }

  #presence(
    id: string,
    _body: Record<string, unknown>,
    definition: unknown,
    at: number,
    offset: number,
  ): string[] {
    const presence = normalizePresence(getPath(definition, 'systemPresence'));
    if (presence === undefined) return [];
    const a = this.#record(id);
    if (at < a.presenceAt) return [];
    a.presenceAt = at;
    a.presence = presence;
    const defId = getPath(definition, 'id');
    a.presenceDefinitionId = typeof defId === 'string' ? defId : undefined;
    a.loggedIn = presence !== 'OFFLINE';
    a.presenceSince = new Date(at).toISOString();
    return this.#relabel(a, offset);
  }

  #routing(id: string, status: unknown, at: number, offset: number): string[] {
    if (typeof status !== 'string' || status === '') return [];
    const a = this.#record(id);
    if (at < a.routingAt) return [];
    a.routingAt = at;
    a.routingStatus = status.toUpperCase();
    a.routingSince = new Date(at).toISOString();
    return this.#relabel(a, offset);
  }

  /** The guides' agentStateChange (SEED-FORMATS §D): login status, state, substate. */
  #guideState(id: string, payload: Record<string, unknown>, at: number, offset: number): string[] {
    const a = this.#record(id);
    const name = getPath(payload, 'user.name');
    if (typeof name === 'string') a.name = name;
    if (at < a.presenceAt) return [];
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
    a.presenceSince = new Date(at).toISOString();
    const routing = getPath(payload, 'user.routingStatus');
    if (typeof routing === 'string' && at >= a.routingAt) {
      a.routingAt = at;
      a.routingStatus = routing.toUpperCase();
      a.routingSince = a.presenceSince;
    }
    return this.#relabel(a, offset);
  }

  #relabel(a: AgentRecord, offset: number): string[] {
    a.offset = offset;
    a.label = agentLabel({
      loggedIn: a.loggedIn,
      presence: a.presence ?? 'OFFLINE',
      presenceLabel: a.presenceDefinitionId
        ? this.#definitions.get(a.presenceDefinitionId)
        : undefined,
      routingStatus: a.routingStatus ?? 'OFF_QUEUE',
    });
    // On queue the routing status is what changes the tile; off queue the presence is.
    a.since =
      a.presence === 'ON_QUEUE' &&
      a.routingSince !== undefined &&
      a.routingSince > (a.presenceSince ?? '')
        ? a.routingSince
        : a.presenceSince;
    return [a.id];
  }
}

/** The topic body, whether the event came as a Notification envelope or inside EventBridge. */
function envelopeBody(parsed: Record<string, unknown>): Record<string, unknown> {
  const inner = isPlainObject(parsed.detail) ? parsed.detail : parsed;
  return isPlainObject(inner.eventBody) ? inner.eventBody : inner;
}

function timeOf(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}

function view(a: AgentRecord): AgentView {
  const { presenceAt: _p, routingAt: _r, ...rest } = a;
  return rest;
}
