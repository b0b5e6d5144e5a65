// Row 7: "100 SSE clients that never read, on a quiet floor | each holds its 17.8 MB snapshot:
// RSS 221 → 1,915 MB, none evicted (eviction only runs when deltas flow)"
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { eventInput } from '../support/events.js';
import { startTestGateway, waitFor } from '../support/helpers.js';

/** A floor of `n` agents with names at live state's 256-byte limit: a snapshot of ~n KiB. */
async function seedFloor(gw: Gateway, n: number): Promise<void> {
  const results = await gw.log.append(
    Array.from({ length: n }, (_, i) => {
      const id = `agent-${String(i).padStart(5, '0')}`;
      return eventInput('reconcile.user', {
        subject: { userId: id },
        body: {
          id,
          name: `${id} ${'n'.repeat(240)}`,
          team: { id: `team-${i % 40}`, name: `team ${i % 40} ${'t'.repeat(200)}` },
          presence: { presenceDefinition: { id: 'on', systemPresence: 'ON_QUEUE' } },
          routingStatus: { status: 'IDLE' },
        },
      });
    }),
  );
  const end = results.at(-1)!.offset;
  await waitFor(() => gw.hub.offset >= end, { timeoutMs: 60_000, what: 'the floor projected' });
}

/**
 * A live request on a raw socket that reads nothing, ever, not even the answer's head: what the
 * gateway writes piles up in its own buffers once the kernel's are full.
 */
function neverReading(gw: Gateway, transport: 'sse' | 'ws'): Socket {
  const { hostname, port } = new URL(gw.url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  socket.pause();
  socket.write(
    transport === 'sse'
      ? `GET /api/v1/live/sse HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`
      : `GET /api/v1/live HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
          'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
          'Sec-WebSocket-Version: 13\r\n\r\n',
  );
  return socket;
}

describe('row 7: live clients that never read are evicted on a quiet floor', () => {
  test('SSE and WebSocket clients are closed once behind for live.slowClientTimeoutMs; no delta needed', async (t) => {
    const gw = await startTestGateway(t, {
      live: { highWaterBytes: 256 * 1024, slowClientTimeoutMs: 1500 },
    });
    // ~9 MB snapshots: far more than the kernel takes for a socket that is not read.
    await seedFloor(gw, 12_000);
    const buffered = async () => (await gw.metrics.liveBufferedBytes.get()).values[0]?.value ?? 0;
    const sockets = [
      ...Array.from({ length: 6 }, () => neverReading(gw, 'sse')),
      ...Array.from({ length: 4 }, () => neverReading(gw, 'ws')),
    ];
    t.after(() => sockets.forEach((s) => s.destroy()));
    await waitFor(() => gw.hub.clientCount === sockets.length, { what: 'the live clients' });
    const offset = gw.hub.offset;
    await waitFor(async () => (await buffered()) > sockets.length * 1024 * 1024, {
      what: 'the sweep to count the unsent snapshots',
    });
    await waitFor(() => gw.hub.clientCount === 0, {
      timeoutMs: 15_000,
      what: 'the clients that never read to be evicted',
    });
    assert.equal(gw.hub.offset, offset, 'a quiet floor: no delta flowed');
    const evicted = (await gw.metrics.liveEvicted.get()).values;
    assert.deepEqual(
      evicted.map((v) => [v.labels.reason, v.value]),
      [['behind', sockets.length]],
    );
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
  });
});
