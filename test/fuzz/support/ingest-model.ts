/**
 * Deliveries for the ingest properties, built from corpus events whose payloads are mutated and
 * whose dedupe id the property chooses, so it knows which events are the same event: the model
 * that "nothing lost, nothing invented" is checked against.
 */
import fc from 'fast-check';
import { corpus } from './corpus.js';
import {
  applyByteOps,
  applyJsonOps,
  jsonOp,
  payloadKeys,
  serialize,
  toTree,
  type JsonOp,
  type JsonTree,
} from './mutations.js';

type Shape = 'webhook' | 'notification' | 'eventbridge';

/** Single events of each shape: every corpus file, arrays split into their elements. */
const EVENTS: { shape: Shape; tree: JsonTree }[] = (
  ['webhook', 'notification', 'eventbridge'] as const
).flatMap((shape) =>
  corpus(shape).flatMap((entry) => {
    const value: unknown = JSON.parse(entry.bytes.toString('utf8'));
    const events = Array.isArray(value) ? value : [value];
    return events.map((e) => ({
      // An event that is EventBridge-shaped is one, whichever folder it came from.
      shape: typeof e === 'object' && e && 'detail-type' in e ? 'eventbridge' : shape,
      tree: toTree(e),
    }));
  }),
);

/** Top-level keys that decide an event's shape or carry its id: mutations leave them alone. */
const PROTECTED: Record<Shape, readonly string[]> = {
  webhook: ['notificationId', 'topicName', 'detail', 'detail-type'],
  notification: ['topicName', 'metadata'],
  eventbridge: ['detail', 'detail-type', 'id'],
};

function payloadOnly(shape: Shape) {
  return (path: (string | number)[]) => {
    const [top, next] = path;
    if (top === undefined || PROTECTED[shape].includes(String(top))) {
      return shape === 'eventbridge' && top === 'detail' && next !== undefined
        ? !['topicName', 'metadata'].includes(String(next))
        : false;
    }
    return true;
  };
}

/**
 * How an id is written. `text`: a JSON string, as sent; `number`: a JSON number's digits. The
 * hostile decorations are the rows 10 and 11: ids that differ only by surrounding space,
 * by a lone surrogate, or past 2^53 must stay distinct ids (a lone surrogate reads as U+FFFD).
 */
export type IdSpec =
  | { kind: 'text'; core: string; deco: 'none' | 'lead' | 'trail' | 'surrogate' | 'fffd' }
  | { kind: 'number'; n: number };

const safeCore = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._:-]{1,24}$/),
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
    .filter((s) => s.trim() === s && s !== ''),
);

/**
 * `decos`: the decorations drawn from (repeat one to weight it); without, hostile draws all of
 * them evenly and safe draws none.
 */
export function idSpec(
  hostile: boolean,
  decos: readonly Extract<IdSpec, { kind: 'text' }>['deco'][] = hostile
    ? ['none', 'lead', 'trail', 'surrogate', 'fffd']
    : ['none'],
): fc.Arbitrary<IdSpec> {
  const text = fc.record({
    kind: fc.constant('text' as const),
    core: safeCore,
    deco: fc.constantFrom(...decos),
  });
  if (!hostile) return text;
  return fc.oneof(text, fc.record({ kind: fc.constant('number' as const), n: fc.nat(9) }));
}

export interface WrittenId {
  /** The JSON token in the body. */
  token: string;
  /** The id the log must store: the string as sent, made well-formed; a number's digits. */
  key: string;
}

/** Writes `spec` for run `run`, so that runs never share ids. */
export function writeId(spec: IdSpec, run: number): WrittenId {
  if (spec.kind === 'number') {
    // 17 digits: past 2^53, neighbours are the same double.
    const digits = `1${String(run).padStart(6, '0')}${String(spec.n).padStart(10, '0')}`;
    return { token: digits, key: digits };
  }
  const base = `r${run}-${spec.core}`;
  const text = {
    none: base,
    lead: ` ${base}`,
    trail: `${base} `,
    surrogate: `${base}\ud800`,
    fffd: `${base}\ufffd`,
  }[spec.deco];
  return {
    token: JSON.stringify(text),
    key: (text as unknown as { toWellFormed(): string }).toWellFormed(),
  };
}

function setMember(node: JsonTree, key: string, value: JsonTree): void {
  if (node.kind !== 'object') return;
  node.entries = node.entries.filter(([k]) => k !== key);
  node.entries.push([key, value]);
}

function memberOf(node: JsonTree, key: string): JsonTree | undefined {
  return node.kind === 'object' ? node.entries.find(([k]) => k === key)?.[1] : undefined;
}

