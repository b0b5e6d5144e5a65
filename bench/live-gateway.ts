/**
 * The gateway under test for the live fan-out bench, in its own process: `startGateway` with
 * the shipped defaults (embedded SQLite log with fsync on, a fresh temp data directory), port 0,
 * silent logs, room for 12,000 live clients, and EventBridge ingest with an API key. It seeds
 * the synthetic org (bench/live-org.ts) straight into the log, waits for the hub to project it,
 * then prints `listening <url> stats <port>` (bench/live-server-stats.ts, with every hub publish
 * timed). SIGTERM closes it and removes the data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { startGateway } from '../src/gateway.js';
import { createLogger } from '../src/ops/logger.js';
import { API_KEY, buildOrg, seedEvents } from './live-org.js';
import { startStatsServer } from './live-server-stats.js';

const dataDir = mkdtempSync(join(tmpdir(), 'sb-live-bench-'));
const config = loadConfig({
  env: {},
  overrides: {
    dataDir,
    server: { host: '127.0.0.1', port: 0 },
    ingest: { eventbridge: { apiKeys: [{ name: 'bench', secret: API_KEY }] } },
    logging: { level: 'silent' },
    live: { maxClients: 12_000 },
  },
});
const gateway = await startGateway(config, { logger: createLogger('silent') });
// Time every hub publish (the fan-out of one projector batch) for the stats port.
const stats = await startStatsServer();
const publish = gateway.hub.publish.bind(gateway.hub);
gateway.hub.publish = (offset, changes, replayed) =>
  stats.time(() => publish(offset, changes, replayed));
const results = await gateway.log.append(seedEvents(buildOrg()));
const seeded = results.at(-1)!.offset;
while (gateway.hub.offset < seeded) await new Promise((r) => setTimeout(r, 20));

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void gateway.close().finally(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
process.stdout.write(`listening ${gateway.url} stats ${stats.port}\n`);
