import WebSocket from 'ws';
import type { LiveMessage } from '../../src/live/live-types.js';
import { waitFor } from './helpers.js';

/** A WebSocket live client that records every message and how the connection ended. */
export class LiveTestClient {
  readonly messages: LiveMessage[] = [];
  readonly ws: WebSocket;
  closed: { code: number; reason: string } | undefined;
  /** HTTP status when the handshake was refused. */
  refused: number | undefined;
  readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data: Buffer) =>
      this.messages.push(JSON.parse(data.toString('utf8')) as LiveMessage),
    );
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

  static open(base: string, query = '', headers: Record<string, string> = {}) {
    return new LiveTestClient(`${base.replace(/^http/, 'ws')}/api/v1/live${query}`, headers);
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
