// Properties of the ingest path end to end (raw body → signature → json-scan → normalize → log),
// through a real gateway with a real SQLite log: every authentic event is stored exactly once
// under the id it was sent with, byte-exact; every authentic body that cannot become events is
// quarantined byte-exact; nothing else is stored; no answer is a 5xx.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { startGateway, type Gateway } from '../../src/gateway.js';
import type { StoredEvent } from '../../src/log/event-log.js';
import { createLogger } from '../../src/ops/logger.js';
import { hmacBase64, hmacHex, startTestGateway, tempDir, testConfig } from '../support/helpers.js';
import { corpus } from './support/corpus.js';
import { fuzz } from './support/fuzz-run.js';
import { bodyFacts, isPlainObject, sameJson, textDepth } from './support/json-facts.js';
import {
  delivery,
  eventText,
  idSpec,
  malformedBody,
  storedId,
  writeId,
  type Delivery,
} from './support/ingest-model.js';
import { mutatedSeed } from './support/mutations.js';

const EB_KEY = 'eb-key-123'; // testConfig's EventBridge API key
const BODY_LIMIT = 1024 * 1024;
const MAX_DEPTH = 128;

async function fuzzGateway(t: TestContext): Promise<Gateway> {
  // fsync off: these properties are about what is stored, not about surviving a power cut.
  return startTestGateway(t, { log: { fsync: false } });
}

/** Posts as a sender would: signed (webhook) or with the API key (EventBridge). */
async function post(
  gw: Gateway,
  route: 'webhook' | 'eventbridge',
  body: Buffer,
  options: { forged?: boolean; base64?: boolean; headers?: Record<string, string> } = {},
) {
  const auth: Record<string, string> =
    route === 'webhook'
      ? {
          'x-genesys-webhook-signature': options.forged
            ? hmacHex(Buffer.concat([body, Buffer.from(' ')]))
            : options.base64
              ? hmacBase64(body)
              : hmacHex(body),
        }
      : { 'x-api-key': options.forged ? `${EB_KEY}x` : EB_KEY };
  const res = await gw.app.inject({
    method: 'POST',
    url: `/ingest/${route}`,
    headers: { 'content-type': 'application/json', ...auth, ...options.headers },
    payload: body,
  });
  let json: Record<string, unknown> = {};
  try {
    json = res.json();
  } catch {
    // judged by status alone
  }
  return { status: res.statusCode, body: json };
}

/** What a run left in the log and the quarantine: everything after the marks it started with. */
class LogWatch {
  #offset = 0;
  #quarantineId = 0;
  constructor(readonly gw: Gateway) {}

  async mark(): Promise<void> {
    this.#offset = (await this.gw.log.stats()).lastOffset;
  }

