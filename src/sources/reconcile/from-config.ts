import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import {
  GenesysRestClient,
  apiBaseForRegion,
  loginBaseForRegion,
  type GenesysRestClientOptions,
  type RetryInfo,
} from '../../genesys/rest-client.js';
import {
  Reconciler,
  type ProjectedState,
  type ReconcileError,
  type ReconcileResult,
} from './reconciler.js';

/** The emulator's default OAuth client (what `startDemoEmulator` runs with). */
export const DEMO_CLIENT = { clientId: 'demo-client', clientSecret: 'demo-secret' } as const;

/** The region used when neither `genesys.region` nor `genesys.apiBase` is set (the SDK's default). */
export const DEFAULT_REGION = 'mypurecloud.com';

export interface FromConfigOptions {
  /** Demo mode: the running emulator's URL (`emulator.url`); needed when its port is 0. */
  emulatorUrl?: string;
  onRetry?: (info: RetryInfo) => void;
  onRun?: (outcome: ReconcileResult | ReconcileError) => void;
}

/**
 * REST client options from the config: the demo emulator with its default client in demo
 * mode; otherwise `genesys.clientId`/`clientSecret` against `genesys.apiBase`, or the region's
 * hosts. Undefined when there is nothing to call (no credentials, or demo mode without a
 * known emulator address).
 */
export function genesysClientOptions(
  config: Pick<Config, 'demo' | 'genesys' | 'source'>,
  options: FromConfigOptions = {},
): GenesysRestClientOptions | undefined {
  const hooks = options.onRetry ? { onRetry: options.onRetry } : {};
  if (config.demo) {
    const port = config.source.emulatorPort;
    const apiBase = options.emulatorUrl ?? (port === 0 ? undefined : `http://127.0.0.1:${port}`);
    return apiBase === undefined ? undefined : { apiBase, ...DEMO_CLIENT, ...hooks };
  }
  const { clientId, clientSecret, region, apiBase } = config.genesys;
  if (clientId === undefined || clientSecret === undefined) return undefined;
  return {
    ...(apiBase !== undefined
      ? { apiBase }
      : {
          apiBase: apiBaseForRegion(region ?? DEFAULT_REGION),
          loginBase: loginBaseForRegion(region ?? DEFAULT_REGION),
        }),
    clientId,
    clientSecret: clientSecret.reveal(),
    requestsPerMinute: config.genesys.requestsPerMinute,
    ...hooks,
  };
}

/**
 * The gateway's one Genesys REST client (one token, one retry policy, shared by the reconciler
 * and the stream), built by `genesysClientOptions` at first use. Undefined while it cannot be
 * built (demo mode before the emulator listens: asked again next time); `never` when it never
 * can (no credentials outside demo mode). `peek` is the client if it was built, without building
 * it (for health and metrics).
 */
export function sharedGenesysClient(
  config: Pick<Config, 'demo' | 'genesys' | 'source'>,
  options: Omit<FromConfigOptions, 'emulatorUrl'> & { emulatorUrl?: () => string | undefined } = {},
): {
  get: () => GenesysRestClient | undefined;
  peek: () => GenesysRestClient | undefined;
  never: boolean;
} {
  const { emulatorUrl, onRetry } = options;
  let client: GenesysRestClient | undefined;
  const get = () => {
    if (client) return client;
    const url = emulatorUrl?.();
    const clientOptions = genesysClientOptions(config, {
      ...(onRetry ? { onRetry } : {}),
      ...(url !== undefined ? { emulatorUrl: url } : {}),
    });
    client = clientOptions && new GenesysRestClient(clientOptions);
    return client;
  };
  const never =
    !config.demo &&
    (config.genesys.clientId === undefined || config.genesys.clientSecret === undefined);
  // Outside demo mode everything is known now: a bad region or URL fails the start, not a run.
  if (!config.demo && !never) get();
  return { get, peek: () => client, never };
}

/**
 * The reconcile source over the shared client, or undefined when it can never have one (no
 * credentials outside demo mode). In demo mode the client is built at the first run that knows
 * the emulator's address.
 */
export function reconcilerFromConfig(
  config: Pick<Config, 'reconcile'>,
  shared: ReturnType<typeof sharedGenesysClient>,
  logger: Logger,
  options: Pick<FromConfigOptions, 'onRun'> & {
    onActivation?: (reason: string) => void;
    orgNow?: () => number;
    projected?: ProjectedState;
  } = {},
): Reconciler | undefined {
  if (shared.never) return undefined;
  return new Reconciler({
    client: shared.get,
    logger,
    activation: {
      debounceMs: config.reconcile.activationDebounceMs,
      maxPerHour: config.reconcile.maxActivationsPerHour,
    },
    ...(options.onRun ? { onRun: options.onRun } : {}),
    ...(options.onActivation ? { onActivation: options.onActivation } : {}),
    ...(options.orgNow ? { orgNow: options.orgNow } : {}),
    ...(options.projected ? { projected: options.projected } : {}),
  });
}
