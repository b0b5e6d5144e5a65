import type { LiveKind, LiveMessage } from '@protocol/live-messages.js';
import { Backoff } from '@protocol/backoff.js';
import { CLOSE, shouldReconnect } from '@protocol/close-codes.js';
import type { LiveStore } from './live-store.js';

/** What a client subscribes to (docs/live-protocol.md, "Connecting"). */
export interface LiveFilter {
  kinds?: LiveKind[];
  users?: string[];
  queues?: string[];
  teams?: string[];
}

/** Callbacks a socket reports to. */
export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(code: number, reason: string): void;
}

/** The two things the connection does to a socket; the browser's `WebSocket` behind it. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketLike;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type ConnectionState =
  | { status: 'idle' }
  | { status: 'connecting'; attempt: number }
  | { status: 'open'; since: number }
  | {
      status: 'waiting';
      attempt: number;
      /** Client-clock time of the next attempt. */
      retryAt: number;
      lastClose: { code: number; reason: string };
    }
  | { status: 'failed'; code: number; errorCode: string | undefined; message: string }
  | { status: 'stopped' };

/** Error codes the hub sends before those closes, for proxies that rewrite close codes. */
export const FATAL_ERROR_CODES: ReadonlySet<string> = new Set([
  'SB_LIVE_BAD_FILTER',
  'SB_AUTH_REQUIRED',
  'SB_LIVE_FORBIDDEN',
]);

export interface LiveConnectionOptions {
  /** `ws(s)://host/api/v1/live`, without a query. */
  url: string;
  filter: LiveFilter;
  store: LiveStore;
  createSocket: SocketFactory;
  /** Bearer token for clients off loopback (sent as `access_token`). */
  accessToken?: string;
  timers?: Timers;
  random?: () => number;
  clock?: () => number;
  /**
   * No message at all for this long (heartbeats come every 5 s) and the socket is presumed
   * dead and replaced. Default 30 s.
   */
  deadAfterMs?: number;
  /**
   * Whether the gateway answers (the browser: `GET /healthz`). While waiting to reconnect the
   * connection asks every `probeEveryMs`, and once the gateway answers after it did not, it
   * reconnects at once instead of sitting out its backoff.
   */
  probe?: () => Promise<boolean>;
  /** Default 2 s. */
  probeEveryMs?: number;
}

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The hub's URL for a filter, resuming after `since` when given. */
export function liveUrl(
  base: string,
  filter: LiveFilter,
  since?: number,
  accessToken?: string,
): string {
  const params = new URLSearchParams();
  for (const key of ['kinds', 'users', 'queues', 'teams'] as const) {
    const list = filter[key];
    if (list && list.length > 0) params.set(key, list.join(','));
  }
  if (since !== undefined) params.set('since', String(since));
  if (accessToken) params.set('access_token', accessToken);
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}

/**
 * One live subscription kept alive: connects, feeds every message to the store, and reconnects
 * with `since=<last offset>` after a close, with exponential backoff and full jitter, except
 * after the closes that say the request itself is wrong (4400, 4401, 4403).
 */
export class LiveConnection {
  readonly #options: LiveConnectionOptions;
  readonly #timers: Timers;
  readonly #clock: () => number;
  readonly #backoff: Backoff;
  readonly #deadAfterMs: number;
  readonly #listeners = new Set<() => void>();
  #state: ConnectionState = { status: 'idle' };
  #socket: SocketLike | undefined;
  #retryTimer: unknown;
  #watchdog: unknown;
  #probeTimer: unknown;
  /** Bumped per wait, so a probe answering after the wait ended is ignored. */
  #waitId = 0;
  /** A probe found the gateway not answering since a socket last opened. */
  #sawDown = false;
  #fatalError: { code: string; message: string } | undefined;
  /** Connections opened so far (the first is not a reconnect). */
  #connects = 0;

