import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestEmulator } from '../support/emulator.js';
import { startTestGateway, waitFor } from '../support/helpers.js';

describe('projector', () => {
  test('agents projected from EventBridge events equal the emulator truth; /readyz reports the projector', async (t) => {
    const gw = await startTestGateway(t);
    const emu = await startTestEmulator(t, {
      agents: 120,
      queues: 4,
      seed: 31,
      eventbridge: { url: `${gw.url}/ingest/eventbridge`, apiKey: 'eb-key-123' },
    });
    emu.advance(40 * 60_000);
    await emu.eventbridge!.idle();
    const last = (await gw.log.stats()).lastOffset;
    const page = await waitFor(
      async () => {
        const body = (await (await fetch(`${gw.url}/api/v1/agents`)).json()) as {
          offset: number;
          agents: { id: string; presence?: string; routingStatus?: string }[];
        };
        return body.offset >= last ? body : undefined;
      },
      { what: 'the projector to catch up with the log' },
    );
    const truth = new Map(emu.truth().agents.map((a) => [a.id, a]));
    let compared = 0;
    for (const a of page.agents) {
      const real = truth.get(a.id)!;
      if (a.routingStatus !== undefined) assert.equal(a.routingStatus, real.routingStatus, a.id);
      if (a.presence !== undefined) assert.equal(a.presence, real.presence, a.id);
      compared++;
    }
    assert.ok(compared > 50, `${compared} agents projected`);
    const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as {
      consumers: Record<string, boolean>;
    };
    assert.deepEqual(ready.consumers, { projector: true });
  });
});
