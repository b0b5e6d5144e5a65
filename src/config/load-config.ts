import { existsSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type ParsedConfig, type SecretRef } from './schema.js';
import { applyEnvOverrides } from './env-overrides.js';
import {
  ApiToken,
  Secret,
  SecretResolutionError,
  WebhookSecret,
  resolveSecretRef,
} from './secret.js';
import { SwitchboardError } from '../errors.js';
import { isPlainObject } from '../util/objects.js';
import { PatternError, compilePattern } from '../router/event-pattern.js';
import { compileTemplate } from '../sinks/template.js';

/** A target as the gateway gets it: a lake's path resolved, an HTTP secret wrapped. */
type ResolvedTarget<T> = T extends { type: 'lake' }
  ? Omit<T, 'path'> & { readonly path: string }
  : T extends { type: 'postgres' | 'amqp' }
    ? Omit<T, 'url'> & { readonly url: Secret }
    : Omit<T, 'secret'> & { readonly secret?: Secret };

type NamedSecretInput = ParsedConfig['ingest']['eventbridge']['apiKeys'][number];

export interface Config extends Omit<
  ParsedConfig,
  'ingest' | 'api' | 'server' | 'genesys' | 'source' | 'sinks'
> {
  readonly sinks: Omit<ParsedConfig['sinks'], 'targets'> & {
    readonly targets: readonly ResolvedTarget<ParsedConfig['sinks']['targets'][number]>[];
  };
  readonly source: Omit<ParsedConfig['source'], 'mode'> & {
    /** Resolved: `stream` with Genesys credentials outside demo mode, else `push`. */
    readonly mode: 'push' | 'stream';
  };
  readonly server: Omit<ParsedConfig['server'], 'tls'> & {
    readonly tls?: {
      readonly cert: string;
      readonly key: string;
      readonly clientCa?: string;
      readonly allowedSubjects: readonly string[];
    };
  };
  readonly ingest: Omit<ParsedConfig['ingest'], 'webhook' | 'eventbridge'> & {
    readonly webhook: Omit<ParsedConfig['ingest']['webhook'], 'secrets'> & {
      readonly secrets: readonly WebhookSecret[];
    };
    readonly eventbridge: Omit<ParsedConfig['ingest']['eventbridge'], 'apiKeys'> & {
      readonly apiKeys: readonly Secret[];
    };
  };
  readonly api: Omit<ParsedConfig['api'], 'tokens'> & { readonly tokens: readonly ApiToken[] };
  readonly genesys: Omit<ParsedConfig['genesys'], 'clientSecret'> & {
    readonly clientSecret?: Secret;
  };
  /** Demo mode: the in-process emulator feeds the gateway (no Genesys credentials configured). */
  readonly demo: boolean;
  /** Where the config came from, for the start-up log line. */
  readonly configFile: string | undefined;
}

