import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Secret, SignatureScheme, WebhookSecret } from '../../config/index.js';
import type { ErrorCode } from '../../errors.js';

export type VerifyResult =
  | { ok: true; scheme: SignatureScheme; secret: string; webhookId?: string }
  | {
      ok: false;
      scheme: SignatureScheme | 'none';
      code: ErrorCode;
      reason: string;
      message: string;
    };

export interface SignatureVerifierOptions {
  schemes: readonly SignatureScheme[];
  /** Each verifies its own scheme only. */
  secrets: readonly WebhookSecret[];
  timestampToleranceSec: number;
  now?: () => number;
}

const DIGEST_BYTES = 32;
const MAX_HEADER_CHARS = 4096;
const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=?$|^[A-Za-z0-9_-]{43}$/;

/**
 * Verifies HMAC-SHA256 signatures over the exact raw body (never a re-serialized object) for
 * three schemes, picked by which header is present:
 * - `standard-webhooks`: `webhook-id` / `webhook-timestamp` / `webhook-signature: v1,<b64> …`,
 *   over `id.timestamp.body`, with a timestamp tolerance; `whsec_` secrets are base64 keys.
 * - `hub-signature`: Genesys Open Messaging, `X-Hub-Signature-256: sha256=<base64|hex>`.
 * - `genesys`: the integration guides' `X-Genesys-Webhook-Signature: <hex|base64>`.
 * Every comparison is between two 32-byte digests with timingSafeEqual, so a malformed or
 * wrong-length signature is rejected before any comparison and never throws. A secret verifies
 * only its own scheme: with one key for all, an HMAC over `id.ts.body` made for one scheme
 * would pass as another's signature (and the other way round).
 */
export class SignatureVerifier {
  readonly #schemes: ReadonlySet<SignatureScheme>;
  readonly #secrets: ReadonlyMap<SignatureScheme, { active: Secret[]; retired: Secret[] }>;
  readonly #toleranceSec: number;
  readonly #now: () => number;

  constructor(options: SignatureVerifierOptions) {
    this.#schemes = new Set(options.schemes);
    const byScheme = new Map<SignatureScheme, { active: Secret[]; retired: Secret[] }>();
    for (const scheme of this.#schemes) byScheme.set(scheme, { active: [], retired: [] });
    for (const secret of options.secrets) {
      byScheme.get(secret.scheme)?.[secret.retired ? 'retired' : 'active'].push(secret);
    }
    this.#secrets = byScheme;
    this.#toleranceSec = options.timestampToleranceSec;
    this.#now = options.now ?? Date.now;
  }

  get activeSecretNames(): string[] {
    return [...this.#secrets.values()].flatMap((s) => s.active.map((secret) => secret.name));
  }

  verify(headers: IncomingHttpHeaders, body: Uint8Array): VerifyResult {
    if (this.#schemes.has('standard-webhooks') && headers['webhook-signature'] !== undefined) {
      return this.#standardWebhooks(headers, body);
    }
    const hub = headers['x-hub-signature-256'];
    if (this.#schemes.has('hub-signature') && hub !== undefined) {
      return this.#digestHeader('hub-signature', single(hub), body, 'sha256=');
    }
    const genesys = headers['x-genesys-webhook-signature'];
    if (this.#schemes.has('genesys') && genesys !== undefined) {
      return this.#digestHeader('genesys', single(genesys), body, undefined);
    }
    return fail(
      'none',
      'SB_SIGNATURE_MISSING',
      'missing',
      'no signature header for an accepted scheme',
    );
  }

  #digestHeader(
    scheme: SignatureScheme,
    value: string,
    body: Uint8Array,
    requiredPrefix: string | undefined,
  ): VerifyResult {
    let sig = value.trim();
    if (sig === '')
      return fail(scheme, 'SB_SIGNATURE_MALFORMED', 'empty', 'signature header is empty');
    if (requiredPrefix !== undefined) {
      if (!sig.toLowerCase().startsWith(requiredPrefix)) {
        return fail(
          scheme,
          'SB_SIGNATURE_MALFORMED',
          'malformed',
          `signature must start with "${requiredPrefix}"`,
        );
      }
      sig = sig.slice(requiredPrefix.length);
    } else if (sig.toLowerCase().startsWith('sha256=')) {
      sig = sig.slice('sha256='.length);
    }
    const provided = decodeDigest(sig);
    if (typeof provided === 'string')
      return fail(scheme, 'SB_SIGNATURE_MALFORMED', 'malformed', provided);
    return this.#match(scheme, provided, (key) => createHmac('sha256', key).update(body).digest());
  }

  #standardWebhooks(headers: IncomingHttpHeaders, body: Uint8Array): VerifyResult {
    const scheme = 'standard-webhooks';
    const id = single(headers['webhook-id']).trim();
    const ts = single(headers['webhook-timestamp']).trim();
    if (id === '' || ts === '') {
      return fail(
        scheme,
        'SB_TIMESTAMP_MISSING',
        'missing_timestamp',
        'webhook-id and webhook-timestamp are required',
      );
    }
    if (!/^\d{1,12}$/.test(ts)) {
      return fail(
        scheme,
        'SB_SIGNATURE_MALFORMED',
        'malformed',
        'webhook-timestamp must be integer seconds',
      );
    }
    const skew = Math.abs(this.#now() / 1000 - Number(ts));
    if (skew > this.#toleranceSec) {
      return fail(
        scheme,
        'SB_TIMESTAMP_OUT_OF_TOLERANCE',
        'timestamp',
        `webhook-timestamp is ${Math.round(skew)} s from now; tolerance is ${this.#toleranceSec} s`,
      );
    }
    const header = single(headers['webhook-signature']);
    if (header.length > MAX_HEADER_CHARS) {
      return fail(
        scheme,
        'SB_SIGNATURE_MALFORMED',
        'malformed',
        'webhook-signature header is too long',
      );
    }
    const candidates: Buffer[] = [];
    for (const part of header.split(' ')) {
      const [version, sig] = part.split(',', 2);
      if (version !== 'v1' || sig === undefined) continue; // other versions (v1a) are not ours
      const decoded = decodeDigest(sig);
      if (typeof decoded !== 'string') candidates.push(decoded);
    }
    if (candidates.length === 0) {
      return fail(
        scheme,
        'SB_SIGNATURE_MALFORMED',
        'malformed',
        'no well-formed v1 signature in webhook-signature',
      );
    }
    const prefix = Buffer.from(`${id}.${ts}.`);
    const result = this.#match(
      scheme,
      candidates,
      (key) => createHmac('sha256', key).update(prefix).update(body).digest(),
      standardWebhooksKey,
    );
    return result.ok ? { ...result, webhookId: id } : result;
  }

