export { loadConfig, ConfigError, type Config, type LoadConfigOptions } from './load-config.js';
export { ENV_OVERRIDES } from './env-overrides.js';
export { ApiToken, Secret, WebhookSecret, type TokenScope } from './secret.js';
export type { SignatureScheme } from './schema.js';
