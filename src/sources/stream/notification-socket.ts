import WebSocket from 'ws';

/**
 * One WebSocket to one Notification API channel (FACTS §1.3–§1.5), watched from both ends: the
 * server's heartbeats (`channel.metadata` "WebSocket Heartbeat", about every 30 s) or any event
 * prove delivery works, and the client's `{"message":"ping"}` (answered by a `pong`) proves the
 * TCP path. A proxy that silently drops the connection, or a server that keeps TCP open but stops
 * delivering, would otherwise leave the wallboard frozen with no error anywhere: either silence
 * past its limit terminates the socket, and the owner reconnects.
 */

export type SocketEnd =
  | { kind: 'closed'; code: number; reason: string }
  | { kind: 'heartbeat-timeout' }
  | { kind: 'ping-timeout' }
  | { kind: 'error'; message: string };

export interface NotificationSocketOptions {
  connectUri: string;
  /** Every frame that is not a heartbeat or a pong: the raw bytes, and the topic when parseable. */
  onMessage(raw: Buffer, topicName: string | undefined): void;
  /** Once, when the socket is gone for whatever reason (never after `close()` was called). */
  onEnd(end: SocketEnd): void;
  /**
   * Once, when the server first answers on this socket (a pong to the ping sent at open, or an
   * event): a socket that opened is not yet one that delivers (a silent maintenance accepts
   * connections and answers nothing).
   */
  onAlive?(): void;
  /**
   * The server answered again after a silence: a ping went unanswered for at least
   * `silentAfterMs` and then a frame came, on a socket that stayed open. Whatever Genesys had to
   * send from `since` (the last delivery) until now may be lost (a silent maintenance drops
   * events, it does not queue them), though the socket itself is fine.
   */
  onSilence?(since: number): void;
  /** How late an answer to a ping makes a silence (`onSilence`). Default 2 000. */
  silentAfterMs?: number;
  /** No heartbeat and no event for this long: the channel is not delivering. Default 75 000. */
  heartbeatTimeoutMs?: number;
  /** A client ping this often. Default 20 000. */
  pingIntervalMs?: number;
  /** A ping with no pong (and no other frame) for this long: the path is dead. Default 10 000. */
  pongTimeoutMs?: number;
  /** Frames larger than this close the socket (1009): one hostile frame cannot take the heap. */
  maxFrameBytes?: number;
  /** Opening handshake limit. Default 15 000. */
  connectTimeoutMs?: number;
  now?: () => number;
}

const PONG = /"message"\s*:\s*"pong"/;

export class NotificationSocket {
  readonly #o: Required<Omit<NotificationSocketOptions, 'now' | 'onAlive' | 'onSilence'>> &
    Pick<NotificationSocketOptions, 'onAlive' | 'onSilence'> & { now: () => number };
  #ws: WebSocket | undefined;
  #ended = false;
  #closedByUs = false;
  #timer: NodeJS.Timeout | undefined;
  #lastDelivery = 0;
  #pingSentAt: number | undefined;
  /** Watch ticks since the ping went out: the event loop was alive, waiting for the answer. */
  #ticksSincePing = 0;
  #lastPing = 0;
  #answered = false;
  /** When the server last sent a heartbeat (or an event): the age /readyz shows. */
  lastDeliveryAt = 0;

