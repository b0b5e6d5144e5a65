/**
 * A TCP hop between a sink and its service (PostgreSQL, RabbitMQ) that a test controls:
 * `pause`/`hold` keep what the sink sends from reaching the service (so nothing it sends is
 * seen, answered or confirmed) until resumed or released; `kill` cuts every connection as a
 * network failure would (ending a hold); `stop` also closes the port (new connections refused) and `listen`
 * opens it again on the same port.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  held: Buffer[];
}

export class TcpGate {
  #server: Server | undefined;
  #port = 0;
  #paused = 0;
  readonly #pairs = new Set<Pair>();
  /** Connections accepted so far. */
  connections = 0;

  constructor(
    readonly upstreamPort: number,
    readonly host = '127.0.0.1',
  ) {}

  get port(): number {
    return this.#port;
  }

  async listen(): Promise<number> {
    const server = createServer((client) => this.#pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.host, () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as { port: number }).port;
    return this.#port;
  }

  /** Cuts every connection (what was held is lost, and a hold ends); the port stays open. */
  kill(): void {
    this.#paused = 0;
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Cuts every connection and closes the port. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.kill();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  pause(): void {
    this.#paused++;
  }

  resume(): void {
    this.#paused = Math.max(0, this.#paused - 1);
    if (this.#paused > 0) return;
    for (const pair of this.#pairs) {
      for (const chunk of pair.held.splice(0))
        if (!pair.upstream.destroyed) pair.upstream.write(chunk);
    }
  }

  /** Connections with something held. */
  held(): number {
    return [...this.#pairs].filter((p) => p.held.length > 0).length;
  }

  /** `pause` as a handle: chunks held so far, and `release` to resume. */
  hold(): { arrived(): number; release(): void } {
    this.pause();
    let released = false;
    return {
      arrived: () => [...this.#pairs].reduce((n, p) => n + p.held.length, 0),
      release: () => {
        if (released) return;
        released = true;
        this.resume();
      },
    };
  }

  /** The local ports of the gate's connections upstream (`client_port` of PostgreSQL backends). */
  upstreamPorts(): number[] {
    return [...this.#pairs].flatMap((p) => (p.upstream.localPort ? [p.upstream.localPort] : []));
  }

  #pipe(client: Socket): void {
    this.connections++;
    const upstream = connect(this.upstreamPort, this.host);
    const pair: Pair = { client, upstream, held: [] };
    this.#pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (this.#paused > 0) pair.held.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  }
}
