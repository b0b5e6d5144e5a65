/**
 * Routing patterns (issue 13): 100 EventBridge patterns of mixed operators matched against
 * real-shaped Genesys events, on one core, beside a baseline that only JSON-parses the same
 * events. Events are the emulator's own rendered messages (topic envelopes and guide payloads
 * of a 300-agent center, 20 virtual minutes), normalized by the gateway's normalizer into the
 * document routes see: `{id, source, topic, kind, subject, occurredAt, receivedAt, body}`.
 *
 * Measured, each as the median of interleaved rounds:
 * - parse: `JSON.parse` of every event's bytes (the baseline: the router must do it anyway);
 * - match: the 100 compiled patterns over every already-built document, one by one (`matches`,
 *   all answers), as a `PatternSet` (`matching`, all answers), and as the router's question "does
 *   any route send it" (`routes.some((r) => r.matches(doc))` today, `PatternSet.matchesAny`);
 * - parse + match: both, plus building the document, as the router does per event.
 *
 * Run alone: `node --import tsx bench/run.ts rules` (target: match ≥ 200,000 events/s).
 */
import {
  compilePattern,
  compilePatternSet,
  type CompiledPattern,
} from '../src/router/event-pattern.js';
import { normalizeEvent } from '../src/sources/normalize/normalize.js';
import { startEmulator } from '../test/support/emulator.js';

const ROUNDS = Number(process.env.BENCH_RULES_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_RULES_ROUND_MS ?? 1500);
const TARGET = 200_000;

interface Sample {
  text: string;
  meta: { id: string; source: string; topic: string; kind: string; subject: object };
  occurredAt: string | null;
  receivedAt: string;
}

export async function renderedEvents(log: (m: string) => void): Promise<Sample[]> {
  log('rules: rendering Genesys events from the emulator (300 agents, 20 virtual minutes)');
  const texts: string[] = [];
  const emu = await startEmulator({
    agents: 300,
    queues: 8,
    seed: 1,
    startMs: Date.parse('2026-11-23T08:00:00Z'),
    sink: (text) => texts.push(text),
  });
  // Guide payloads are rendered only while some webhook subscription exists (never sent here).
  emu.addWebhook({
    name: 'render-only',
    url: 'http://127.0.0.1:9/',
    secret: 's',
    encoding: 'hex',
    status: 'PUBLISHED',
    events: [],
  });
  emu.advance(20 * 60_000);
  await emu.stop();
  const ctx = {
    source: 'stream' as const,
    receivedAt: '2026-11-23T08:20:00.000Z',
    idKeys: [['notificationId'], ['id'], ['correlationId']],
  };
  return texts.map((text) => {
    const e = normalizeEvent(Buffer.from(text), JSON.parse(text) as Record<string, unknown>, ctx);
    return {
      text,
      meta: { id: e.id, source: e.source, topic: e.topic, kind: e.kind, subject: e.subject },
      occurredAt: e.occurredAt,
      receivedAt: e.receivedAt,
    };
  });
}

/** The document a route's pattern sees (CONTRACT.md "Sinks"). */
export function documentOf(s: Sample, body: unknown) {
  const { id, source, topic, kind, subject } = s.meta;
  return {
    id,
    source,
    topic,
    kind,
    subject,
    occurredAt: s.occurredAt,
    receivedAt: s.receivedAt,
    body,
  };
}

