import type { LiveMessage } from '../protocol/live-messages.js';

/**
 * One message, encoded and framed at most once however many sockets it goes to (a wallboard
 * group can hold hundreds of clients): with thousands of sockets per second, per-socket work
 * beyond the write itself shows up directly in fan-out latency.
 */
export class Payload {
  #bytes: Buffer | undefined;
  #frames: Partial<Record<'ws' | 'sse', Buffer>> = {};

  /**
   * `offset`: where a resume after this message starts from (what SSE puts in `id:`); the
   * type and offset are part of the message, so a transport's cached framing always has them.
   */
  constructor(
    readonly text: string,
    readonly type: LiveMessage['type'],
    readonly offset: number | undefined,
  ) {}

  get bytes(): Buffer {
    return (this.#bytes ??= Buffer.from(this.text, 'utf8'));
  }

  /** The message as one transport frames it, made by its first send and reused by the rest. */
  framed(transport: 'ws' | 'sse', make: (payload: Payload) => Buffer): Buffer {
    return (this.#frames[transport] ??= make(this));
  }
}

/** One connected client's socket, whatever the transport (WebSocket or SSE). */
export interface LiveTransport {
  send(payload: Payload): void;
  /** Bytes written but not yet handed to the kernel. */
  bufferedBytes(): number;
  /** Ends the connection; `errorCode` is sent first as an `error` message when given. */
  close(code: number, errorCode: string | undefined, message: string): void;
}
