import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import type { SecretRef, SignatureScheme } from './schema.js';

/**
 * A resolved secret value. It prints as `[redacted]` through JSON, util.inspect and string
 * coercion, so a config or an object holding it can be logged without leaking it.
 */
export class Secret {
  readonly name: string;
  readonly retired: boolean;
  readonly #value: string;

  constructor(name: string, value: string, retired = false) {
    this.name = name;
    this.#value = value;
    this.retired = retired;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return `Secret(${this.name})`;
  }
}

/** A webhook secret: it verifies signatures of its one scheme only (see `webhookSecretSchema`). */
export class WebhookSecret extends Secret {
  readonly scheme: SignatureScheme;

  constructor(name: string, value: string, retired = false, scheme?: SignatureScheme) {
    super(name, value, retired);
    this.scheme = scheme ?? (value.startsWith('whsec_') ? 'standard-webhooks' : 'genesys');
  }
}

export class SecretResolutionError extends Error {}

/** Resolves an inline value, `env:NAME`, `file:PATH`, `{env}`, `{file}` or `{value}`. */
export function resolveSecretRef(ref: SecretRef, env: NodeJS.ProcessEnv): string {
  if (typeof ref === 'string') {
    if (ref.startsWith('env:')) return fromEnv(ref.slice(4), env);
    if (ref.startsWith('file:')) return fromFile(ref.slice(5));
    return ref;
  }
  if ('env' in ref) return fromEnv(ref.env, env);
  if ('file' in ref) return fromFile(ref.file);
  return ref.value;
}

function fromEnv(name: string, env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new SecretResolutionError(`environment variable ${name} is not set`);
  }
  return value;
}

function fromFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SecretResolutionError(
      `cannot read secret file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  // Files written by editors and secret managers often end in a newline that is not part of the secret.
  const trimmed = text.replace(/\r?\n$/, '');
  if (trimmed === '') throw new SecretResolutionError(`secret file ${path} is empty`);
  return trimmed;
}

/**
 * What a scoped API token may see: the listed queues, and agents in them or in the teams; and
 * agents and queues in the listed Genesys divisions.
 */
export interface TokenScope {
  readonly queues: readonly string[];
  readonly teams: readonly string[];
  readonly divisions?: readonly string[];
}

/** An API bearer token, optionally scoped. */
export class ApiToken extends Secret {
  readonly scope: TokenScope | undefined;

  constructor(name: string, value: string, retired: boolean, scope: TokenScope | undefined) {
    super(name, value, retired);
    this.scope = scope;
  }
}
