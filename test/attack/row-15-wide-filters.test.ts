// Row 15: "2,500 live clients each filtering on 2,000 distinct ids | ~2 s event-loop stall"
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CLOSE } from '../../src/protocol/close-codes.js';
import { startTestGateway, waitFor } from '../support/helpers.js';
import { LiveTestClient } from '../support/live-client.js';

let seq = 0;
/** `n` ids no other filter names (short, so 2,000 of them fit a request line). */
const distinctIds = (n: number) => Array.from({ length: n }, () => (seq++).toString(36));

describe('row 15: clients with wide filters cannot stall the hub', () => {
  test('2,500 clients each naming 2,000 distinct ids are refused with 4400, without a stall', async (t) => {
    const gw = await startTestGateway(t);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    t.after(() => delay.disable());
    let most = 0;
    for (let done = 0; done < 2500; done += 250) {
      const clients = Array.from({ length: 250 }, () =>
        LiveTestClient.open(gw.url, `?users=${distinctIds(2000).join(',')}`),
      );
      t.after(() => clients.forEach((c) => c.close()));
      const closed = await Promise.all(clients.map((c) => c.waitForClose(30_000)));
      most = Math.max(most, gw.hub.clientCount);
      for (const [i, c] of clients.entries()) {
        assert.equal(closed[i]!.code, CLOSE.BAD_FILTER);
        assert.equal(c.of('error')[0]?.code, 'SB_LIVE_BAD_FILTER');
        assert.equal(c.of('snapshot').length, 0);
      }
      clients.forEach((c) => c.close());
    }
    assert.equal(most, 0, 'none of them got into the hub');
    const board = LiveTestClient.open(gw.url, '?kinds=queues');
    t.after(() => board.close());
    await waitFor(() => board.of('snapshot').length === 1, { what: 'the hub to take a client' });
    // Generous: the refusals' own work shares this loop with 2,500 clients' handshakes.
    const maxMs = delay.max / 1e6;
    assert.ok(maxMs < 1000, `event loop stalled for ${maxMs.toFixed(0)} ms`);
  });

  test('filters at the per-client limit are admitted until the hub-wide id limit, then refused', async (t) => {
    const gw = await startTestGateway(t, { live: { maxFilterIdsTotal: 5000 } });
    const wide = () => `?kinds=agents&users=${distinctIds(1000).join(',')}`;
    const admitted = Array.from({ length: 5 }, () => LiveTestClient.open(gw.url, wide()));
    t.after(() => admitted.forEach((c) => c.close()));
    await waitFor(() => admitted.every((c) => c.of('snapshot').length === 1), {
      what: 'five wide clients',
    });
    const sixth = LiveTestClient.open(gw.url, wide());
    t.after(() => sixth.close());
    const closed = await sixth.waitForClose();
    assert.equal(closed.code, CLOSE.TRY_AGAIN_LATER);
    assert.equal(sixth.of('error')[0]?.code, 'SB_LIVE_TOO_MANY_CLIENTS');
    assert.match(closed.reason, /live\.maxFilterIdsTotal/);
    const sse = await fetch(`${gw.url}/api/v1/live/sse${wide()}`);
    assert.equal(sse.status, 503);
    assert.equal(sse.headers.get('retry-after'), '5');
    // A filter naming no ids, or the ids of a connected client, costs the index nothing.
    const plain = LiveTestClient.open(gw.url, '?kinds=queues');
    t.after(() => plain.close());
    await waitFor(() => plain.of('snapshot').length === 1, { what: 'a client without ids' });
    assert.equal(gw.hub.clientCount, 6);
    // Once a wide client leaves, its ids are free again.
    admitted[0]!.close();
    await waitFor(() => gw.hub.clientCount === 5, { what: 'the wide client to leave' });
    const again = LiveTestClient.open(gw.url, wide());
    t.after(() => again.close());
    await waitFor(() => again.of('snapshot').length === 1, { what: 'a wide client again' });
  });
});
