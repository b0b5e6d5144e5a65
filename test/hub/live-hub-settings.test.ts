import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLiveRequest } from '../../src/hub/live-filter.js';
import type { LiveTransport } from '../../src/hub/live-hub.js';
import type { HeartbeatMessage } from '../../src/protocol/live-messages.js';
import { testHub } from '../support/hub.js';
import { waitFor } from '../support/helpers.js';

/** A transport that records the heartbeats it was sent; `buffered` holds back its socket. */
function recorder(): LiveTransport & { beats: HeartbeatMessage[]; buffered: number } {
  const r = {
    beats: [] as HeartbeatMessage[],
    buffered: 0,
    send: (payload: { type: string; text: string }) => {
      if (payload.type === 'heartbeat') r.beats.push(JSON.parse(payload.text) as HeartbeatMessage);
    },
    bufferedBytes: () => r.buffered,
    close: () => {},
  };
  return r;
}

test('a settings change goes out at once on a heartbeat; a client behind gets it once it is not', async (t) => {
  const hub = testHub(t, {
    heartbeatMs: 60_000, // no periodic heartbeat within the test
    highWaterBytes: 1000,
    slowClientTimeoutMs: 60_000,
  });
  const { filter } = parseLiveRequest(new URLSearchParams('kinds=queues'), undefined, {
    maxIds: 10,
  });
  hub.publishSettingsVersion(3);
  const quick = recorder();
  const behind = recorder();
  hub.connect(quick, filter, undefined);
  hub.connect(behind, filter, undefined);
  behind.buffered = 5000;

  hub.publishSettingsVersion(4);
  assert.deepEqual(
    quick.beats.map((b) => b.settingsVersion),
    [4],
    'sent at once, with the version',
  );
  assert.equal(behind.beats.length, 0, 'not onto a backed-up socket');
  hub.publishSettingsVersion(4);
  assert.equal(quick.beats.length, 1, 'the same version again is no news');

  behind.buffered = 0;
  await waitFor(() => behind.beats.length === 1, { timeoutMs: 2000, what: 'the late heartbeat' });
  assert.equal(behind.beats[0]!.settingsVersion, 4);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(behind.beats.length, 1, 'once');
  assert.equal(quick.beats.length, 1);
});
