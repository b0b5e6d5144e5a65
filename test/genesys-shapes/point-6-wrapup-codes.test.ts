/**
 * Issue 11 point 6 (leftover): wrap-up codes are ids, resolved to names.
 *
 * Shapes, from MyPureCloud/platform-client-sdk-javascript build/index.d.ts:
 * - `WrapupCodeEntityListing` `{entities, pageSize, pageNumber, total, pageCount, …Uri}` of
 *   `WrapupCode` `{id, name, division: StarrableDivision, …}`, from `GET /api/v2/routing/wrapupcodes`
 *   (build/docs/RoutingApi.md `getRoutingWrapupcodes`);
 * - `ConversationCallEventTopicCallMediaParticipant.wrapup`: `ConversationCallEventTopicWrapup`
 *   `{code, notes, tags, durationSeconds, endTime}` on `v2.users.{id}.conversations.calls`;
 * - `AcwDetailEventTopicAfterCallWorkEvent.wrapupCode` (a string with no description: the id
 *   the listing above names).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GenesysApiError } from '../../src/genesys/rest-client.js';
import { createLogger } from '../../src/ops/logger.js';
import { LiveState } from '../../src/projection/live-state.js';
import { buildEvents } from '../../src/sources/reconcile/reconcile-events.js';
import {
  fetchSnapshot,
  type ReconcileClient,
} from '../../src/sources/reconcile/reconcile-fetch.js';
import { topicsFor } from '../../src/emulator/render/topics.js';
import { apiHeaders, startTestEmulator } from '../support/emulator.js';
import { storedEvent } from '../support/events.js';
import { notificationEvent } from '../support/notifications.js';
import { assertSdkShape, shapedConversation } from '../support/sdk-models.js';

const logger = createLogger('silent');
const U = 'a1b2c3d4-0000-4000-8000-0000000000a1';
const Q = 'b1b2c3d4-0000-4000-8000-0000000000b1';
const RESOLVED = '1a2b3c4d-0000-4000-8000-0000000000e1';
const ESCALATED = '1a2b3c4d-0000-4000-8000-0000000000e2';

const CODES = [
  {
    id: RESOLVED,
    name: 'Resolved',
    division: { id: 'd1', name: 'Home' },
    selfUri: `/api/v2/routing/wrapupcodes/${RESOLVED}`,
  },
  { id: ESCALATED, name: 'Escalated', division: { id: 'd1', name: 'Home' } },
];

/** Pages of `WrapupCodeEntityListing`, one code a page; `refuse` answers the listing 403. */
function fakeClient(refuse = false): { client: ReconcileClient; paths: string[] } {
  const paths: string[] = [];
  const client: ReconcileClient = {
    get: <T>(path: string): Promise<T> =>
      Promise.resolve({ total: 0, entities: [], selfUri: path } as T),
    pages: <T>(path: string) => {
      paths.push(path);
      return (async function* () {
        if (path !== '/api/v2/routing/wrapupcodes') return;
        if (refuse) {
          throw new GenesysApiError({
            status: 403,
            code: 'missing.permissions',
            message: 'routing:wrapupCode:view',
            method: 'GET',
            path,
            attempts: 1,
          });
        }
        for (const [i, code] of CODES.entries()) {
          const listing = {
            entities: [code],
            pageSize: 1,
            pageNumber: i + 1,
            total: CODES.length,
            pageCount: CODES.length,
          };
          assertSdkShape('WrapupCodeEntityListing', listing);
          assertSdkShape('WrapupCode', code);
          yield* listing.entities as T[];
        }
      })();
    },
  };
  return { client, paths };
}

/** An agent's `.calls` leg after the call: in ACW, or with the wrap-up submitted. */
function acwBody(wrapup?: { code: string; durationSeconds?: number; endTime?: string }) {
  return shapedConversation(
    'ConversationCallEventTopicCallConversation',
    'ConversationCallEventTopicCallMediaParticipant',
    {
      id: 'c1',
      participants: [
        {
          id: 'p-cust',
          purpose: 'customer',
          state: 'connected',
          direction: 'inbound',
          ani: 'tel:+15551234567',
        },
        {
          id: 'p-agent',
          purpose: 'agent',
          state: 'disconnected',
          direction: 'inbound',
          user: { id: U },
          queue: { id: Q },
          connectedTime: '2024-05-02T10:00:24.000Z',
          endTime: '2024-05-02T10:04:00.000Z',
          startAcwTime: '2024-05-02T10:04:00.000Z',
          wrapupRequired: true,
          ...(wrapup ? { wrapup } : {}),
        },
      ],
    },
  );
}

function reconcileCodes(offset: number, entities: unknown[]) {
  return storedEvent(offset, 'reconcile.wrapup-codes', { body: { entities } });
}

