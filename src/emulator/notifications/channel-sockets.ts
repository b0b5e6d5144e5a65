import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Channel, ChannelManager } from './channel-manager.js';

/** What the sockets ask of the fault injector. */
export interface SocketFaults {
  silenced(): boolean;
  heartbeatsStopped(): boolean;
}

/**
 * The Notification API's WebSocket side (FACTS §1.3–§1.5): one socket per channel at its
 * `connectUri` (a second one closes the first with 4001), ping → pong, and heartbeats.
 */
export class ChannelSockets {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #channels: Pick<ChannelManager, 'get' | 'channels'>;
  readonly #faults: SocketFaults;

  constructor(channels: Pick<ChannelManager, 'get' | 'channels'>, faults: SocketFaults) {
    this.#channels = channels;
    this.#faults = faults;
  }

  /** Accepts upgrades at `/channels/{id}` on the emulator's HTTP server; 404 for anything else. */
  listen(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      const match = /^\/channels\/([^/?]+)/.exec(req.url ?? '');
      const channel = match ? this.#channels.get(decodeId(match[1]!)) : undefined;
      if (!channel) {
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(channel, ws));
    });
  }

  sendHeartbeats(): void {
    if (this.#faults.heartbeatsStopped()) return;
    const text = JSON.stringify({
      topicName: 'channel.metadata',
      eventBody: { message: 'WebSocket Heartbeat' },
    });
    for (const ch of this.#channels.channels.values()) ch.socket?.send(text);
  }

  terminateAll(): void {
    for (const ws of this.#wss.clients) ws.terminate();
  }

  #attach(channel: Channel, ws: WebSocket): void {
    // One socket per channel: a second connection replaces the first.
    channel.socket?.close(4001, 'another socket connected to this channel');
    channel.socket = ws;
    channel.lastUsed = Date.now();
    // A bad frame from the client is an 'error' event: unheard, it would stop the process.
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: Buffer) => {
      let msg: { message?: unknown };
      try {
        msg = JSON.parse(data.toString()) as { message?: unknown };
      } catch {
        return;
      }
      if (msg.message === 'ping' && !this.#faults.silenced()) {
        ws.send(JSON.stringify({ topicName: 'channel.metadata', eventBody: { message: 'pong' } }));
      }
    });
    ws.on('close', () => {
      if (channel.socket === ws) channel.socket = undefined;
    });
  }
}

/** A channel id from the path; one that is not valid percent-encoding names no channel. */
function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return '';
  }
}