/** 100 patterns cycling through twelve shapes, each with its own values. */
export function rulePatterns(samples: Sample[]): unknown[] {
  const ids = (key: 'queueId' | 'userId') => [
    ...new Set(
      samples
        .map((s) => (s.meta.subject as Record<string, string | undefined>)[key])
        .filter((x): x is string => x !== undefined),
    ),
  ];
  const queues = ids('queueId');
  const users = ids('userId');
  const kinds = ['user.routing', 'user.activity', 'user.conversation', 'queue.conversation'];
  const statuses = ['IDLE', 'INTERACTING', 'COMMUNICATING', 'NOT_RESPONDING', 'OFF_QUEUE'];
  const presences = ['AVAILABLE', 'ON_QUEUE', 'BREAK', 'MEAL', 'TRAINING', 'OFFLINE'];
  const pick = <T>(xs: T[], i: number): T => xs[i % xs.length]!;
  const shapes: ((i: number) => unknown)[] = [
    (i) => ({ kind: [pick(kinds, i)], subject: { userId: users.slice(i, i + 20) } }),
    (i) => ({
      kind: [{ prefix: 'user.' }],
      body: {
        eventBody: { routingStatus: { status: [pick(statuses, i), pick(statuses, i + 2)] } },
      },
    }),
    (i) => ({ topic: [{ wildcard: `v2.routing.queues.${pick(queues, i)}.*` }] }),
    (i) => ({
      subject: { queueId: [pick(queues, i)] },
      kind: [{ 'anything-but': ['queue.observation', 'system'] }],
    }),
    (i) => ({
      kind: ['interaction'],
      body: { data: { metrics: { talkTime: [{ numeric: ['>', (i % 10) * 30, '<=', 900] }] } } },
    }),
    (i) => ({
      subject: { conversationId: [{ exists: true }] },
      kind: [{ 'anything-but': { prefix: 'queue.' } }],
      occurredAt: [{ prefix: `2026-11-23T08:${String(i % 20).padStart(2, '0')}` }],
    }),
    (i) => ({
      kind: ['user.conversation', 'queue.conversation'],
      body: {
        eventBody: {
          participants: { purpose: [{ 'equals-ignore-case': i % 2 ? 'AGENT' : 'Customer' }] },
        },
      },
    }),
    (i) => ({
      topic: [{ suffix: i % 2 ? '.conversations' : '.routingStatus' }],
      body: { eventBody: { participants: { calls: { state: ['connected', 'alerting'] } } } },
    }),
    (i) => ({
      $or: [
        { kind: ['agent.state'], body: { user: { routingStatus: [pick(statuses, i)] } } },
        { body: { eventBody: { presenceDefinition: { systemPresence: [pick(presences, i)] } } } },
      ],
    }),
    (i) => ({
      kind: ['conversation.detail'],
      topic: [{ wildcard: `v2.detail.events.conversation.*.${i % 2 ? 'customer' : 'acw'}.*` }],
      body: { eventBody: { mediaType: [{ 'equals-ignore-case': i % 3 ? 'voice' : 'email' }] } },
    }),
    (i) => ({
      kind: ['routing.conversation'],
      body: {
        conversation: { direction: [{ 'anything-but': { 'equals-ignore-case': 'outbound' } }] },
        peer: [{ cidr: `10.${i % 250}.0.0/16` }, { exists: false }],
      },
    }),
    (i) => ({
      source: ['stream', 'webhook'],
      body: {
        eventBody: { outOfOffice: { active: [i % 2 === 0] } },
        version: [{ exists: i % 2 === 0 }],
      },
    }),
  ];
  return Array.from({ length: 100 }, (_, i) => shapes[i % shapes.length]!(i));
}

