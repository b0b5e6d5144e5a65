// Row 2: "one WebSocket client sends {"type":"ping"} in a loop and never reads | heap +2.6 GB in
// 40 s, never evicted; signed ingest and /healthz timed out for 45–75 s"
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { startTestGateway, waitFor } from '../support/helpers.js';
import { rawWebSocket } from '../support/raw-socket.js';

/** A client frame (masked, as every client frame must be; a zero key leaves the bytes as is). */
function clientFrame(opcode: number, payload: string): Buffer {
  const data = Buffer.from(payload);
  assert.ok(data.length < 126);
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | data.length, 0, 0, 0, 0]), data]);
}

interface Frame {
  opcode: number;
  payload: Buffer;
}

/** The server's frames in what a raw socket received after the handshake head. */
function serverFrames(received: string): Frame[] {
  const bytes = Buffer.from(received, 'latin1');
  let at = bytes.indexOf('\r\n\r\n') + 4;
  const frames: Frame[] = [];
  while (at + 2 <= bytes.length) {
    let len = bytes[at + 1]! & 0x7f;
    let head = 2;
    if (len === 126) [len, head] = [bytes.readUInt16BE(at + 2), 4];
    else if (len === 127) [len, head] = [Number(bytes.readBigUInt64BE(at + 2)), 10];
    if (at + head + len > bytes.length) break;
    frames.push({ opcode: bytes[at]! & 0x0f, payload: bytes.subarray(at + head, at + head + len) });
    at += head + len;
  }
  return frames;
}

const evictedFor = async (gw: Gateway, reason: string) =>
  (await gw.metrics.liveEvicted.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('row 2: a client that floods the hub with pings and never reads', () => {
  for (const [kind, frame] of [
    ['{"type":"ping"} messages', clientFrame(0x1, '{"type":"ping"}')],
    ['WebSocket ping frames', clientFrame(0x9, 'x'.repeat(125))],
  ] as const) {
    test(`${kind}: closed with 4429 after its burst, a bounded number of answers, the gateway responsive`, async (t) => {
      const gw = await startTestGateway(t);
      const ws = await rawWebSocket(gw.url, '/api/v1/live?kinds=queues');
      t.after(() => ws.socket.destroy());
      assert.match(ws.status, /^HTTP\/1\.1 101 /);
      await waitFor(() => gw.hub.clientCount === 1, { what: 'the client in the hub' });
      ws.socket.pause(); // from here on it never reads

      // 20,000 pings, as fast as the socket takes them.
      const batch = Buffer.concat(Array.from({ length: 500 }, () => frame));
      for (let i = 0; i < 40 && !ws.socket.destroyed; i++) {
        ws.socket.write(batch);
        await new Promise((r) => setImmediate(r));
      }
      const started = Date.now();
      assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
      assert.ok(Date.now() - started < 2000, `/healthz took ${Date.now() - started} ms`);
      await waitFor(() => gw.hub.clientCount === 0, {
        timeoutMs: 10_000,
        what: 'the flooding client to be closed',
      });
      assert.equal(await evictedFor(gw, 'flood'), 1);

      // What it would have read: a few answers, the reason, and the close frame with 4429.
      ws.socket.resume();
      const frames = await waitFor(
        (): Frame[] | undefined => {
          const all = serverFrames(ws.received());
          return all.some((f) => f.opcode === 0x8) ? all : undefined;
        },
        { what: 'the close frame' },
      );
      const close = frames.find((f) => f.opcode === 0x8)!;
      assert.equal(close.payload.readUInt16BE(0), 4429);
      const texts = frames.filter((f) => f.opcode === 0x1).map((f) => f.payload.toString());
      assert.match(texts.at(-1)!, /"code":"SB_LIVE_TOO_MANY_MESSAGES"/);
      const answers = frames.filter(
        (f) => f.opcode === 0xa || (f.opcode === 0x1 && f.payload.includes('"pong"')),
      ).length;
      // The burst is twice live.clientMessagesPerSec (10): not one answer per ping.
      assert.ok(answers >= 1 && answers <= 25, `${answers} answers to 20,000 pings`);
    });
  }
});
