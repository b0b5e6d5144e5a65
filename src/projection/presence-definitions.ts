import { isPlainObject } from '../util/objects.js';
import { normalizePresence } from './agent-label.js';

/**
 * The ten system presence definitions, by id. Genesys gives them the same ids in every org:
 * the "captured from an org" `/api/v2/presencedefinitions` answer in Genesys's own Terraform
 * provider (MyPureCloud/terraform-provider-genesyscloud
 * genesyscloud/organization_presence_definition/data_source_genesyscloud_organization_presence_definition_unit_test.go,
 * its `primary: true` entities), and the same ids as `oUserPresences` qualifiers in unrelated
 * orgs' data actions. A presence that names only its definition id still has a system presence.
 */
export const SYSTEM_PRESENCE_IDS: Readonly<Record<string, string>> = {
  '6a3af858-942f-489d-9700-5f9bcdcdae9b': 'AVAILABLE',
  '31fe3bac-dea6-44b7-bed7-47f91660a1a0': 'BUSY',
  '7ffa01cd-7866-4ad7-8faa-31e11b42f51f': 'IDLE',
  '5e5c5c66-ea97-4e7f-ac41-6424784829f2': 'AWAY',
  'bbdff279-7ae1-48ea-bade-7831d7234c64': 'MEETING',
  '3fd96123-badb-4f69-bc03-1b1ccc6d8014': 'MEAL',
  'd2390a99-8546-bad9-8f0a-219548e8aeb0': 'TRAINING',
  'e08eaf1b-ee47-4fa9-a231-1200e284798f': 'ON_QUEUE',
  '227b37e2-f1d0-4dd0-8f50-badd7cf6d158': 'BREAK',
  'ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5': 'OFFLINE',
};

/** The system presence of a presence node: its `systemPresence` in any casing, else its fixed id. */
export function systemPresenceOf(systemPresence: unknown, id: unknown): string | undefined {
  const named = normalizePresence(systemPresence);
  if (named !== undefined) return named;
  return typeof id === 'string' && Object.hasOwn(SYSTEM_PRESENCE_IDS, id)
    ? SYSTEM_PRESENCE_IDS[id]
    : undefined;
}

/**
 * The label of an `OrganizationPresenceDefinition`: `languageLabels` is a map by locale and an
 * org may have labelled a definition in another language only (`{"de": "Mittagspause"}`), so
 * `en_US`, then `en`, then any other English, then the first label, then `name`. Undefined when
 * none is a non-empty string: the tile then says the system presence's own label.
 */
export function definitionLabel(d: Record<string, unknown>): string | undefined {
  const labels = isPlainObject(d.languageLabels) ? d.languageLabels : {};
  const usable = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
  for (const key of ['en_US', 'en']) if (usable(labels[key])) return labels[key];
  const entries = Object.entries(labels).filter((e): e is [string, string] => usable(e[1]));
  const english = entries.find(([k]) => /^en[_-]/i.test(k));
  if (english) return english[1];
  if (entries[0]) return entries[0][1];
  return usable(d.name) ? d.name : undefined;
}
