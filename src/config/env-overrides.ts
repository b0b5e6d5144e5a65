import type { z } from 'zod';
import { isPlainObject } from '../util/objects.js';
import { envNames } from './env-names.js';
import { configSchema } from './schema.js';

type Convert = (raw: string) => unknown;

// A value that does not convert is passed on as the raw string, so the schema reports it
// (`server.port: expected number, received string (from env PORT)`).
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

export interface EnvOverride {
  env: string;
  /** Dotted config path the variable sets. */
  path: string;
  /** From the field's type: numbers, booleans and comma-separated lists; strings as they are. */
  convert?: Convert;
}

// Wrappers that hold the field's real type one level down.
const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch']);

function defOf(schema: z.core.$ZodType): { type: string; innerType?: z.core.$ZodType } {
  return schema._zod.def;
}

/** The field's schema without defaults and optionality, and every layer it passed on the way. */
function unwrap(schema: z.core.$ZodType): { base: z.core.$ZodType; layers: z.core.$ZodType[] } {
  const layers = [schema];
  let base = schema;
  for (let def = defOf(base); WRAPPERS.has(def.type) && def.innerType; def = defOf(base)) {
    base = def.innerType;
    layers.push(base);
  }
  return { base, layers };
}

function convertFor(base: z.core.$ZodType): Convert | undefined {
  switch (defOf(base).type) {
    case 'number':
      return asNumber;
    case 'boolean':
      return asBoolean;
    case 'array':
      return asList;
    default:
      return undefined;
  }
}

function collect(schema: z.core.$ZodType, path: string[], out: EnvOverride[]): void {
  const { base, layers } = unwrap(schema);
  const env = layers.map((s) => envNames.get(s)?.env).find((name) => name !== undefined);
  if (env !== undefined) {
    const convert = convertFor(base);
    out.push({ env, path: path.join('.'), ...(convert ? { convert } : {}) });
  }
  const def = base._zod.def as { type: string; shape?: Record<string, z.core.$ZodType> };
  if (def.type === 'object' && def.shape) {
    for (const [key, field] of Object.entries(def.shape)) collect(field, [...path, key], out);
  }
}

/** The override table of `schema`: every field declared `withEnv`, with its dotted path. */
export function envOverridesOf(schema: z.core.$ZodType): readonly EnvOverride[] {
  const out: EnvOverride[] = [];
  collect(schema, [], out);
  const seen = new Set<string>();
  for (const { env } of out) {
    if (seen.has(env)) throw new Error(`config schema: ${env} is declared on two fields`);
    seen.add(env);
  }
  return Object.freeze(out);
}

/** Environment variables that override the config file, derived from the schema (`withEnv`). */
export const ENV_OVERRIDES: readonly EnvOverride[] = envOverridesOf(configSchema);

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