describe('point 6: wrap-up codes resolved to names', () => {
  test('the reconciler reads every page of /api/v2/routing/wrapupcodes into one event', async () => {
    const { client, paths } = fakeClient();
    const snapshot = await fetchSnapshot(client, logger, 1, () => {});
    assert.ok(paths.includes('/api/v2/routing/wrapupcodes'), paths.join('\n'));
    assert.deepEqual(
      (snapshot.wrapupCodes ?? []).map((c) => (c as { id: string }).id),
      [RESOLVED, ESCALATED],
    );
    const { events } = buildEvents(
      'run1',
      '2024-05-02T10:00:00.000Z',
      '2024-05-02T10:00:01.000Z',
      snapshot,
    );
    const codes = events.filter((e) => e.kind === 'reconcile.wrapup-codes');
    assert.equal(codes.length, 1);
    assert.deepEqual(
      (JSON.parse(Buffer.from(codes[0]!.body).toString('utf8')) as { entities: unknown[] })
        .entities,
      CODES,
    );
  });

  test('a client without routing:wrapupCode:view still reconciles the rest', async () => {
    const { client } = fakeClient(true);
    const snapshot = await fetchSnapshot(client, logger, 1, () => {});
    assert.deepEqual(snapshot.wrapupCodes, []);
  });

  test("an agent's leg shows the picked code's name, or its id when unnamed", () => {
    const s = new LiveState();
    s.apply(reconcileCodes(1, CODES));
    s.apply(
      notificationEvent(`v2.users.${U}.conversations.calls`, acwBody(), '2024-05-02T10:04:00.000Z'),
    );
    const leg = () => s.agent(U)?.conversations.find((c) => c.id === 'c1');
    assert.equal(leg()?.state, 'acw');
    assert.equal(leg()?.wrapupCode, undefined, 'no code picked yet');
    s.drainChanges();

    const picked = { code: ESCALATED, durationSeconds: 20, endTime: '2024-05-02T10:04:20.000Z' };
    assertSdkShape('ConversationCallEventTopicWrapup', picked);
    s.apply(
      notificationEvent(
        `v2.users.${U}.conversations.calls`,
        acwBody(picked),
        '2024-05-02T10:04:20.000Z',
      ),
    );
    assert.equal(leg()?.state, 'acw');
    assert.equal(leg()?.wrapupCode, 'Escalated');
    assert.ok(
      s.drainChanges().agents.some((a) => a.id === U),
      'the agent is sent again when only the code changed',
    );

    const other = new LiveState();
    other.apply(
      notificationEvent(
        `v2.users.${U}.conversations.calls`,
        acwBody({ code: RESOLVED }),
        '2024-05-02T10:04:20.000Z',
      ),
    );
    const otherLeg = () => other.agent(U)?.conversations.find((c) => c.id === 'c1');
    assert.equal(otherLeg()?.wrapupCode, RESOLVED, 'unknown code: the id');
    other.drainChanges();
    other.apply(reconcileCodes(9, CODES));
    assert.equal(otherLeg()?.wrapupCode, 'Resolved', 'named once the codes are read');
    assert.ok(other.drainChanges().agents.some((a) => a.id === U));
  });

  test('hostile listings are bounded: no id, no name, or too long an id is skipped', () => {
    const s = new LiveState();
    s.apply(
      reconcileCodes(1, [
        { name: 'no id' },
        { id: RESOLVED },
        { id: 'x'.repeat(10_000), name: 'long' },
        { id: RESOLVED, name: 'y'.repeat(10_000) },
        'not an object',
      ]),
    );
    s.apply(
      notificationEvent(
        `v2.users.${U}.conversations.calls`,
        acwBody({ code: RESOLVED }),
        '2024-05-02T10:04:20.000Z',
      ),
    );
    const shown = s.agent(U)?.conversations[0]?.wrapupCode ?? '';
    assert.ok(Buffer.byteLength(shown) <= 256, `${Buffer.byteLength(shown)} bytes`);
    assert.match(shown, /^y+$/);
  });

  test('the emulator lists its codes in the real shape, and sends only their ids', async (t) => {
    const emu = await startTestEmulator(t, { agents: 20, queues: 2, seed: 11 });
    const res = await fetch(`${emu.url}/api/v2/routing/wrapupcodes?pageSize=100`, {
      headers: await apiHeaders(emu),
    });
    assert.equal(res.status, 200);
    const listing = (await res.json()) as { entities: { id: string; name: string }[] };
    assertSdkShape('WrapupCodeEntityListing', listing);
    for (const c of listing.entities) assertSdkShape('WrapupCode', c);
    assert.ok(listing.entities.length > 0);
    const ids = new Set(listing.entities.map((c) => c.id));
    assert.ok(listing.entities.every((c) => c.name !== '' && c.name !== c.id));
    assert.deepEqual(
      emu.sim.org.wrapupCodes.map((c) => c.id).filter((id) => !ids.has(id)),
      [],
    );

    // What agents pick reaches both families as an id of that list: the participant's
    // `wrapup` (ConversationEventTopicWrapup) and the detail `acw` event's `wrapupCode`.
    const picked: string[] = [];
    const detail: string[] = [];
    emu.sim.onEvent((e) => {
      for (const m of topicsFor(e, () => 'Agent')) {
        if (m.topicName.endsWith('.acw')) detail.push(String(m.eventBody.wrapupCode));
        const participants = m.eventBody.participants;
        if (!Array.isArray(participants)) continue;
        for (const p of participants as Record<string, unknown>[]) {
          if (p.wrapup === undefined) continue;
          assertSdkShape('ConversationEventTopicWrapup', p.wrapup as object);
          picked.push(String((p.wrapup as { code: unknown }).code));
        }
      }
    });
    emu.sim.burst(6, 300);
    for (let i = 0; i < 20; i++) emu.advance(30_000);
    assert.ok(picked.length > 0, 'participants carry their wrap-up');
    assert.ok(detail.length > 0, 'acw detail events sent');
    assert.deepEqual(
      [...picked, ...detail].filter((id) => !ids.has(id)),
      [],
    );
  });
});
