import { SwitchboardError } from '../../src/errors.js';
import { GenesysRestClient } from '../../src/genesys/rest-client.js';
import { createLogger } from '../../src/ops/logger.js';
import { Reconciler } from '../../src/sources/reconcile/reconciler.js';
import { startTestEmulator } from '../support/emulator.js';
import { runSourceSuite, type Delivery } from './source-suite.js';

runSourceSuite('reconcile (against the emulator)', {
  gapOnAppendFailure: false,
  async create(t) {
    const emu = await startTestEmulator(t, {
      agents: 12,
      queues: 2,
      seed: 5,
      startMs: Date.parse('2026-11-23T08:00:00.000Z'),
    });
    emu.advance(10 * 60_000);
    const client = new GenesysRestClient({
      apiBase: emu.url,
      clientId: 'demo-client',
      clientSecret: 'demo-secret',
      maxRetries: 1,
      sleep: async () => {},
    });
    // Small chunks, so a run is several appends and stop has more than one to wait for.
    const source = new Reconciler({ client, logger: createLogger('silent'), chunkSize: 5 });
    return {
      source,
      deliver: async (): Promise<Delivery> => {
        try {
          const result = await source.run();
          return {
            acked: true,
            ids: [
              `reconcile:${result.runId}:presence-definitions`,
              `reconcile:${result.runId}:complete`,
            ],
          };
        } catch (err) {
          const cause = err instanceof SwitchboardError ? err : (err as Error).cause;
          return { acked: false, code: cause instanceof SwitchboardError ? cause.code : undefined };
        }
      },
    };
  },
});
