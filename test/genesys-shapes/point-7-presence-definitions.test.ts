/**
 * Issue 11 point 7: presence definitions as a real org serves them.
 *
 * Shapes, from MyPureCloud/platform-client-sdk-javascript build/index.d.ts:
 * - `OrganizationPresenceDefinitionEntityListing` `{total, entities, selfUri}` (not paged) of
 *   `OrganizationPresenceDefinition` `{id, name?, type, languageLabels, systemPresence,
 *   divisionId, deactivated, selfUri}`, from `GET /api/v2/presence/definitions`
 *   (build/docs/PresenceApi.md `getPresenceDefinitions0`; `/api/v2/presencedefinitions` is
 *   deprecated there);
 * - `PresenceEventUserPresence` `{source, presenceDefinition: PresenceEventOrganizationPresence
 *   {id, systemPresence}, primary, message, modifiedDate}` for `v2.users.{id}.presence`
 *   (notificationMappings.json).
 * The system definitions' fixed ids: MyPureCloud/terraform-provider-genesyscloud
 * genesyscloud/organization_presence_definition/data_source_genesyscloud_organization_presence_definition_unit_test.go.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GenesysApiError, type Query } from '../../src/genesys/rest-client.js';
import { createLogger } from '../../src/ops/logger.js';
import { LiveState } from '../../src/projection/live-state.js';
import {
  fetchSnapshot,
  type ReconcileClient,
} from '../../src/sources/reconcile/reconcile-fetch.js';
import { storedEvent } from '../support/events.js';

const logger = createLogger('silent');
const AGENT = 'a1b2c3d4-0000-4000-8000-0000000000a1';
const ON_QUEUE_ID = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const BREAK_ID = '227b37e2-f1d0-4dd0-8f50-badd7cf6d158';

/** `OrganizationPresenceDefinition` entities: one system, user ones labelled in other locales. */
const ACTIVE = [
  {
    id: ON_QUEUE_ID,
    type: 'System',
    languageLabels: { en_US: 'On Queue' },
    systemPresence: 'OnQueue',
    divisionId: '*',
    deactivated: false,
    selfUri: `/api/v2/presence/definitions/${ON_QUEUE_ID}`,
  },
  {
    id: '09dd6ff4-ff90-4d98-a3de-88a63db56e64',
    type: 'User',
    languageLabels: { de: 'Mittagspause' },
    systemPresence: 'Meal',
    divisionId: 'd1',
    deactivated: false,
  },
  {
    id: '5d1a2f00-0000-4000-8000-0000000000c1',
    type: 'User',
    languageLabels: { en: 'Coaching', es: 'Entrenamiento' },
    systemPresence: 'Training',
    divisionId: 'd1',
    deactivated: false,
  },
  {
    id: '5d1a2f00-0000-4000-8000-0000000000c2',
    type: 'User',
    languageLabels: { fr: 'Pause', en_GB: 'Tea Break' },
    systemPresence: 'Break',
    divisionId: 'd1',
    deactivated: false,
  },
];
const DEACTIVATED = [
  {
    id: '992c2437-1833-4737-9ff4-eafdc4a360c8',
    type: 'User',
    languageLabels: { en_US: 'Smoke Break' },
    systemPresence: 'Break',
    divisionId: 'd1',
    deactivated: true,
  },
];

/** A client that answers like Genesys: the new listing unless `refuse` says it answers 403/404. */
function fakeClient(refuse?: 403 | 404) {
  const calls: string[] = [];
  const client: ReconcileClient = {
    get: <T>(path: string, query?: Query): Promise<T> => {
      calls.push(`get ${path} ${JSON.stringify(query ?? {})}`);
      if (path !== '/api/v2/presence/definitions') throw new Error(`unexpected GET ${path}`);
      if (refuse !== undefined) {
        return Promise.reject(
          new GenesysApiError({
            status: refuse,
            code: refuse === 403 ? 'missing.permissions' : 'not.found',
            message: 'refused',
            method: 'GET',
            path,
            attempts: 1,
          }),
        );
      }
      const entities = String(query?.deactivated) === 'true' ? DEACTIVATED : ACTIVE;
      return Promise.resolve({
        total: entities.length,
        entities,
        selfUri: '/api/v2/presence/definitions',
      } as T);
    },
    pages: <T>(path: string) => {
      calls.push(`pages ${path}`);
      // The deprecated listing: `OrganizationPresence` with `primary` and a `name`.
      const items: unknown[] =
        path === '/api/v2/presencedefinitions'
          ? [{ id: BREAK_ID, name: 'Break', languageLabels: { en_US: 'Break' }, primary: true }]
          : [];
      return (async function* () {
        yield* items as T[];
      })();
    },
  };
  return { client, calls };
}