  #match(
    scheme: SignatureScheme,
    provided: Buffer | Buffer[],
    sign: (key: Buffer) => Buffer,
    keyOf: (secret: Secret) => Buffer = rawKey,
  ): VerifyResult {
    const sigs = Array.isArray(provided) ? provided : [provided];
    const matches = (secret: Secret) => {
      const expected = sign(keyOf(secret));
      let hit = false;
      for (const sig of sigs) hit = timingSafeEqual(expected, sig) || hit;
      return hit;
    };
    const { active, retired } = this.#secrets.get(scheme) ?? { active: [], retired: [] };
    for (const secret of active) {
      if (matches(secret)) return { ok: true, scheme, secret: secret.name };
    }
    for (const secret of retired) {
      if (matches(secret)) {
        return fail(
          scheme,
          'SB_SIGNATURE_RETIRED_SECRET',
          'retired_secret',
          `signature made with retired secret "${secret.name}"`,
        );
      }
    }
    return fail(
      scheme,
      'SB_SIGNATURE_INVALID',
      'mismatch',
      active.length > 0
        ? `signature does not match any active ${scheme} secret`
        : `no active secret has scheme ${scheme}; a secret verifies only its own scheme`,
    );
  }
}

/** Hex (64 chars) or base64/base64url (43–44 chars) of a 32-byte digest; else a reason. */
export function decodeDigest(sig: string): Buffer | string {
  if (sig.length > MAX_HEADER_CHARS) return 'signature is too long';
  if (HEX_DIGEST.test(sig)) return Buffer.from(sig, 'hex');
  if (BASE64_DIGEST.test(sig)) {
    const buf = Buffer.from(sig, sig.includes('-') || sig.includes('_') ? 'base64url' : 'base64');
    if (buf.length === DIGEST_BYTES) return buf;
  }
  if (/^[0-9a-fA-F]+$/.test(sig)) {
    return `hex signature has ${sig.length} characters; an HMAC-SHA256 digest has 64`;
  }
  if (/^[A-Za-z0-9+/_-]+=*$/.test(sig)) {
    return `base64 signature has ${sig.length} characters; an HMAC-SHA256 digest has 43–44`;
  }
  return 'signature is neither hex nor base64';
}

const rawKeys = new WeakMap<Secret, Buffer>();
const swKeys = new WeakMap<Secret, Buffer>();

function rawKey(secret: Secret): Buffer {
  let key = rawKeys.get(secret);
  if (key === undefined) rawKeys.set(secret, (key = Buffer.from(secret.reveal())));
  return key;
}

function standardWebhooksKey(secret: Secret): Buffer {
  let key = swKeys.get(secret);
  if (key === undefined) {
    const value = secret.reveal();
    key = value.startsWith('whsec_') ? Buffer.from(value.slice(6), 'base64') : Buffer.from(value);
    swKeys.set(secret, key);
  }
  return key;
}

function single(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function fail(
  scheme: SignatureScheme | 'none',
  code: ErrorCode,
  reason: string,
  message: string,
): VerifyResult {
  return { ok: false, scheme, code, reason, message };
}