function rate(fn: () => number): { perSec: number; sink: number } {
  let count = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ROUND_MS) {
    sink += fn();
    count++;
    elapsed = performance.now() - start;
  }
  return { perSec: count / (elapsed / 1000), sink };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function rulesSection(log: (m: string) => void): Promise<string[]> {
  const samples = await renderedEvents(log);
  const patterns = rulePatterns(samples);
  const rules: CompiledPattern[] = patterns.map(compilePattern);
  const set = compilePatternSet(patterns);
  const docs = samples.map((s) => documentOf(s, JSON.parse(s.text)));
  const bytes = samples.reduce((n, s) => n + Buffer.byteLength(s.text), 0);
  const n = samples.length;
  const out: number[] = [];
  const oneByOne = (doc: unknown) => {
    let hits = 0;
    for (let r = 0; r < rules.length; r++) if (rules[r]!.matches(doc)) hits++;
    return hits;
  };
  const together = (doc: unknown) => set.matching(doc, out).length;
  const routerSome = (doc: unknown) => (rules.some((r) => r.matches(doc)) ? 1 : 0);
  const any = (doc: unknown) => (set.matchesAny(doc) ? 1 : 0);
  // One pass over every event = n events.
  const parsePass = () => {
    let k = 0;
    for (let i = 0; i < n; i++) k += (JSON.parse(samples[i]!.text) as object) ? 1 : 0;
    return k;
  };
  const matchPass = (match: (doc: unknown) => number) => () => {
    let hits = 0;
    for (let i = 0; i < n; i++) hits += match(docs[i]);
    return hits;
  };
  const bothPass = () => {
    let hits = 0;
    for (let i = 0; i < n; i++)
      hits += together(documentOf(samples[i]!, JSON.parse(samples[i]!.text)));
    return hits;
  };
  const hitsPerPass = matchPass(oneByOne)();
  if (matchPass(together)() !== hitsPerPass) throw new Error('PatternSet disagrees with matches()');
  if (matchPass(any)() !== matchPass(routerSome)())
    throw new Error('PatternSet.matchesAny disagrees with some(matches)');
  log(
    `rules: ${n} events (${Math.round(bytes / n)} B on average), ${rules.length} patterns, ${hitsPerPass} matches per pass`,
  );
  const runs = {
    parse: [] as number[],
    single: [] as number[],
    set: [] as number[],
    some: [] as number[],
    any: [] as number[],
    both: [] as number[],
  };
  for (let round = 0; round < ROUNDS; round++) {
    log(`rules: round ${round + 1}/${ROUNDS}`);
    runs.parse.push(rate(parsePass).perSec * n);
    runs.single.push(rate(matchPass(oneByOne)).perSec * n);
    runs.set.push(rate(matchPass(together)).perSec * n);
    runs.some.push(rate(matchPass(routerSome)).perSec * n);
    runs.any.push(rate(matchPass(any)).perSec * n);
    runs.both.push(rate(bothPass).perSec * n);
  }
  const p = median(runs.parse);
  const single = median(runs.single);
  const m = median(runs.set);
  const some = median(runs.some);
  const a = median(runs.any);
  const b = median(runs.both);
  const k = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;
  const met = (x: number) => `≥ ${k(TARGET)}: ${x >= TARGET ? 'met' : 'NOT met'}`;
  return [
    `## Routing patterns (${rules.length} mixed-operator patterns, ${n} emulator events of ${Math.round(bytes / n)} B on average, one core, median of ${ROUNDS} rounds)`,
    '',
    '| measure | events/s | vs JSON.parse only | target |',
    '| --- | ---: | ---: | --- |',
    `| JSON.parse only (baseline) | ${k(p)} | 1.00× | |`,
    `| ${rules.length} patterns one by one (\`matches\`), documents already built | ${k(single)} | ${(single / p).toFixed(2)}× | ${met(single)} |`,
    `| ${rules.length} patterns as a \`PatternSet\`, documents already built | ${k(m)} | ${(m / p).toFixed(2)}× | ${met(m)} |`,
    `| any route? \`routes.some((r) => r.matches(doc))\` (the router today) | ${k(some)} | ${(some / p).toFixed(2)}× | ${met(some)} |`,
    `| any route? \`PatternSet.matchesAny(doc)\` | ${k(a)} | ${(a / p).toFixed(2)}× | ${met(a)} |`,
    `| parse + build document + \`PatternSet\` | ${k(b)} | ${(b / p).toFixed(2)}× | |`,
    '',
    `- ${(1e9 / single / rules.length).toFixed(0)} ns per pattern per event one by one; ${(hitsPerPass / n).toFixed(1)} patterns match an event on average`,
    '',
  ];
}
