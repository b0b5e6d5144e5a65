import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { apiHeaders, startTestEmulator } from '../support/emulator.js';
import { BAD_FRAMES, rawWebSocket } from '../support/raw-socket.js';

// The demo runs the emulator inside the gateway's process: a socket error it leaves unheard
// would stop the gateway too.
test(
  'the emulator refuses channel paths that are not valid encoding and survives bad frames',
  { timeout: 60_000 },
  async (t) => {
    const emu = await startTestEmulator(t);
    for (const target of ['/channels/%', '/channels/%E0%A4%A', '/channels/']) {
      const { socket, status } = await rawWebSocket(emu.url, target);
      socket.destroy();
      assert.match(status, /^HTTP\/1\.1 404 /, target);
    }
    const headers = await apiHeaders(emu);
    // Frames that are wrong whatever the size limit (the emulator's is ws's default, 100 MiB).
    const { reservedOpcode, unmasked, invalidUtf8 } = BAD_FRAMES;
    for (const [name, frame] of Object.entries({ reservedOpcode, unmasked, invalidUtf8 })) {
      const channel = (await (
        await fetch(`${emu.url}/api/v2/notifications/channels`, { method: 'POST', headers })
      ).json()) as { id: string };
      const ws = await rawWebSocket(emu.url, `/channels/${channel.id}`);
      assert.match(ws.status, /^HTTP\/1\.1 101 /, name);
      ws.socket.write(frame);
      await once(ws.socket, 'close', { signal: AbortSignal.timeout(5000) });
    }
    const res = await fetch(`${emu.url}/api/v2/notifications/channels`, { headers });
    assert.equal(res.status, 200, 'still serving');
  },
);