  async events(): Promise<StoredEvent[]> {
    return this.gw.log.read(this.#offset, 100_000);
  }

  async quarantined() {
    const items = await this.gw.log.quarantine.list(this.#quarantineId, 10_000);
    for (const item of items) this.#quarantineId = Math.max(this.#quarantineId, item.id);
    return items;
  }
}

const signed = fc.record({ base64: fc.boolean() });
let runs = 0;

describe('fuzz: ingest', () => {
  for (const hostile of [false, true]) {
    const label = hostile ? 'hostile ids (rows 10, 11)' : 'ids';
    test(`nothing lost or invented: each event once, byte-exact, under the id sent — ${label}`, async (t) => {
      const gw = await fuzzGateway(t);
      const watch = new LogWatch(gw);
      const property = fc.asyncProperty(
        fc.array(idSpec(hostile), { minLength: 1, maxLength: 5 }),
        fc.array(delivery, { minLength: 1, maxLength: 5 }),
        signed,
        async (pool, deliveries, sig) => {
          const run = ++runs;
          await watch.mark();
          await watch.quarantined();
          const ids = pool.map((spec) => writeId(spec, run));
          /** id → the bytes of its first copy, in the order first sent. */
          const expected = new Map<string, { body: Buffer; source: string }>();
          const expectedQuarantine: { body: Buffer; reasons: string[] }[] = [];
          for (const d of deliveries) {
            await deliver(gw, d, run, ids, sig.base64, expected, expectedQuarantine);
          }
          const stored = await watch.events();
          assert.deepEqual(
            stored.map((e) => e.id),
            [...expected.keys()],
            'the ids stored are exactly the distinct ids sent, each once, in order',
          );
          for (const e of stored) {
            const want = expected.get(e.id)!;
            assert.ok(Buffer.from(e.body).equals(want.body), `body of ${e.id} is not as sent`);
            assert.equal(e.source, want.source);
          }
          const quarantined = await watch.quarantined();
          assert.equal(quarantined.length, expectedQuarantine.length, 'quarantined bodies');
          quarantined.forEach((item, i) => {
            assert.ok(Buffer.from(item.body).equals(expectedQuarantine[i]!.body));
            assert.ok(expectedQuarantine[i]!.reasons.includes(item.reason), item.reason);
          });
        },
      );
      await fuzz(`ingest: nothing lost or invented (${label})`, property, {
        quick: hostile ? 25 : 40,
        cost: 5,
        timeoutMs: 60_000,
      });
    });
  }

  test('after a restart, every id stored before is still a duplicate (row 10)', async (t) => {
    const dir = tempDir(t);
    const start = () =>
      startGateway(testConfig(dir, { log: { fsync: false } }), {
        logger: createLogger('silent'),
        defaultMetrics: false,
      });
    const sends = fc.array(fc.record({ seed: fc.nat(), id: fc.nat() }), {
      minLength: 1,
      maxLength: 6,
    });
    await fuzz(
      'ingest: ids survive a restart',
      fc.asyncProperty(
        // Lone surrogates above all: SQLite stores them as U+FFFD, so the restarted index
        // must hold the same well-formed id the first run deduped on.
        fc.array(idSpec(true, ['surrogate', 'surrogate', 'fffd', 'none', 'trail']), {
          minLength: 1,
          maxLength: 4,
        }),
        sends,
        async (pool, events) => {
          const run = ++runs;
          const bodies = events.map((e) =>
            Buffer.from(eventText(e.seed, [], writeId(pool[e.id % pool.length]!, run))),
          );
          const before = await start();
          try {
            for (const body of bodies)
              assert.equal((await post(before, 'webhook', body)).status, 200);
          } finally {
            await before.close();
          }
          const after = await start();
          try {
            for (const body of bodies) {
              const res = await post(after, 'webhook', body);
              assert.deepEqual(res.body, { accepted: 0, duplicates: 1 }, body.toString('utf8'));
            }
          } finally {
            await after.close();
          }
        },
      ),
      { quick: 4, cost: 500, timeoutMs: 60_000 },
    );
  });

  test('any signed bytes: stored as sent, quarantined as sent, or refused 4xx — never a 5xx', async (t) => {
    const gw = await fuzzGateway(t);
    const watch = new LogWatch(gw);
    const seeds = [...corpus('webhook'), ...corpus('notification'), ...corpus('eventbridge')];
    await watch.quarantined();
    await fuzz(
      'ingest: any signed bytes',
      fc.asyncProperty(
        mutatedSeed(seeds),
        fc.constantFrom('webhook' as const, 'eventbridge' as const),
        async ({ bytes }, route) => {
          await watch.mark();
          const res = await post(gw, route, bytes);
          const outcome = expectedOutcome(bytes);
          assert.equal(res.status, outcome.status, JSON.stringify(res.body));
          const stored = await watch.events();
          const quarantined = await watch.quarantined();
          if (outcome.status === 202) {
            assert.ok(outcome.reasons.includes(String(res.body.reason)), String(res.body.reason));
            assert.equal(quarantined.length, 1);
            assert.ok(Buffer.from(quarantined[0]!.body).equals(bytes), 'quarantined as sent');
          } else {
            assert.equal(quarantined.length, 0);
          }
          if (outcome.status !== 200) {
            assert.equal(stored.length, 0, 'nothing stored from a refused body');
            return;
          }
          const { accepted, duplicates } = res.body as { accepted: number; duplicates: number };
          assert.equal(accepted + duplicates, outcome.events.length);
          assert.equal(stored.length, accepted);
          for (const e of stored) {
            // Never invented: each stored body is a slice of what was sent, and one of its events.
            const body = Buffer.from(e.body);
            assert.ok(bytes.includes(body), 'stored bytes are not a slice of the body sent');
            const value: unknown = JSON.parse(body.toString('utf8'));
            assert.ok(
              outcome.events.some((v) => sameJson(v, value)),
              'not one of the events',
            );
          }
        },
      ),
      { quick: 60, cost: 1, timeoutMs: 60_000 },
    );
  });

  test('hostile headers: no 5xx, and nothing stored unless the request was authentic', async (t) => {
    const gw = await fuzzGateway(t);
    const watch = new LogWatch(gw);
    await watch.quarantined();
    const seeds = corpus('webhook');
    const contentType = fc.option(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'application/cloudevents+json',
        'application/jsonx',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '',
        'application/json, text/plain',
        ';;;',
      ),
      { nil: undefined },
    );
    const signature = fc.constantFrom(
      'hex',
      'HEX',
      'base64',
      'base64url',
      'sha256=hex',
      ' hex ',
      'wrong',
      'truncated',
      'empty',
      'none',
      'garbage',
    );
    const printable = fc.stringMatching(/^[\x21-\x7e]{0,40}$/);
    const extra = fc.dictionary(
      fc.constantFrom(
        'x-forwarded-for',
        'webhook-id',
        'webhook-timestamp',
        'x-hub-signature-256',
        'x-api-key',
        'x-junk',
      ),
      printable,
      { maxKeys: 3 },
    );
    await fuzz(
      'ingest: hostile headers',
      fc.asyncProperty(
        fc.nat({ max: seeds.length - 1 }),
        contentType,
        signature,
        extra,
        async (seedIndex, type, sig, headers) => {
          await watch.mark();
          const body = seeds[seedIndex]!.bytes;
          const hex = hmacHex(body);
          const value: Record<string, string | undefined> = {
            hex,
            HEX: hex.toUpperCase(),
            base64: hmacBase64(body),
            base64url: Buffer.from(hex, 'hex').toString('base64url'),
            'sha256=hex': `sha256=${hex}`,
            ' hex ': ` ${hex} `,
            wrong: hmacHex(Buffer.concat([body, body])),
            truncated: hex.slice(0, 63),
            empty: '',
            none: undefined,
            garbage: 'sha256=%%%',
          };
          const all: Record<string, string> = { ...headers };
          if (type !== undefined) all['content-type'] = type;
          const s = value[sig];
          if (s !== undefined) all['x-genesys-webhook-signature'] = s;
          const res = await gw.app.inject({
            method: 'POST',
            url: '/ingest/webhook',
            headers: all,
            payload: body,
          });
          assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
          // The scheme is chosen by which signature header is there: a Hub header wins.
          const authentic =
            ['hex', 'HEX', 'base64', 'base64url', 'sha256=hex', ' hex '].includes(sig) &&
            all['x-hub-signature-256'] === undefined;
          const stored = await watch.events();
          const quarantined = await watch.quarantined();
          if (res.statusCode >= 200 && res.statusCode < 300) {
            assert.ok(authentic, `${sig} accepted`);
            assert.match(String(type), /^application\/[\w.+-]*json/i);
          } else {
            assert.equal(
              stored.length + quarantined.length,
              0,
              'a refused request stored something',
            );
            if (authentic && /^application\/json(;|$)/i.test(String(type))) {
              assert.fail(`an authentic JSON request was refused: ${res.statusCode} ${res.body}`);
            }
          }
        },
      ),
      { quick: 80, cost: 1, timeoutMs: 30_000 },
    );
  });
});

/** Sends one delivery and updates the model with what the log must now hold. */
async function deliver(
  gw: Gateway,
  d: Delivery,
  run: number,
  ids: { token: string; key: string }[],
  base64: boolean,
  expected: Map<string, { body: Buffer; source: string }>,
  expectedQuarantine: { body: Buffer; reasons: string[] }[],
): Promise<void> {
  if (d.kind === 'forged') {
    const text = eventText(d.seed, [], ids[0]!);
    const res = await post(gw, d.route, Buffer.from(text), { forged: true });
    assert.equal(res.status, 401, `forged: ${JSON.stringify(res.body)}`);
    return;
  }
  if (d.kind === 'malformed') {
    const { bytes, reasons } = malformedBody(d.how, d.seed, d.at, run);
    const res = await post(gw, d.route, bytes, { base64 });
    assert.equal(res.status, 202, `${d.how}: ${JSON.stringify(res.body)}`);
    expectedQuarantine.push({ body: bytes, reasons });
    return;
  }
  const events = (d.asArray ? d.events : d.events.slice(0, 1)).map((e) => {
    const id = ids[e.id % ids.length]!;
    return { key: storedId(e.seed, id), text: eventText(e.seed, e.ops, id) };
  });
  const body = d.asArray ? `[${events.map((e) => e.text).join(',\n ')}]` : events[0]!.text;
  const bytes = Buffer.from(body);
  const res = await post(gw, d.route, bytes, { base64 });
  // The payload mutations may make the whole body too big or too deep: then none of it is stored.
  if (bytes.length > BODY_LIMIT) {
    assert.equal(res.status, 413, JSON.stringify(res.body));
    return;
  }
  if (textDepth(body) > MAX_DEPTH) {
    assert.equal(res.status, 202, JSON.stringify(res.body));
    expectedQuarantine.push({ body: bytes, reasons: ['too-deep'] });
    return;
  }
  assert.equal(res.status, 200, JSON.stringify(res.body));
  let fresh = 0;
  for (const e of events) {
    if (expected.has(e.key)) continue;
    fresh++;
    expected.set(e.key, { body: Buffer.from(e.text), source: d.route });
  }
  assert.deepEqual(res.body, { accepted: fresh, duplicates: events.length - fresh });
}

type Outcome =
  { status: 200; events: unknown[] } | { status: 202; reasons: string[] } | { status: 400 | 413 };

/** What the gateway must answer to authentic `bytes`, decided by JSON.parse, not by the gateway. */
function expectedOutcome(bytes: Buffer): Outcome {
  if (bytes.length > BODY_LIMIT) return { status: 413 };
  const facts = bodyFacts(bytes);
  switch (facts.kind) {
    case 'empty':
      return { status: 400 };
    case 'invalid-utf8':
      return { status: 202, reasons: ['invalid-utf8'] };
    case 'not-json':
      return { status: 202, reasons: ['not-json', 'too-deep'] };
    case 'json': {
      if (facts.depth > MAX_DEPTH) return { status: 202, reasons: ['too-deep'] };
      const events = Array.isArray(facts.value) ? facts.value : [facts.value];
      if (!events.every(isPlainObject)) return { status: 202, reasons: ['not-an-object'] };
      return { status: 200, events };
    }
  }
}