/** Invalid configuration (SB_CONFIG_INVALID): the CLI prints `message` on one line and exits 2. */
export class ConfigError extends SwitchboardError {
  constructor(message: string) {
    super('SB_CONFIG_INVALID', message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Explicit file (`--config`); otherwise SWITCHBOARD_CONFIG, then ./switchboard.yaml if present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values merged over the file and under the environment (tests and embedding). */
  overrides?: Record<string, unknown>;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file =
    options.file ??
    (env.SWITCHBOARD_CONFIG || undefined) ??
    (existsSync('switchboard.yaml') ? 'switchboard.yaml' : undefined);
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const merged = deepMerge(fromFile, options.overrides ?? {});
  const { value: withEnv, origins } = applyEnvOverrides(merged, env);

  const parsed = configSchema.safeParse(withEnv);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, origins));
  return deepFreeze(resolve(parsed.data, env, file));
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `config file ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file}: ${firstLine((err as Error).message)}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`config file ${file}: top level must be a mapping`);
  }
  return doc as Record<string, unknown>;
}

function formatIssues(issues: z.core.$ZodIssue[], origins: Map<string, string>): string {
  const parts = issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    const origin = origins.get(path);
    return `${path}: ${issue.message}${origin ? ` (from ${origin})` : ''}`;
  });
  const more = issues.length > 3 ? `; and ${issues.length - 3} more` : '';
  return `invalid config: ${parts.join('; ')}${more}`;
}

function resolve(parsed: ParsedConfig, env: NodeJS.ProcessEnv, file: string | undefined): Config {
  const secret = (ref: SecretRef, path: string): string => {
    try {
      return resolveSecretRef(ref, env);
    } catch (err) {
      if (err instanceof SecretResolutionError) {
        throw new ConfigError(`invalid config: ${path}: ${err.message}`);
      }
      throw err;
    }
  };
  const named = (list: readonly NamedSecretInput[], path: string, prefix: string): Secret[] =>
    list.map((entry, i) => {
      if (typeof entry === 'object' && 'secret' in entry) {
        const name = entry.name ?? `${prefix}-${i + 1}`;
        return new Secret(name, secret(entry.secret, `${path}.${i}.secret`), entry.retired);
      }
      return new Secret(`${prefix}-${i + 1}`, secret(entry, `${path}.${i}`));
    });

  parsed.sinks.targets.forEach((target, i) => {
    const templates: Record<string, string> =
      target.type === 'amqp'
        ? { routingKey: target.routingKey }
        : target.type === 'eventbridge'
          ? { source: target.source, detailType: target.detailType }
          : {};
    for (const [field, text] of Object.entries(templates)) {
      try {
        compileTemplate(text, `sinks.targets.${i}.${field}`);
      } catch (err) {
        if (err instanceof SwitchboardError)
          throw new ConfigError(`invalid config: ${err.message}`);
        throw err;
      }
    }
  });
  parsed.sinks.routes.forEach((route, i) => {
    try {
      compilePattern(route.pattern);
    } catch (err) {
      if (err instanceof PatternError)
        throw new ConfigError(`invalid config: sinks.routes.${i}.pattern: ${err.message}`);
      throw err;
    }
  });
  const { tls } = parsed.server;
  const hasCredentials =
    parsed.genesys.clientId !== undefined && parsed.genesys.clientSecret !== undefined;
  const demo = parsed.source.demo ?? !hasCredentials;
  if (parsed.source.mode === 'stream' && !demo && !hasCredentials) {
    throw new ConfigError(
      'invalid config: source.mode: "stream" needs genesys.clientId and genesys.clientSecret ' +
        '(GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET) outside demo mode',
    );
  }
  return {
    ...parsed,
    server: {
      ...parsed.server,
      tls: tls && {
        cert: secret(tls.cert, 'server.tls.cert'),
        key: secret(tls.key, 'server.tls.key'),
        ...(tls.clientCa ? { clientCa: secret(tls.clientCa, 'server.tls.clientCa') } : {}),
        allowedSubjects: tls.allowedSubjects,
      },
    },
    ingest: {
      ...parsed.ingest,
      webhook: {
        ...parsed.ingest.webhook,
        secrets: parsed.ingest.webhook.secrets.map((entry, i) =>
          typeof entry === 'object' && 'secret' in entry
            ? new WebhookSecret(
                entry.name ?? `webhook-${i + 1}`,
                secret(entry.secret, `ingest.webhook.secrets.${i}.secret`),
                entry.retired,
                entry.scheme,
              )
            : new WebhookSecret(`webhook-${i + 1}`, secret(entry, `ingest.webhook.secrets.${i}`)),
        ),
      },
      eventbridge: {
        ...parsed.ingest.eventbridge,
        apiKeys: named(parsed.ingest.eventbridge.apiKeys, 'ingest.eventbridge.apiKeys', 'apikey'),
      },
    },
    api: {
      ...parsed.api,
      tokens: parsed.api.tokens.map((entry, i) =>
        typeof entry === 'object' && 'secret' in entry
          ? new ApiToken(
              entry.name ?? `token-${i + 1}`,
              secret(entry.secret, `api.tokens.${i}.secret`),
              entry.retired,
              entry.scope,
            )
          : new ApiToken(`token-${i + 1}`, secret(entry, `api.tokens.${i}`), false, undefined),
      ),
    },
    genesys: {
      ...parsed.genesys,
      clientSecret:
        parsed.genesys.clientSecret === undefined
          ? undefined
          : new Secret('genesys', secret(parsed.genesys.clientSecret, 'genesys.clientSecret')),
    },
    sinks: {
      ...parsed.sinks,
      targets: parsed.sinks.targets.map((target, i) => {
        if (target.type === 'lake')
          return { ...target, path: resolvePath(target.path ?? join(parsed.dataDir, 'lake')) };
        if (target.type === 'postgres' || target.type === 'amqp')
          return {
            ...target,
            url: new Secret(target.name, secret(target.url, `sinks.targets.${i}.url`)),
          };
        if (target.type === 'eventbridge') return target;
        const { secret: ref, ...rest } = target;
        return ref === undefined
          ? rest
          : { ...rest, secret: new Secret(target.name, secret(ref, `sinks.targets.${i}.secret`)) };
      }),
    },
    source: {
      ...parsed.source,
      // The demo streams from its emulator exactly as from an org; push is one setting away.
      mode: parsed.source.mode ?? (demo || hasCredentials ? 'stream' : 'push'),
    },
    demo,
    configFile: file,
  };
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof Secret)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
