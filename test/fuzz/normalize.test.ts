// Properties of the normalizer (src/sources/normalize): for any JSON object, mutated from real
// Genesys Notification and EventBridge envelopes and the guides' webhook bodies, normalizeEvent
// returns an event whose every derived field is found in the input (nothing invented), takes the
// id as the exact string sent, and never throws. Topic classification and time parsing likewise.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { EVENT_KIND_NAMES } from '../../src/log/event-kinds.js';
import {
  normalizeEvent,
  toIso,
  type NormalizeContext,
} from '../../src/sources/normalize/normalize.js';
import { classifyTopic } from '../../src/sources/normalize/topics.js';
import { corpus } from './support/corpus.js';
import { assertUnpolluted, fuzz } from './support/fuzz-run.js';
import { bodyFacts, isPlainObject } from './support/json-facts.js';
import { mutatedSeed } from './support/mutations.js';

const ctx: NormalizeContext = {
  source: 'webhook',
  receivedAt: '2026-11-23T10:00:05.000Z',
  idKeys: [['notificationId'], ['id'], ['correlationId']],
};
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_ID_CHARS = 512;

/** A mutated seed that still parses to an object: the input normalizeEvent is given. */
function objects(parser: string) {
  return mutatedSeed(corpus(parser)).filter(({ bytes }) => {
    const facts = bodyFacts(bytes);
    return facts.kind === 'json' && isPlainObject(facts.value);
  });
}

const at = (v: unknown, ...path: string[]) =>
  path.reduce<unknown>((node, key) => (isPlainObject(node) ? node[key] : undefined), v);

/**
 * The id the contract promises (issue 10: ids are the exact strings received, made well-formed;
 * issue 11: a Notification or EventBridge key is scoped by its topic): the first usable
 * candidate, a string as sent or a number by its source text; else the hash.
 */
function expectedId(parsed: Record<string, unknown>, shape: string) {
  const candidates =
    shape === 'eventbridge'
      ? [at(parsed, 'detail', 'metadata', 'CorrelationId'), parsed.id]
      : shape === 'notification'
        ? [at(parsed, 'metadata', 'CorrelationId')]
        : ctx.idKeys.map((keys) => at(parsed, ...keys[0]!.split('.')));
  for (const v of candidates) {
    if (typeof v === 'number') return { number: v };
    if (typeof v === 'string' && v.length <= MAX_ID_CHARS && v.trim() !== '') {
      return { exact: (v as unknown as { toWellFormed(): string }).toWellFormed() };
    }
  }
  return { hash: true };
}

/** `topic:key` with `\\` and `:` escaped in each, as one well-formed string. */
function scoped(topic: string, key: string): string {
  const esc = (part: string) => part.replace(/[\\:]/g, (c) => `\\${c}`);
  return (`${esc(topic)}:${esc(key)}` as unknown as { toWellFormed(): string }).toWellFormed();
}

/** Every string (as sent and trimmed) and finite number in a parsed value. */
function valuesIn(root: unknown): Set<string> {
  const out = new Set<string>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') out.add(node).add(node.trim());
    else if (typeof node === 'number' && Number.isFinite(node)) out.add(String(node));
    else if (typeof node === 'object' && node !== null) {
      stack.push(...Object.values(node as Record<string, unknown>));
    }
  }
  return out;
}

