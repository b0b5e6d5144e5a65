import { createHash } from 'node:crypto';
import type { EventInput, EventKind, EventSource, EventSubject } from '../../log/event-log.js';
import { getPath, isPlainObject } from '../../util/objects.js';
import { sourceTextAt } from './json-scan.js';
import { classifyTopic } from './topics.js';

export interface NormalizeContext {
  source: EventSource;
  receivedAt: string;
  /** Dedupe keys for guide-format events, tried in order (see config `ingest.idKeys`). */
  idKeys: readonly (readonly string[])[];
  /** The delivery's own id (Standard Webhooks `webhook-id`), for a body that names none. */
  fallbackId?: string | undefined;
}

/** The three push shapes Switchboard recognises; anything else is kept as kind `unknown`. */
export type Shape = 'eventbridge' | 'notification' | 'webhook';

/**
 * Turns one parsed JSON object (and its exact bytes) into the canonical event. Never throws on
 * missing or oddly typed fields: every read is guarded, and what cannot be found stays unset.
 */
export function normalizeEvent(
  raw: Uint8Array,
  parsed: Record<string, unknown>,
  ctx: NormalizeContext,
): EventInput & { shape: Shape } {
  if (isPlainObject(parsed.detail) && typeof parsed['detail-type'] === 'string') {
    return fromEnvelope(raw, parsed.detail, ctx, 'eventbridge', parsed);
  }
  if (typeof parsed.topicName === 'string') {
    return fromEnvelope(raw, parsed, ctx, 'notification', undefined);
  }
  return fromWebhook(raw, parsed, ctx);
}

/** Notification API envelope `{topicName, version, eventBody, metadata}`, bare or inside EventBridge. */
function fromEnvelope(
  raw: Uint8Array,
  envelope: Record<string, unknown>,
  ctx: NormalizeContext,
  shape: Shape,
  outer: Record<string, unknown> | undefined,
): EventInput & { shape: Shape } {
  const topic = text(envelope.topicName) ?? text(outer?.['detail-type']) ?? 'unknown';
  const body = isPlainObject(envelope.eventBody) ? envelope.eventBody : {};
  const classified = classifyTopic(topic);
  const kind = classified?.kind ?? 'unknown';
  const subject: EventSubject = { ...classified?.subject };
  enrichSubject(kind, body, subject);
  const correlation = outer
    ? ['detail', 'metadata', 'CorrelationId']
    : ['metadata', 'CorrelationId'];
  // Genesys promises no CorrelationId unique across topics (one change can go out on several
  // topics), so the topic is part of the key: a redelivery (same topic, same CorrelationId) is
  // still a duplicate, and two topics of one change are two events.
  const key =
    idAt(raw, envelope, correlation.slice(outer ? 1 : 0), correlation) ??
    (outer ? idAt(raw, outer, ['id'], ['id']) : undefined);
  const id = key === undefined ? (fallback(ctx) ?? contentId(raw)) : topicKey(topic, key);
  const occurredAt =
    bodyTime(kind, body) ?? toIso(envelope.timestamp) ?? toIso(outer?.time) ?? null;
  return {
    shape,
    id,
    source: ctx.source,
    topic,
    kind,
    subject,
    occurredAt,
    receivedAt: ctx.receivedAt,
    body: raw,
  };
}

function enrichSubject(
  kind: EventKind,
  body: Record<string, unknown>,
  subject: EventSubject,
): void {
  const set = (key: keyof EventSubject, value: unknown) => {
    const v = text(value);
    if (v !== undefined && subject[key] === undefined) subject[key] = v;
  };
  switch (kind) {
    case 'user.conversation':
    case 'queue.conversation':
      set('conversationId', body.id);
      break;
    case 'queue.member':
      set('userId', getPath(body, 'user.id') ?? body.id);
      break;
    case 'conversation.detail':
      set('userId', body.userId);
      set('queueId', body.queueId);
      break;
    case 'queue.observation':
      set('queueId', getPath(body, 'group.queueId'));
      break;
  }
}

/** When the change happened, from the topic body (FACTS §2); the envelope time is a fallback. */
function bodyTime(kind: EventKind, body: Record<string, unknown>): string | undefined {
  switch (kind) {
    case 'conversation.detail':
      return toIso(body.eventTime);
    case 'user.presence':
      return toIso(body.modifiedDate);
    case 'user.routing':
      return toIso(getPath(body, 'routingStatus.startTime'));
    case 'user.activity':
      return latest(
        toIso(getPath(body, 'routingStatus.startTime')),
        toIso(getPath(body, 'presence.modifiedDate')),
      );
    case 'queue.observation': {
      // `StatEventQueueTopicIntervalMetrics.interval` is `<start>/<end>`: observed at its end.
      const interval = getPath(Array.isArray(body.data) ? body.data[0] : undefined, 'interval');
      return typeof interval === 'string'
        ? toIso(interval.slice(interval.indexOf('/') + 1))
        : undefined;
    }
    default:
      return undefined;
  }
}