  constructor(options: LiveConnectionOptions) {
    this.#options = options;
    this.#timers = options.timers ?? defaultTimers;
    this.#clock = options.clock ?? Date.now;
    this.#backoff = new Backoff(options.random ? { random: options.random } : {});
    this.#deadAfterMs = options.deadAfterMs ?? 30_000;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Connection attempts that were reconnects. */
  get reconnects(): number {
    return Math.max(0, this.#connects - 1);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getState = (): ConnectionState => this.#state;

  start(): void {
    if (this.#state.status !== 'idle' && this.#state.status !== 'stopped') return;
    this.#connect();
  }

  stop(): void {
    this.#timers.clearTimeout(this.#retryTimer);
    this.#timers.clearTimeout(this.#probeTimer);
    this.#waitId++;
    this.#timers.clearTimeout(this.#watchdog);
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close(1000, 'client stopped');
    this.#setState({ status: 'stopped' });
  }

  /**
   * Reconnects now ("Retry now"), while waiting out a backoff or after a failure; the backoff
   * goes on growing if this attempt fails too.
   */
  retryNow(): void {
    if (this.#state.status !== 'waiting' && this.#state.status !== 'failed') return;
    this.#timers.clearTimeout(this.#retryTimer);
    this.#timers.clearTimeout(this.#probeTimer);
    this.#waitId++;
    this.#connect();
  }

  /** Asks the server for a `pong` (a cheap round trip to refresh the clock). */
  ping(): void {
    this.#socket?.send(JSON.stringify({ type: 'ping' }));
  }

  #connect(): void {
    this.#fatalError = undefined;
    this.#connects++;
    this.#setState({ status: 'connecting', attempt: this.#backoff.attempt });
    const { url, filter, store, accessToken } = this.#options;
    const target = liveUrl(url, filter, store.offset, accessToken);
    let socket: SocketLike | undefined;
    const current = () => socket !== undefined && socket === this.#socket;
    const handlers: SocketHandlers = {
      open: () => {
        if (!current()) return;
        this.#sawDown = false;
        this.#setState({ status: 'open', since: this.#clock() });
        this.#armWatchdog();
      },
      message: (data) => {
        if (!current()) return;
        this.#onMessage(data);
      },
      close: (code, reason) => {
        if (!current()) return;
        this.#socket = undefined;
        this.#onClose(code, reason);
      },
    };
    try {
      socket = this.#options.createSocket(target, handlers);
      this.#socket = socket;
    } catch (err) {
      // A malformed URL throws synchronously in browsers: nothing to retry.
      this.#setState({
        status: 'failed',
        code: 0,
        errorCode: undefined,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }

  #onMessage(data: string): void {
    let message: LiveMessage;
    try {
      message = JSON.parse(data) as LiveMessage;
    } catch {
      return; // not the protocol; ignore rather than drop the connection
    }
    if (typeof message !== 'object' || message === null || typeof message.type !== 'string') {
      return;
    }
    if (message.type === 'error') {
      if (FATAL_ERROR_CODES.has(message.code)) this.#fatalError = message;
    } else {
      this.#backoff.reset();
    }
    this.#options.store.apply(message, this.#clock());
    this.#armWatchdog();
  }

  #onClose(code: number, reason: string): void {
    this.#timers.clearTimeout(this.#watchdog);
    if (this.#state.status === 'stopped') return;
    const fatal = this.#fatalError;
    if (!shouldReconnect(code) || fatal !== undefined) {
      this.#setState({
        status: 'failed',
        code,
        errorCode: fatal?.code,
        message: fatal?.message ?? (reason || `closed with code ${code}`),
      });
      return;
    }
    const attempt = this.#backoff.attempt + 1;
    const delay = this.#backoff.next();
    this.#setState({
      status: 'waiting',
      attempt,
      retryAt: this.#clock() + delay,
      lastClose: { code, reason },
    });
    const waitId = ++this.#waitId;
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#timers.clearTimeout(this.#probeTimer);
      this.#waitId++;
      this.#connect();
    }, delay);
    this.#scheduleProbe(waitId);
  }

  /**
   * While waiting: asks whether the gateway answers; when it does after it did not since a
   * socket last opened (it was down and is back), reconnects at once. A gateway that answers
   * all along but refused the socket (too many clients) is left to the backoff.
   */
  #scheduleProbe(waitId: number): void {
    const probe = this.#options.probe;
    if (!probe) return;
    this.#probeTimer = this.#timers.setTimeout(() => {
      if (waitId !== this.#waitId) return;
      const answered = (up: boolean) => {
        if (waitId !== this.#waitId || this.#state.status !== 'waiting') return;
        if (up && this.#sawDown) return this.retryNow();
        if (!up) this.#sawDown = true;
        this.#scheduleProbe(waitId);
      };
      probe().then(answered, () => answered(false));
    }, this.#options.probeEveryMs ?? 2000);
  }

  /** Replaces a socket that went silent without closing (a dead TCP path, a sleeping laptop). */
  #armWatchdog(): void {
    this.#timers.clearTimeout(this.#watchdog);
    this.#watchdog = this.#timers.setTimeout(() => {
      const socket = this.#socket;
      if (!socket) return;
      this.#socket = undefined;
      socket.close(CLOSE.MISSED_PONG, 'no message from the hub');
      this.#onClose(CLOSE.MISSED_PONG, 'no message from the hub');
    }, this.#deadAfterMs);
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    for (const listener of [...this.#listeners]) listener();
  }
}
