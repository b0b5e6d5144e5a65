/**
 * The soak's live clients: `target` connected at any time, each living a random 1–20 s and then
 * leaving (a clean close, or the socket dropped without one), and replaced at once, so the
 * gateway sees connections come and go continuously. The mix follows a floor: agent desktops
 * (one user), team and queue boards, a few unfiltered wallboards; one client in ten uses SSE,
 * one WebSocket in ten pings every 2 s, one client in twenty resumes with `since`.
 *
 * Beside them, `slowReaders` clients that never read a byte (raw sockets, WebSocket upgrade or
 * SSE request, then paused): the gateway must hold them within its per-client bounds and evict
 * them, not keep their backlog.
 *
 * Messages are counted, not parsed (a wallboard's snapshot is half a megabyte and the driver
 * shares two cores with the gateway): only the first bytes are read, for the type and offset.
 */
import { randomBytes } from 'node:crypto';
import { get, type ClientRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import type { FloorOrg } from './floor.js';

export interface LivePoolOptions {
  url: string;
  org: FloorOrg;
  target: number;
  slowReaders: number;
  minLifeMs: number;
  maxLifeMs: number;
}

export interface LiveCounters {
  connects: number;
  /** First message a snapshot (or `resumed` for a client that asked to resume). */
  firstMessageOk: number;
  firstMessageWrong: number;
  messages: number;
  bytes: number;
  pongs: number;
  resumed: number;
  /** HTTP status → count for refused handshakes (WebSocket and SSE). */
  refused: Record<number, number>;
  /** Close code → count for connections the gateway closed while the client still wanted them. */
  serverClosed: Record<number, number>;
  clientErrors: number;
  slowReaderConnects: number;
}

interface Client {
  leave(abrupt: boolean): void;
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

export class LivePool {
  readonly counters: LiveCounters = {
    connects: 0,
    firstMessageOk: 0,
    firstMessageWrong: 0,
    messages: 0,
    bytes: 0,
    pongs: 0,
    resumed: 0,
    refused: {},
    serverClosed: {},
    clientErrors: 0,
    slowReaderConnects: 0,
  };
  readonly #o: LivePoolOptions;
  readonly #clients = new Set<Client>();
  readonly #slow = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #target: URL;
  #running = false;
  /** Latest offset seen in any message: what a resuming client asks from. */
  #lastOffset = 0;

  constructor(options: LivePoolOptions) {
    this.#o = options;
    this.#target = new URL(options.url);
  }

  get connected(): number {
    return this.#clients.size;
  }

  get slowConnected(): number {
    return this.#slow.size;
  }

  /** Opens the pool over `rampMs` (not all at once: that is a reconnect storm, not a soak). */
  start(rampMs: number): void {
    this.#running = true;
    for (let i = 0; i < this.#o.target; i++) {
      this.#timer((rampMs * i) / this.#o.target, () => this.#open());
    }
    for (let i = 0; i < this.#o.slowReaders; i++) {
      this.#timer((rampMs * i) / this.#o.slowReaders, () => this.#openSlow());
    }
  }

  /** Every client leaves and none is replaced. */
  stop(): void {
    this.#running = false;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const c of [...this.#clients]) c.leave(false);
    for (const s of this.#slow) s.destroy();
    this.#slow.clear();
  }

  #timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
    return t;
  }

  #query(): { query: string; resume: boolean } {
    const { agentIds, teamIds, queueIds } = this.#o.org;
    const r = Math.random();
    let q: string;
    if (r < 0.7) q = `kinds=agents,toasts&users=${pick(agentIds)}`;
    else if (r < 0.87) q = `kinds=agents&teams=${pick(teamIds)}`;
    else if (r < 0.98) q = `kinds=agents,queues&queues=${pick(queueIds)}`;
    else q = '';
    const resume = this.#lastOffset > 0 && Math.random() < 0.05;
    if (resume) q += `${q ? '&' : ''}since=${this.#lastOffset}`;
    return { query: q, resume };
  }

  /** A client ended (by itself or by the gateway): replace it while the pool runs. */
  #ended(client: Client): void {
    if (!this.#clients.delete(client)) return;
    if (this.#running) this.#open();
  }

  #first(head: string, resume: boolean): void {
    const type = /"type":"([a-z]+)"/.exec(head)?.[1];
    const offset = /"offset":(\d+)/.exec(head)?.[1];
    if (offset) this.#lastOffset = Math.max(this.#lastOffset, Number(offset));
    if (type === 'snapshot' || (resume && type === 'resumed')) this.counters.firstMessageOk++;
    else this.counters.firstMessageWrong++;
    if (type === 'resumed') this.counters.resumed++;
  }

  #open(): void {
    const life = this.#o.minLifeMs + Math.random() * (this.#o.maxLifeMs - this.#o.minLifeMs);
    const { query, resume } = this.#query();
    this.counters.connects++;
    if (Math.random() < 0.1) this.#openSse(query, resume, life);
    else this.#openWs(query, resume, life, Math.random() < 0.1);
  }

  #openWs(query: string, resume: boolean, lifeMs: number, pings: boolean): void {
    const ws = new WebSocket(`ws://${this.#target.host}/api/v1/live?${query}`, {
      perMessageDeflate: false,
    });
    let leaving = false;
    let messages = 0;
    let pinger: NodeJS.Timeout | undefined;
    const client: Client = {
      leave: (abrupt) => {
        leaving = true;
        clearTimeout(timer);
        clearInterval(pinger);
        if (abrupt) ws.terminate();
        else ws.close(1000);
        this.#ended(client);
      },
    };
    this.#clients.add(client);
    const timer = this.#timer(lifeMs, () => client.leave(Math.random() < 0.25));
    ws.on('message', (data: Buffer) => {
      this.counters.messages++;
      this.counters.bytes += data.length;
      if (messages++ === 0) this.#first(data.toString('latin1', 0, 120), resume);
      else if (data.length < 100 && data.includes('"type":"pong"')) this.counters.pongs++;
    });
    ws.on('open', () => {
      if (pings) pinger = setInterval(() => ws.send('{"type":"ping"}'), 2000);
    });
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      this.counters.refused[status] = (this.counters.refused[status] ?? 0) + 1;
      res.resume();
    });
    ws.on('error', () => {
      if (!leaving) this.counters.clientErrors++;
    });
    ws.on('close', (code) => {
      clearInterval(pinger);
      clearTimeout(timer);
      if (!leaving) {
        this.counters.serverClosed[code] = (this.counters.serverClosed[code] ?? 0) + 1;
        this.#ended(client);
      }
    });
  }

  #openSse(query: string, resume: boolean, lifeMs: number): void {
    let leaving = false;
    let req: ClientRequest | undefined = undefined;
    const client: Client = {
      leave: () => {
        leaving = true;
        clearTimeout(timer);
        req?.destroy();
        this.#ended(client);
      },
    };
    this.#clients.add(client);
    const timer = this.#timer(lifeMs, () => client.leave(false));
    // One socket per client, as a browser's EventSource has.
    req = get(`${this.#o.url}/api/v1/live/sse?${query}`, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        const status = res.statusCode ?? 0;
        this.counters.refused[status] = (this.counters.refused[status] ?? 0) + 1;
        res.resume();
        return;
      }
      let head: string | undefined = '';
      res.on('data', (chunk: Buffer) => {
        this.counters.bytes += chunk.length;
        // A message is an `id:`/`event:`/`data:` block; count its `data:` line.
        for (let at = chunk.indexOf('\ndata: '); at >= 0; at = chunk.indexOf('\ndata: ', at + 1)) {
          this.counters.messages++;
        }
        if (head === undefined) return;
        head += chunk.toString('latin1', 0, 400);
        const data = head.indexOf('\ndata: ');
        if (data >= 0 && (head.includes('\n', data + 7) || head.length >= data + 120)) {
          this.#first(head.slice(data + 7), resume);
          head = undefined;
        }
      });
    });
    req.on('error', () => {
      if (!leaving) this.counters.clientErrors++;
    });
    req.on('close', () => {
      if (!leaving) {
        this.counters.serverClosed[0] = (this.counters.serverClosed[0] ?? 0) + 1;
        this.#ended(client);
      }
    });
  }

  /**
   * A client that asks for everything and never reads: it lives a while, then goes (the gateway
   * may already have evicted it; a paused socket does not notice) and another one comes.
   */
  #openSlow(): void {
    if (!this.#running) return;
    this.counters.slowReaderConnects++;
    const socket = connect(Number(this.#target.port), this.#target.hostname);
    const host = this.#target.host;
    socket.write(
      Math.random() < 0.5
        ? `GET /api/v1/live HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`
        : `GET /api/v1/live/sse HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    socket.pause();
    socket.on('error', () => undefined);
    this.#slow.add(socket);
    // Long enough for the kernel's socket buffers to fill and the gateway's own to pass its
    // high-water mark (the eviction path), in a ten-minute run.
    this.#timer(60_000 + Math.random() * 180_000, () => {
      socket.destroy();
      this.#slow.delete(socket);
      this.#openSlow();
    });
  }
}
