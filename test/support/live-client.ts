import WebSocket from 'ws';
import type {
  AgentView,
  LiveMessage,
  QueueView,
  ToastView,
} from '../../src/protocol/live-messages.js';
import { waitFor } from './helpers.js';

/** A WebSocket live client that records every message and how the connection ended. */
export class LiveTestClient {
  readonly messages: LiveMessage[] = [];
  readonly ws: WebSocket;
  closed: { code: number; reason: string } | undefined;
  /** HTTP status when the handshake was refused. */
  refused: number | undefined;
  readonly opened: Promise<void>;

  /** Patches for entities the client did not hold: the hub must never send one. */
  orphanPatches = 0;

  constructor(
    url: string,
    headers: Record<string, string> = {},
    /** State carried over from an earlier connection (a resuming client keeps its state). */
    carried?: LiveTestClient['state'],
  ) {
    if (carried) {
      for (const [k, v] of carried.agents) this.state.agents.set(k, v);
      for (const [k, v] of carried.queues) this.state.queues.set(k, v);
      for (const [k, v] of carried.toasts) this.state.toasts.set(k, v);
    }
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as LiveMessage;
      this.messages.push(m);
      this.#apply(m);
    });
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    this.ws.on('unexpected-response', (_req, res) => {
      this.refused = res.statusCode;
      this.closed = { code: 1006, reason: `HTTP ${res.statusCode}` };
      res.resume();
    });
    this.ws.on('error', () => undefined);
    this.opened = new Promise((resolve) => {
      this.ws.on('open', () => resolve());
      this.ws.on('close', () => resolve());
    });
  }

  /** The state the messages build, the way a client must apply them. */
  readonly state = {
    agents: new Map<string, AgentView>(),
    queues: new Map<string, QueueView>(),
    toasts: new Map<string, ToastView>(),
  };

  #apply(m: LiveMessage): void {
    const { agents, queues, toasts } = this.state;
    if (m.type === 'snapshot') {
      for (const map of [agents, queues, toasts]) map.clear();
    }
    if (m.type !== 'snapshot' && m.type !== 'delta') return;
    for (const a of m.agents ?? []) agents.set(a.id, a);
    for (const q of m.queues ?? []) queues.set(q.id, q);
    for (const t of m.toasts ?? []) toasts.set(t.id, t);
    if (m.type !== 'delta') return;
    const merge = <T>(map: Map<string, T>, patches: { id: string }[] | undefined) => {
      for (const p of patches ?? []) {
        const held = map.get(p.id);
        if (!held) {
          this.orphanPatches++;
          continue;
        }
        const next = { ...held } as Record<string, unknown>;
        for (const [k, v] of Object.entries(p)) {
          if (v === null) delete next[k];
          else next[k] = v;
        }
        map.set(p.id, next as T);
      }
    };
    merge(agents, m.patches?.agents);
    merge(queues, m.patches?.queues);
    for (const id of m.removed?.agents ?? []) agents.delete(id);
    for (const id of m.removed?.queues ?? []) queues.delete(id);
    for (const id of m.removed?.toasts ?? []) toasts.delete(id);
  }

  static open(
    base: string,
    query = '',
    headers: Record<string, string> = {},
    carried?: LiveTestClient['state'],
  ) {
    return new LiveTestClient(
      `${base.replace(/^http/, 'ws')}/api/v1/live${query}`,
      headers,
      carried,
    );
  }

  of<T extends LiveMessage['type']>(type: T): Extract<LiveMessage, { type: T }>[] {
    return this.messages.filter((m) => m.type === type) as Extract<LiveMessage, { type: T }>[];
  }

  /** Offset of the last snapshot / delta / heartbeat: what a client resumes from. */
  lastOffset(): number {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i]!;
      if (m.type === 'snapshot' || m.type === 'delta' || m.type === 'heartbeat') return m.offset;
    }
    return 0;
  }

  async waitForOffset(offset: number, timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.lastOffset() >= offset, {
      timeoutMs,
      what: `live messages up to offset ${offset} (at ${this.lastOffset()})`,
    });
  }

  async waitForClose(timeoutMs = 10_000) {
    return waitFor(() => this.closed, { timeoutMs, what: 'the live connection to close' });
  }

  close(): void {
    this.ws.terminate();
  }
}
