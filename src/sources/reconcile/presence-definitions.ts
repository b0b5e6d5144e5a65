import type { Logger } from 'pino';
import { GenesysApiError, type GenesysRestClient } from '../../genesys/rest-client.js';
import { isPlainObject } from '../../util/objects.js';

/** The non-deprecated listing (PresenceApi `getPresenceDefinitions0`). */
export const PRESENCE_DEFINITIONS_PATH = '/api/v2/presence/definitions';
/** Deprecated ("Apps should migrate to use GET /api/v2/presence/definitions"), but needs no permission. */
export const LEGACY_PRESENCE_DEFINITIONS_PATH = '/api/v2/presencedefinitions';

/**
 * The org's presence definitions. The new endpoint is not paged (`{total, entities, selfUri}`)
 * and lists active or deactivated definitions, never both: a user can still be in a definition
 * that was deactivated since, so both are read to keep its label. `localeCode=ALL` returns every
 * language, for definitions that have no `en_US` label. It needs the permission
 * `presence:presenceDefinition:view`; a client without it (403), or an API that does not have
 * the endpoint (404), falls back to the deprecated paged listing.
 */
export async function fetchPresenceDefinitions(
  client: Pick<GenesysRestClient, 'get' | 'pages'>,
  logger: Logger,
): Promise<unknown[]> {
  try {
    const out: unknown[] = [];
    for (const deactivated of ['false', 'true']) {
      const listing = await client.get<unknown>(PRESENCE_DEFINITIONS_PATH, {
        deactivated,
        localeCode: 'ALL',
      });
      const entities = isPlainObject(listing) ? listing.entities : undefined;
      if (!Array.isArray(entities)) {
        throw new GenesysApiError({
          status: 200,
          code: 'invalid.listing',
          message: 'the answer has no entities array',
          method: 'GET',
          path: PRESENCE_DEFINITIONS_PATH,
          attempts: 1,
        });
      }
      out.push(...(entities as unknown[]));
    }
    return out;
  } catch (err) {
    if (!(err instanceof GenesysApiError) || (err.status !== 403 && err.status !== 404)) throw err;
    logger.warn(
      { status: err.status, code: err.code },
      `reconcile: ${PRESENCE_DEFINITIONS_PATH} refused; reading the deprecated ${LEGACY_PRESENCE_DEFINITIONS_PATH}`,
    );
    const out: unknown[] = [];
    for await (const d of client.pages<unknown>(LEGACY_PRESENCE_DEFINITIONS_PATH)) out.push(d);
    return out;
  }
}