/** The integration guides' push format (SEED-FORMATS.md §D), which has no envelope. */
function fromWebhook(
  raw: Uint8Array,
  parsed: Record<string, unknown>,
  ctx: NormalizeContext,
): EventInput & { shape: Shape } {
  const topic =
    text(parsed.eventType) ?? text(parsed.event) ?? text(parsed.name) ?? text(parsed.type);
  const subject: EventSubject = {};
  const first = (key: keyof EventSubject, ...paths: string[]) => {
    for (const p of paths) {
      const v = text(getPath(parsed, p));
      if (v !== undefined) {
        subject[key] = v;
        return;
      }
    }
  };
  first('userId', 'user.id', 'userId', 'agentId', 'agent.id');
  first('queueId', 'queueId', 'queue.id', 'data.queueId', 'conversation.queueId');
  first(
    'conversationId',
    'conversation.id',
    'conversationId',
    'interactionId',
    'data.interactionId',
  );
  const occurredAt =
    toIso(parsed.timestamp) ??
    toIso(parsed.eventTime) ??
    toIso(parsed.time) ??
    toIso(parsed.occurredAt) ??
    toIso(getPath(parsed, 'data.timestamp')) ??
    null;
  return {
    shape: 'webhook',
    id: idFromKeys(raw, parsed, ctx.idKeys) ?? fallback(ctx) ?? contentId(raw),
    source: ctx.source,
    topic: topic ?? 'unknown',
    kind: webhookKind(topic, parsed),
    subject,
    occurredAt,
    receivedAt: ctx.receivedAt,
    body: raw,
  };
}

function webhookKind(topic: string | undefined, parsed: Record<string, unknown>): EventKind {
  const t = topic?.toLowerCase() ?? '';
  if (
    getPath(parsed, 'user.login.status') !== undefined ||
    getPath(parsed, 'login.status') !== undefined ||
    t === 'agentstatechange' ||
    t === 'agentlogin' ||
    t === 'agentlogout'
  ) {
    return 'agent.state';
  }
  if (t === 'interaction' || t.startsWith('interaction.')) return 'interaction';
  if (t.startsWith('routing.conversation')) return 'routing.conversation';
  if (t.startsWith('routing.queue')) return 'queue.member';
  if (t.startsWith('telephony.call') || t === 'callevent' || t === 'call') return 'call';
  if (t === 'queueevent') return 'queue.event';
  return 'unknown';
}

function idFromKeys(
  raw: Uint8Array,
  parsed: Record<string, unknown>,
  idKeys: readonly (readonly string[])[],
): string | undefined {
  for (const keys of idKeys) {
    const parts = keys.map((k) => idAt(raw, parsed, splitPath(k), splitPath(k)));
    if (parts.every((p) => p !== undefined)) {
      // Escaped so that ("a:b", "c") and ("a", "b:c") stay two ids.
      return parts.length === 1 ? parts[0] : parts.map(escapeIdPart).join(':');
    }
  }
  return undefined;
}

const MAX_ID_CHARS = 512;

/**
 * The dedupe id at `path` of `node` (`rawPath`: the same value's path in `raw`), as the exact
 * string received: never trimmed, a JSON number by its source text (a double would merge
 * 9007199254740993 with …992), and made well-formed (a lone surrogate becomes U+FFFD, as the
 * log's UTF-8 storage would make it, so the id deduped now is the id found after a restart).
 */
function idAt(
  raw: Uint8Array,
  node: unknown,
  path: readonly string[],
  rawPath: readonly string[],
): string | undefined {
  let v: unknown = node;
  for (const key of path) v = isPlainObject(v) ? v[key] : undefined;
  if (typeof v === 'number') v = sourceTextAt(raw, rawPath);
  return typeof v === 'string' ? idText(v) : undefined;
}

/**
 * `<topic>:<key>`, each part with `\\` and `:` escaped so ("a:b", "c") and ("a", "b:c") stay two
 * ids; well-formed as a whole, since the topic is a string as sent too.
 */
function topicKey(topic: string, key: string): string {
  return toWellFormed(`${escapeIdPart(topic)}:${escapeIdPart(key)}`);
}

function escapeIdPart(part: string): string {
  return part.replace(/[\\:]/g, '\\$&');
}

function fallback(ctx: NormalizeContext): string | undefined {
  return ctx.fallbackId === undefined ? undefined : idText(ctx.fallbackId);
}

/**
 * A usable dedupe id, kept exactly (see idAt): not blank (a blank id is as good as none, and the
 * body's hash is used), not over-long, and well-formed UTF-16.
 */
function idText(v: string): string | undefined {
  if (v.length > MAX_ID_CHARS || v.trim() === '') return undefined;
  return toWellFormed(v);
}

/** `String.prototype.toWellFormed` (Node 20 has it; the project's TypeScript lib is ES2023). */
function toWellFormed(v: string): string {
  return (v as unknown as { toWellFormed(): string }).toWellFormed();
}

const PATHS = new Map<string, readonly string[]>();

function splitPath(path: string): readonly string[] {
  let keys = PATHS.get(path);
  if (keys === undefined) {
    keys = path.split('.');
    if (PATHS.size < 10_000) PATHS.set(path, keys);
  }
  return keys;
}

/** Last-resort dedupe key: identical bytes are the same event. */
export function contentId(raw: Uint8Array): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/** A usable id or label: a non-empty string (trimmed) or a finite number. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' || t.length > 512 ? undefined : t;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MIN_MS = Date.UTC(1990, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31);

/** ISO 8601 string or epoch milliseconds (number or digit string) → ISO 8601; else undefined. */
export function toIso(v: unknown): string | undefined {
  let ms: number;
  // Already canonical (what Genesys sends): validate, and keep the string rather than re-format it.
  if (typeof v === 'string' && v.length === 24 && CANONICAL_ISO.test(v)) {
    ms = Date.parse(v);
    return ms >= MIN_MS && ms <= MAX_MS ? v : undefined;
  }
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string' && /^\d{11,15}$/.test(v)) ms = Number(v);
  else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) ms = Date.parse(v);
  else return undefined;
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return undefined;
  return new Date(ms).toISOString();
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}
