import type { TestContext } from 'node:test';
import { LiveHub, type LiveHubOptions } from '../../src/hub/live-hub.js';

/** Room enough for a test's few clients; no periodic heartbeat unless a test asks for one. */
export const TEST_HUB_OPTIONS: LiveHubOptions = {
  membership: () => undefined,
  maxClients: 10,
  heartbeatMs: 3_600_000,
  highWaterBytes: 1 << 20,
  maxBufferedBytes: 1 << 24,
  slowClientTimeoutMs: 10_000,
  maxPendingChanges: 100,
  historyChanges: 100,
  maxFilterIdsTotal: 1000,
};

/** A hub on `TEST_HUB_OPTIONS` with the test's own changes, closed when the test ends. */
export function testHub(t: TestContext, options: Partial<LiveHubOptions> = {}): LiveHub {
  const hub = new LiveHub({ ...TEST_HUB_OPTIONS, ...options });
  t.after(() => hub.close());
  return hub;
}
