import { createHmac } from 'node:crypto';
import type { PushDispatcher } from './push-dispatcher.js';

/** A filter of the guides' subscription API (SEED-FORMATS §A): `eq` / `in` on a dotted field path. */
export interface WebhookFilter {
  field: string;
  op: 'eq' | 'in';
  value: unknown;
}

/** One subscription of the guides' webhook API, with the dispatcher that delivers to its URL. */
export interface WebhookSubscription {
  id: string;
  name: string;
  url: string;
  /** Mutable: the `rotate-secret` fault replaces it. */
  secret: string;
  encoding: 'hex' | 'base64';
  status: 'DRAFT' | 'PUBLISHED';
  events: { name: string; filter?: WebhookFilter }[];
  dispatcher: PushDispatcher;
}

/** What a caller supplies; the emulator adds the id and the dispatcher. */
export type NewWebhook = Omit<WebhookSubscription, 'id' | 'dispatcher'>;

/** `X-Genesys-Webhook-Signature`: HMAC-SHA256 of the exact body, hex or base64 (SEED-FORMATS §B). */
export function signBody(
  body: string,
  sub: Pick<WebhookSubscription, 'secret' | 'encoding'>,
): string {
  return createHmac('sha256', sub.secret).update(body).digest(sub.encoding);
}

/** Whether a payload passes a subscription filter; a missing field never matches. */
export function matchesFilter(payload: unknown, filter: WebhookFilter): boolean {
  let node: unknown = payload;
  for (const key of filter.field.split('.')) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<string, unknown>)[key];
  }
  if (filter.op === 'eq') return node === filter.value;
  return Array.isArray(filter.value) && filter.value.includes(node);
}
