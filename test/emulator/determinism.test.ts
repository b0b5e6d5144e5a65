import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startEmulator } from '../support/emulator.js';

const START = Date.parse('2026-11-23T08:00:00.000Z');

/** Every message the emulator would put on the wire, in order (via its EventBridge rendering). */
async function wire(seed: number): Promise<string[]> {
  const emu = await startEmulator({ agents: 120, queues: 5, seed, startMs: START });
  const out: string[] = [];
  const publish = emu.publish.bind(emu);
  emu.publish = (msg, correlationId) => {
    out.push(`${msg.topicName} ${correlationId} ${JSON.stringify(msg.eventBody)}`);
    publish(msg, correlationId);
  };
  try {
    emu.advance(45 * 60_000);
    out.push(JSON.stringify(emu.truth()));
    return out;
  } finally {
    await emu.stop();
  }
}

describe('emulator determinism', () => {
  test('the same seed gives the same messages, bodies and truth; another seed does not', async () => {
    const a = await wire(5);
    assert.ok(a.length > 500, `${a.length} messages`);
    assert.deepEqual(await wire(5), a);
    assert.notDeepEqual((await wire(6)).slice(0, 50), a.slice(0, 50));
  });
});