function checkEvent(bytes: Buffer) {
  const parsed = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const event = normalizeEvent(bytes, parsed, ctx);
  assertUnpolluted();
  const shape =
    isPlainObject(parsed.detail) && typeof parsed['detail-type'] === 'string'
      ? 'eventbridge'
      : typeof parsed.topicName === 'string'
        ? 'notification'
        : 'webhook';
  assert.equal(event.shape, shape);
  assert.equal(event.body, bytes, 'the exact bytes, not a re-serialization');
  assert.equal(event.source, ctx.source);
  assert.equal(event.receivedAt, ctx.receivedAt);

  const id = expectedId(parsed, shape);
  // Envelope keys come after their topic (one CorrelationId may name several topics' messages).
  const prefix = shape === 'webhook' ? '' : scoped(event.topic, '');
  if ('exact' in id) {
    assert.equal(event.id, shape === 'webhook' ? id.exact : scoped(event.topic, id.exact!));
  } else if ('number' in id) {
    // By its digits as sent: 9007199254740993 must not become …992.
    assert.ok(event.id.startsWith(prefix), `id ${event.id} does not start with its topic`);
    const digits = event.id.slice(prefix.length);
    assert.ok(bytes.includes(Buffer.from(digits)), `id ${event.id} is not in the body`);
    assert.equal(Number(digits), id.number);
  } else {
    assert.equal(event.id, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  }

  const inputs = valuesIn(parsed);
  assert.ok(event.topic === 'unknown' || inputs.has(event.topic), `topic ${event.topic} invented`);
  assert.ok((EVENT_KIND_NAMES as readonly string[]).includes(event.kind));
  if (shape !== 'webhook') {
    assert.equal(event.kind, classifyTopic(event.topic)?.kind ?? 'unknown');
  }
  for (const [key, value] of Object.entries(event.subject) as [string, unknown][]) {
    if (typeof value !== 'string') assert.fail(`subject.${key} is not a string`);
    assert.ok(
      value.length > 0 && (event.topic.includes(value) || inputs.has(value)),
      `subject.${key} ${JSON.stringify(value)} is in neither the topic nor the body`,
    );
  }
  if (event.occurredAt !== null) {
    assert.match(event.occurredAt, ISO);
    const year = Number(event.occurredAt.slice(0, 4));
    assert.ok(year >= 1990 && year <= 9999, event.occurredAt);
  }
  JSON.stringify({ ...event, body: undefined }); // storable: no BigInt, no cycles
}

describe('fuzz: normalize', () => {
  for (const [parser, label] of [
    ['notification', 'Notification envelopes'],
    ['eventbridge', 'EventBridge envelopes'],
    ['webhook', 'webhook bodies'],
  ] as const) {
    test(`${label}: every derived field comes from the input; the id is the exact one sent`, async () => {
      await fuzz(
        `normalize: ${label}`,
        fc.property(objects(parser), ({ bytes }) => checkEvent(bytes)),
        { quick: 250 },
      );
    });
  }

  test('a concrete topic names its ids; any string classifies without throwing, fast', async () => {
    const templates = [
      ['v2.users.{id}.presence', 'user.presence', 'userId'],
      ['v2.users.{id}.routingStatus', 'user.routing', 'userId'],
      ['v2.users.{id}.activity', 'user.activity', 'userId'],
      ['v2.users.{id}.conversations.calls', 'user.conversation', 'userId'],
      ['v2.routing.queues.{id}.conversations', 'queue.conversation', 'queueId'],
      ['v2.routing.queues.{id}.users', 'queue.member', 'queueId'],
      ['v2.analytics.queues.{id}.observations', 'queue.observation', 'queueId'],
      ['v2.detail.events.conversation.{id}.acd.end', 'conversation.detail', 'conversationId'],
      ['v2.conversations.{id}.transcription', 'conversation.transcription', 'conversationId'],
    ] as const;
    const id = fc.stringMatching(/^[^.]{1,40}$/);
    await fuzz(
      'topics: classify',
      fc.property(
        fc.constantFrom(...templates),
        id,
        fc.boolean(),
        fc.string({ unit: 'binary', maxLength: 200 }),
        ([template, kind, key], value, upper, hostile) => {
          const topic = template.replace('{id}', () => value);
          const classified = classifyTopic(upper ? topic.toUpperCase() : topic);
          assert.equal(classified?.kind, kind);
          assert.equal(classified?.subject[key], upper ? value.toUpperCase() : value);
          const any = classifyTopic(hostile);
          if (any) assert.ok((EVENT_KIND_NAMES as readonly string[]).includes(any.kind));
        },
      ),
      { quick: 300 },
    );
    // No pattern backtracks: the worst shapes for these patterns, 1 MiB long, stay fast.
    for (const worst of ['v2.users.', 'v2.detail.events.conversation.x.', 'v2.routing.queues.']) {
      const topic = worst + 'a.'.repeat(512 * 1024);
      const started = performance.now();
      classifyTopic(topic);
      assert.ok(performance.now() - started < 2000, `${worst}… took too long`);
    }
  });

  test('toIso: a canonical time or nothing, within 1990–9999, for any value', async () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.date({ noInvalidDate: true }).map((d) => d.getTime()),
      fc.date({ noInvalidDate: true }).map((d) => String(d.getTime())),
      fc.double(),
      fc.constantFrom('2026-11-23T10:00:00Z', '2026-13-45T99:99:99Z', '9999-12-31T23:59:59.999Z'),
      fc.jsonValue({ maxDepth: 1 }),
    );
    await fuzz(
      'normalize: toIso',
      fc.property(value, (v) => {
        const iso = toIso(v);
        if (iso === undefined) return;
        assert.match(iso, ISO);
        const ms = Date.parse(iso);
        assert.ok(ms >= Date.UTC(1990, 0, 1) && ms <= Date.UTC(9999, 11, 31), iso);
        if (typeof v === 'string' && ISO.test(v)) assert.equal(iso, v, 'canonical kept as sent');
      }),
      { quick: 500 },
    );
  });
});