describe('point 7: presence definitions', () => {
  test('the reconciler reads the non-deprecated endpoint, active and deactivated, in every locale', async () => {
    const { client, calls } = fakeClient();
    const snapshot = await fetchSnapshot(client, logger, 1, () => {});
    assert.deepEqual(
      calls.filter((c) => c.includes('presence')),
      [
        'get /api/v2/presence/definitions {"deactivated":"false","localeCode":"ALL"}',
        'get /api/v2/presence/definitions {"deactivated":"true","localeCode":"ALL"}',
      ],
    );
    assert.deepEqual(
      snapshot.presenceDefinitions.map((d) => (d as { id: string }).id),
      [...ACTIVE, ...DEACTIVATED].map((d) => d.id),
    );
  });

  for (const status of [403, 404] as const) {
    test(`a ${status} from the new endpoint falls back to the deprecated one`, async () => {
      const { client, calls } = fakeClient(status);
      const snapshot = await fetchSnapshot(client, logger, 1, () => {});
      assert.ok(calls.includes('pages /api/v2/presencedefinitions'), calls.join('\n'));
      assert.deepEqual(
        snapshot.presenceDefinitions.map((d) => (d as { id: string }).id),
        [BREAK_ID],
      );
    });
  }

  test('other failures of the new endpoint are not hidden by the fallback', async () => {
    const { client } = fakeClient();
    const failing: ReconcileClient = {
      ...client,
      get: () =>
        Promise.reject(
          new GenesysApiError({
            status: 500,
            code: 'internal.server.error',
            message: 'boom',
            method: 'GET',
            path: '/api/v2/presence/definitions',
            attempts: 3,
          }),
        ),
    };
    await assert.rejects(
      fetchSnapshot(failing, logger, 1, () => {}),
      /500/,
    );
  });

  test('a label without en_US falls back to en, other English, then any language', () => {
    const state = new LiveState();
    let offset = 0;
    state.apply(
      storedEvent(++offset, 'reconcile.presence-definitions', {
        body: { entities: [...ACTIVE, ...DEACTIVATED] },
      }),
    );
    const expectations: [string, string][] = [
      ['09dd6ff4-ff90-4d98-a3de-88a63db56e64', 'Mittagspause'],
      ['5d1a2f00-0000-4000-8000-0000000000c1', 'Coaching'],
      ['5d1a2f00-0000-4000-8000-0000000000c2', 'Tea Break'],
      ['992c2437-1833-4737-9ff4-eafdc4a360c8', 'Smoke Break'],
    ];
    for (const [i, [definitionId, label]] of expectations.entries()) {
      const defn = [...ACTIVE, ...DEACTIVATED].find((d) => d.id === definitionId)!;
      state.apply(
        storedEvent(++offset, 'user.presence', {
          subject: { userId: AGENT },
          body: {
            source: 'PURECLOUD',
            presenceDefinition: { id: definitionId, systemPresence: defn.systemPresence },
            primary: false,
            modifiedDate: new Date(Date.UTC(2026, 10, 23, 10, i)).toISOString(),
          },
        }),
      );
      const view = state.agent(AGENT)!;
      assert.equal(view.presenceLabel, label, definitionId);
      assert.equal(view.label, label, definitionId);
    }
  });

  test('a presence that names only a system definition id has that system presence', () => {
    const state = new LiveState();
    state.apply(
      storedEvent(1, 'user.presence', {
        subject: { userId: AGENT },
        body: {
          presenceDefinition: { id: ON_QUEUE_ID },
          modifiedDate: '2026-11-23T10:00:00.000Z',
        },
      }),
    );
    state.apply(
      storedEvent(2, 'user.presence', {
        subject: { userId: 'b1b2c3d4-0000-4000-8000-0000000000b2' },
        body: { presenceDefinition: { id: BREAK_ID }, modifiedDate: '2026-11-23T10:00:00.000Z' },
      }),
    );
    assert.equal(state.agent(AGENT)?.presence, 'ON_QUEUE');
    assert.equal(state.agent(AGENT)?.loggedIn, true);
    assert.equal(state.agent('b1b2c3d4-0000-4000-8000-0000000000b2')?.label, 'Break');
  });

  test('the three spellings of On Queue (event, definition enum, REST capture) are one presence', () => {
    for (const spelling of ['ON_QUEUE', 'OnQueue', 'On Queue']) {
      const state = new LiveState();
      state.apply(
        storedEvent(1, 'user.presence', {
          subject: { userId: AGENT },
          body: { presenceDefinition: { id: ON_QUEUE_ID, systemPresence: spelling } },
        }),
      );
      assert.equal(state.agent(AGENT)?.presence, 'ON_QUEUE', spelling);
    }
  });
});
