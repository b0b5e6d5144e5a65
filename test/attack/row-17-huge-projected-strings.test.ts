// Row 17: a 1 MiB agent name | stored and sent in every snapshot
//
// Live state now bounds what it keeps from a body (src/projection/limits.ts): names are cut at
// a character boundary, ids over the limit are not keys, lists per entity are capped. The log
// still holds the body byte-exact.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LIMITS } from '../../src/projection/limits.js';
import type { AgentView, SnapshotMessage } from '../../src/protocol/live-messages.js';
import { postSigned, startTestGateway, waitFor } from '../support/helpers.js';
import { LiveTestClient } from '../support/live-client.js';

const USER = 'e40f28ea-2d4c-4a7e-9a52-0b6a0b3f2f11';
const NAME = 'Ω'.repeat(512 * 1024); // 1 MiB of UTF-8

describe('row 17: a 1 MiB agent name', () => {
  test('is cut to the limit in state, the API and the live snapshot; the log keeps it whole', async (t) => {
    const gw = await startTestGateway(t, { ingest: { bodyLimitBytes: 2 * 1024 * 1024 } });
    const body = JSON.stringify({
      notificationId: 'n-huge-name',
      eventType: 'agentStateChange',
      timestamp: '2026-11-23T10:00:00.000Z',
      user: { id: USER, name: NAME, state: 'AVAIL', login: { status: 'LOGGED_IN' } },
    });
    assert.ok(Buffer.byteLength(body) > 1024 * 1024);
    assert.deepEqual((await postSigned(gw.url, body)).body, { accepted: 1, duplicates: 0 });

    const fetchAgents = async () => {
      const res = await fetch(`${gw.url}/api/v1/agents`);
      const text = await res.text();
      const agents = (JSON.parse(text) as { agents: AgentView[] }).agents;
      return agents.length > 0 ? { text, agents } : undefined;
    };
    const { text, agents } = await waitFor(fetchAgents, { timeoutMs: 20_000, what: 'the agent' });
    assert.equal(agents[0]!.name, 'Ω'.repeat(LIMITS.nameBytes / 2));
    assert.ok(text.length < 8192, `GET /api/v1/agents is ${text.length} bytes`);

    const client = new LiveTestClient(`${gw.url.replace(/^http/, 'ws')}/api/v1/live`);
    t.after(() => client.ws.terminate());
    const snapshot = await waitFor(
      () => client.messages.find((m): m is SnapshotMessage => m.type === 'snapshot'),
      { timeoutMs: 20_000, what: 'the snapshot' },
    );
    assert.ok(JSON.stringify(snapshot).length < 8192);
    assert.equal(Buffer.byteLength(snapshot.agents?.[0]?.name ?? ''), LIMITS.nameBytes);

    const [stored] = await gw.log.read(0, 1);
    assert.equal(Buffer.from(stored!.body).toString('utf8'), body, 'the raw body is exact');
  });
});
