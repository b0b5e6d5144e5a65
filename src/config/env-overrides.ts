import { isPlainObject } from '../util/objects.js';

type Convert = (raw: string) => unknown;

const asNumber: Convert = (raw) => (/^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw);
const asBoolean: Convert = (raw) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return raw;
};
const asList: Convert = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Environment variables that override the config file (CONTRACT.md), with the path each sets. */
export const ENV_OVERRIDES: readonly { env: string; path: string; convert?: Convert }[] = [
  { env: 'HOST', path: 'server.host' },
  { env: 'PORT', path: 'server.port', convert: asNumber },
  { env: 'SWITCHBOARD_DATA_DIR', path: 'dataDir' },
  { env: 'SWITCHBOARD_WEBHOOK_SECRETS', path: 'ingest.webhook.secrets', convert: asList },
  { env: 'SWITCHBOARD_EVENTBRIDGE_API_KEYS', path: 'ingest.eventbridge.apiKeys', convert: asList },
  { env: 'SWITCHBOARD_API_TOKENS', path: 'api.tokens', convert: asList },
  { env: 'SWITCHBOARD_DEMO', path: 'source.demo', convert: asBoolean },
  { env: 'EMULATOR_PORT', path: 'source.emulatorPort', convert: asNumber },
  { env: 'SWITCHBOARD_SOURCE', path: 'source.mode' },
  { env: 'GENESYS_CLIENT_ID', path: 'genesys.clientId' },
  { env: 'GENESYS_CLIENT_SECRET', path: 'genesys.clientSecret' },
  { env: 'GENESYS_REGION', path: 'genesys.region' },
  { env: 'GENESYS_API_BASE', path: 'genesys.apiBase' },
  { env: 'SWITCHBOARD_LOG', path: 'log.backend' },
  { env: 'NATS_URL', path: 'log.natsUrl' },
  { env: 'SWITCHBOARD_STREAM', path: 'log.stream' },
  { env: 'SWITCHBOARD_DEDUPE', path: 'log.dedupe' },
  { env: 'REDIS_URL', path: 'log.redisUrl' },
  { env: 'SWITCHBOARD_LOG_LEVEL', path: 'logging.level' },
];

/** Returns a copy of `config` with env values set, and which env var set each path. */
export function applyEnvOverrides(
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { value: Record<string, unknown>; origins: Map<string, string> } {
  const value = structuredClone(config);
  const origins = new Map<string, string>();
  for (const { env: name, path, convert } of ENV_OVERRIDES) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(value, path.split('.'), convert ? convert(raw) : raw);
    origins.set(path, `env ${name}`);
    // A list from the environment reports errors at `path.N`; credit those to the variable too.
    for (let i = 0; i < 64; i++) origins.set(`${path}.${i}`, `env ${name}`);
  }
  return { value, origins };
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!isPlainObject(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}