  constructor(options: NotificationSocketOptions) {
    this.#o = {
      heartbeatTimeoutMs: 75_000,
      pingIntervalMs: 20_000,
      pongTimeoutMs: 10_000,
      silentAfterMs: 2000,
      maxFrameBytes: 4 * 1024 * 1024,
      connectTimeoutMs: 15_000,
      now: Date.now,
      ...options,
    };
  }

  /** Resolves once the socket is open; rejects when it cannot open (nothing else is called). */
  open(): Promise<void> {
    const o = this.#o;
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(o.connectUri, {
        maxPayload: o.maxFrameBytes,
        handshakeTimeout: o.connectTimeoutMs,
        perMessageDeflate: false,
      });
      this.#ws = ws;
      let opened = false;
      ws.on('open', () => {
        opened = true;
        const now = o.now();
        this.#lastDelivery = now;
        this.#lastPing = now;
        this.lastDeliveryAt = now;
        // Asked at once, so the first answer proves the path without waiting a ping interval.
        this.#pingSentAt = now;
        this.#ticksSincePing = 0;
        ws.send('{"message":"ping"}');
        this.#timer = setInterval(() => this.#watch(), this.#tickMs());
        this.#timer.unref();
        resolve();
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) return;
        const now = o.now();
        // Any frame proves the path; only a heartbeat or an event proves delivery.
        const pingSentAt = this.#pingSentAt;
        this.#pingSentAt = undefined;
        // Late by our clock and while our own loop kept ticking: a stalled gateway (a long GC,
        // a slow append) sees every answer late, and that is not Genesys's silence.
        const late =
          pingSentAt !== undefined &&
          now - pingSentAt >= o.silentAfterMs &&
          this.#ticksSincePing >= Math.floor(o.silentAfterMs / this.#tickMs());
        if (late && this.#answered) o.onSilence?.(this.#lastDelivery);
        const topic = topicOf(data);
        if (topic === 'channel.metadata') {
          if (!PONG.test(data.subarray(0, 300).toString('utf8'))) this.#delivered(now);
          else this.#alive();
          return;
        }
        this.#delivered(now);
        this.#alive();
        o.onMessage(data, topic);
      });
      ws.on('error', (err) => {
        if (!opened) {
          this.#ended = true;
          reject(err);
          return;
        }
        this.#end({ kind: 'error', message: err.message });
      });
      ws.on('close', (code, reason) => {
        if (!opened) {
          if (!this.#ended) {
            this.#ended = true;
            reject(new Error(`closed before it opened (${code})`));
          }
          return;
        }
        this.#end({ kind: 'closed', code, reason: reason.toString('utf8').slice(0, 200) });
      });
    });
  }

  /** Closes the socket on purpose: `onEnd` is not called. */
  close(code = 1000, reason = 'closing'): void {
    this.#closedByUs = true;
    this.#stopTimer();
    const ws = this.#ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
      ws.close(code, reason);
      // A peer that never answers the close frame is not waited for.
      setTimeout(() => ws.terminate(), 2000).unref();
    }
  }

  /** Whether the server has answered on this socket yet. */
  get answered(): boolean {
    return this.#answered;
  }

  #alive(): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#o.onAlive?.();
  }

  #delivered(now: number): void {
    this.#lastDelivery = now;
    this.lastDeliveryAt = now;
  }

  #tickMs(): number {
    return Math.min(1000, this.#o.pongTimeoutMs);
  }

  #watch(): void {
    const o = this.#o;
    const now = o.now();
    this.#ticksSincePing++;
    if (now - this.#lastDelivery > o.heartbeatTimeoutMs) {
      this.#end({ kind: 'heartbeat-timeout' });
      return;
    }
    if (this.#pingSentAt !== undefined && now - this.#pingSentAt > o.pongTimeoutMs) {
      this.#end({ kind: 'ping-timeout' });
      return;
    }
    if (this.#pingSentAt === undefined && now - this.#lastPing >= o.pingIntervalMs) {
      this.#lastPing = now;
      this.#pingSentAt = now;
      this.#ticksSincePing = 0;
      this.#ws?.send('{"message":"ping"}');
    }
  }

  #end(end: SocketEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stopTimer();
    // Whatever ended it, the socket is not used again.
    this.#ws?.terminate();
    if (!this.#closedByUs) this.#o.onEnd(end);
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** The `topicName` of a frame, read without trusting it to be JSON. */
function topicOf(data: Buffer): string | undefined {
  // The envelope's first key in practice; a full parse happens in the ingest pipeline anyway.
  const m = /"topicName"\s*:\s*"([^"\\]{1,300})"/.exec(data.subarray(0, 1024).toString('utf8'));
  return m?.[1];
}
