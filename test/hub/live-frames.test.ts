import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { sseEvent, sseFrame, wsTextFrame } from '../../src/hub/live-frames.js';

// Every length class of RFC 6455 §5.2 (7-bit, 16-bit, 64-bit), at and around the boundaries,
// written raw to an upgraded socket and read back by a real `ws` client.
const SIZES = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000];

test('wsTextFrame: a ws client reads every length class back byte for byte', async (t) => {
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, () => {
      for (const n of SIZES)
        socket.write(wsTextFrame(Buffer.from('é'.repeat(n / 2) + 'x'.repeat(n % 2))));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  t.after(async () => {
    client.terminate();
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const got = await new Promise<string[]>((resolve, reject) => {
    const out: string[] = [];
    client.on('message', (data: Buffer, isBinary) => {
      assert.equal(isBinary, false);
      out.push(data.toString('utf8'));
      if (out.length === SIZES.length) resolve(out);
    });
    client.on('error', reject);
    client.on('close', (code) => reject(new Error(`closed with ${code} after ${out.length}`)));
  });
  assert.deepEqual(
    got.map((s) => Buffer.byteLength(s)),
    SIZES,
  );
  assert.equal(got[7], 'é'.repeat(100_000));
});

test('sseEvent: the offset as id, the type as event, the JSON on one data line', () => {
  assert.equal(sseEvent('delta', 42, '{"a":1}'), 'id: 42\nevent: delta\ndata: {"a":1}\n\n');
  assert.equal(sseEvent('error', undefined, '{}'), 'event: error\ndata: {}\n\n');
});

test('sseFrame: the same bytes as sseEvent, around a message already encoded', () => {
  for (const [type, offset, text] of [
    ['snapshot', 7, '{"name":"Zoë 😀"}'],
    ['pong', undefined, '{"type":"pong"}'],
  ] as const) {
    assert.deepEqual(
      sseFrame(type, offset, Buffer.from(text)),
      Buffer.from(sseEvent(type, offset, text)),
    );
  }
});