/** One event: a corpus event with a mutated payload, carrying `id`. */
export function eventText(seed: number, ops: readonly JsonOp[], id: WrittenId): string {
  const { shape, tree: original } = EVENTS[seed % EVENTS.length]!;
  const tree = applyJsonOps(original, ops, payloadOnly(shape));
  const token: JsonTree = { kind: 'raw', text: id.token };
  if (shape === 'webhook') setMember(tree, 'notificationId', token);
  else {
    const envelope = shape === 'eventbridge' ? memberOf(tree, 'detail') : tree;
    if (envelope === undefined) throw new Error('corpus envelope without detail');
    if (memberOf(envelope, 'metadata')?.kind !== 'object') {
      setMember(envelope, 'metadata', { kind: 'object', entries: [] });
    }
    setMember(memberOf(envelope, 'metadata')!, 'CorrelationId', token);
    // EventBridge's own id is the fallback: the same, so either one names the event.
    if (shape === 'eventbridge') setMember(tree, 'id', token);
  }
  return serialize(tree);
}

/**
 * The id the log must store for `eventText(seed, …, id)`: a webhook's key as it is; an envelope's
 * scoped by its topic (issue 11), `\\` and `:` escaped in each part. The mutations never touch
 * the topic, so the corpus event's own names it.
 */
export function storedId(seed: number, id: WrittenId): string {
  const { shape, tree } = EVENTS[seed % EVENTS.length]!;
  if (shape === 'webhook') return id.key;
  const envelope = shape === 'eventbridge' ? memberOf(tree, 'detail') : tree;
  const named = [memberOf(envelope!, 'topicName'), memberOf(tree, 'detail-type')]
    .map((node) => (node?.kind === 'raw' ? (JSON.parse(node.text) as unknown) : undefined))
    .find((v): v is string => typeof v === 'string' && v.trim() !== '');
  const esc = (part: string) => part.replace(/[\\:]/g, (c) => `\\${c}`);
  const scoped = `${esc(named?.trim() ?? 'unknown')}:${esc(id.key)}`;
  return (scoped as unknown as { toWellFormed(): string }).toWellFormed();
}

export interface EventRef {
  seed: number;
  /** Which id of the run's pool: a small pool makes duplicates. */
  id: number;
  ops: JsonOp[];
}

export const eventRef: fc.Arbitrary<EventRef> = fc.record({
  seed: fc.nat(),
  id: fc.nat(),
  ops: fc.array(jsonOp(payloadKeys), { maxLength: 2 }),
});

export type Delivery =
  | {
      kind: 'events';
      route: 'webhook' | 'eventbridge';
      asArray: boolean;
      events: EventRef[];
    }
  | {
      kind: 'malformed';
      route: 'webhook' | 'eventbridge';
      how: 'invalid-utf8' | 'truncated' | 'not-an-object' | 'too-deep' | 'bad-element';
      seed: number;
      at: number;
    }
  | { kind: 'forged'; route: 'webhook' | 'eventbridge'; seed: number };

const route = fc.constantFrom('webhook' as const, 'eventbridge' as const);

export const delivery: fc.Arbitrary<Delivery> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('events' as const),
      route,
      asArray: fc.boolean(),
      events: fc.array(eventRef, { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('malformed' as const),
      route,
      how: fc.constantFrom('invalid-utf8', 'truncated', 'not-an-object', 'too-deep', 'bad-element'),
      seed: fc.nat(),
      at: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('forged' as const), route, seed: fc.nat() }),
  },
);

/**
 * An authentic body that cannot become events, and the quarantine reasons it may get. Each is
 * malformed by construction: a strict prefix of an object is never JSON, and so on.
 */
export function malformedBody(
  how: Extract<Delivery, { kind: 'malformed' }>['how'],
  seed: number,
  at: number,
  run: number,
): { bytes: Buffer; reasons: string[] } {
  const text = eventText(seed, [], writeId({ kind: 'text', core: 'bad', deco: 'none' }, run));
  switch (how) {
    case 'invalid-utf8':
      return {
        bytes: applyByteOps(Buffer.from(text), [
          { op: 'insert', at, len: 1, bytes: [0xed, 0xa0, 0x80] },
        ]),
        reasons: ['invalid-utf8'],
      };
    case 'truncated':
      return {
        bytes: Buffer.from(text.slice(0, 1 + (at % (text.length - 1)))),
        reasons: ['not-json', 'too-deep'],
      };
    case 'not-an-object':
      return {
        bytes: Buffer.from([`[${text}, 42]`, '"just a string"', '42', 'null', '[[]]'][at % 5]!),
        reasons: ['not-an-object'],
      };
    case 'too-deep':
      return {
        bytes: Buffer.from(
          `${'['.repeat(129 + (at % 1000))}${text}${']'.repeat(129 + (at % 1000))}`,
        ),
        reasons: ['too-deep'],
      };
    case 'bad-element':
      // One broken event spoils the batch: all of it is kept aside, none of it stored.
      return { bytes: Buffer.from(`[${text},{"broken": ]`), reasons: ['not-json'] };
  }
}
