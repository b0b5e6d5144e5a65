import type { Logger } from 'pino';
import { GenesysApiError, type GenesysRestClient } from '../../genesys/rest-client.js';

/** RoutingApi `getRoutingWrapupcodes`: a paged `WrapupCodeEntityListing` of `WrapupCode`. */
export const WRAPUP_CODES_PATH = '/api/v2/routing/wrapupcodes';

/**
 * The org's wrap-up codes. Detail events (`acw.wrapupCode`) and conversation participants
 * (`wrapup.code`) carry only the code's id, so the names come from here. The listing needs
 * `routing:wrapupCode:view`; a client without it (403), or an API without the endpoint (404),
 * still reconciles everything else, and legs then show the ids.
 */
export async function fetchWrapupCodes(
  client: Pick<GenesysRestClient, 'pages'>,
  logger: Logger,
): Promise<unknown[]> {
  const out: unknown[] = [];
  try {
    for await (const code of client.pages<unknown>(WRAPUP_CODES_PATH)) out.push(code);
    return out;
  } catch (err) {
    if (!(err instanceof GenesysApiError) || (err.status !== 403 && err.status !== 404)) throw err;
    logger.warn(
      { status: err.status, code: err.code },
      `reconcile: ${WRAPUP_CODES_PATH} refused; wrap-up codes are shown as ids`,
    );
    return [];
  }
}
