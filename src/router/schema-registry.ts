import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { Counter, type Registry } from 'prom-client';
import { isEventKind, type EventKind } from '../log/event-kinds.js';
import type { StoredEvent } from '../log/event-log.js';
import { isPlainObject } from '../util/objects.js';

/**
 * The schema registry (docs/schemas.md): one versioned JSON Schema (draft 2020-12) per event
 * kind, shipped as `schemas/<kind>.v<N>.json`, written from the official SDK models, and a
 * `check` that names how a stored event departs from it: a field Genesys added, a field whose
 * type changed, a field that is gone. The check is pure and never throws: drift is counted
 * (`DriftCounter`, `switchboard_schema_drift_total`), the event is never refused or dropped.
 *
 * For Notification API and EventBridge events the schema is the topic body's (`eventBody`, the
 * EventBridge `detail.eventBody`, what the projection reads); the wrapping is checked apart
 * (`envelope.v1.json`, drifts with `where: 'envelope'`). Guide-format pushes (SEED-FORMATS §D)
 * have no envelope: their schema is the whole body.
 */

export type DriftProblem =
  /** A field the schema does not know, at a level that lists its fields. */
  | 'unknown-field'
  /** A known field with another JSON type (a number sent as a string). */
  | 'type-changed'
  /** A field the schema says is always present is absent. */
  | 'missing-required'
  /** A value of the right type outside what the schema allows (a negative duration). */
  | 'invalid-value'
  /** The body is not JSON (or not UTF-8 JSON): checked no further. */
  | 'not-json'
  /** The body is larger than `maxBytes`: not parsed, checked no further. */
  | 'too-large'
  /** The body nests deeper than `maxDepth`: not parsed, checked no further. */
  | 'too-deep'
  /** The check itself failed (a bug): the event is kept, this drift says it went unchecked. */
  | 'unchecked';

export interface Drift {
  kind: EventKind;
  /** The schema that found it: `user.presence.v1`, or `envelope.v1` for the wrapping. */
  schema: string;
  version: number;
  /** In the topic body (or the whole body of a guide push), or in its envelope. */
  where: 'body' | 'envelope';
  /**
   * JSON pointer (RFC 6901) from the body (or, for the envelope, from the received document),
   * with array indices and the keys of free-form maps as `*` so one field is one name:
   * `/participants/*\/calls/*\/held`. `''` is the whole body.
   */
  field: string;
  problem: DriftProblem;
  /** For `type-changed`: the JSON type the schema expects. */
  expected?: string;
}

export interface SchemaRegistryOptions {
  /** Where the `*.v<N>.json` files are (default: `schemas/` beside this module). */
  dir?: string;
  /** Bodies above this many bytes are not parsed: one `too-large` drift (default 512 KiB). */
  maxBytes?: number;
  /** Bodies nesting arrays/objects deeper than this are not parsed: one `too-deep` drift (64). */
  maxDepth?: number;
  /** At most this many distinct drifts are reported for one event; the rest are dropped (32). */
  maxDriftsPerEvent?: number;
}

/** A schema file's `x-switchboard` annotation. */
interface SchemaMeta {
  kind: string | null;
  version: number;
  /** `topic-body`: the eventBody of an envelope; `document`: the whole body; `envelope`. */
  wraps: 'topic-body' | 'document' | 'envelope';
  /** Topic suffix (lower case; `''` for the plain topic) → `$defs` model. */
  variants: Record<string, string>;
}

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  $defs?: Record<string, SchemaNode>;
}

interface Variant {
  model: string;
  /** Compiled on first use (`SchemaRegistry.compileAll` compiles them all). */
  validate?: ValidateFunction;
}

interface Compiled {
  name: string;
  version: number;
  wraps: SchemaMeta['wraps'];
  $id: string;
  root: SchemaNode;
  variants: Map<string, Variant>;
}

/** Which part of a kind's topic picks its variant (media topics, detail milestones). */
const VARIANT_OF: Partial<Record<EventKind, RegExp>> = {
  'user.conversation': /\.conversations(?:\.([^.]+))?$/i,
  'queue.conversation': /\.conversations(?:\.([^.]+))?$/i,
  'conversation.detail': /^v2\.detail\.events\.conversation\.[^.]+\.(.+)$/i,
  'queue.observation': /\.([^.]+)$/i,
};

const FILE = /^(.+)\.v(\d+)\.json$/;
const MAX_FIELD_CHARS = 200;

export class SchemaRegistry {
  readonly #ajv: Ajv2020;
  readonly #kinds = new Map<EventKind, Compiled>();
  readonly #envelope: Compiled;
  readonly #maxBytes: number;
  readonly #maxDepth: number;
  readonly #maxDrifts: number;

  /**
   * Reads every schema file (the newest version of each kind) into one Ajv instance; throws on a
   * file that is not a schema of this registry. Each (kind, topic variant) is compiled once, on
   * its first event: the conversation media topics take tens to hundreds of milliseconds each, so
   * a caller that would rather pay at startup calls `compileAll()`.
   */
  constructor(options: SchemaRegistryOptions = {}) {
    this.#maxBytes = options.maxBytes ?? 512 * 1024;
    this.#maxDepth = options.maxDepth ?? 64;
    this.#maxDrifts = options.maxDriftsPerEvent ?? 32;
    const dir = options.dir ?? fileURLToPath(new URL('./schemas/', import.meta.url));
    const newest = new Map<string, { file: string; version: number }>();
    for (const file of readdirSync(dir)) {
      const m = FILE.exec(file);
      if (!m) continue;
      const version = Number(m[2]);
      const seen = newest.get(m[1]!);
      if (!seen || seen.version < version) newest.set(m[1]!, { file, version });
    }
    // Meta-schema validation is `compileAll()`'s: the shipped files are checked by the tests.
    this.#ajv = new Ajv2020({
      allErrors: true,
      strict: true,
      allowUnionTypes: true,
      validateSchema: false,
      code: { optimize: false },
    });
    this.#ajv.addVocabulary(['x-switchboard']);
    let envelope: Compiled | undefined;
    for (const [name, { file, version }] of newest) {
      const json = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as SchemaNode & {
        $id: string;
        'x-switchboard': SchemaMeta;
      };
      const meta = json['x-switchboard'];
      if (meta.version !== version)
        throw new Error(`${file}: x-switchboard.version ${meta.version} is not ${version}`);
      const variants = new Map<string, Variant>();
      for (const [suffix, model] of Object.entries(meta.variants)) {
        if (!json.$defs?.[model]) throw new Error(`${file}: no $defs/${model}`);
        variants.set(suffix, { model });
      }
      this.#ajv.addSchema(json);
      const compiled: Compiled = {
        name: `${name}.v${version}`,
        version,
        wraps: meta.wraps,
        $id: json.$id,
        root: json,
        variants,
      };
      if (meta.wraps === 'envelope') {
        envelope = compiled;
        continue;
      }
      if (meta.kind !== name || !isEventKind(name))
        throw new Error(`${file}: x-switchboard.kind must be the event kind "${name}"`);
      this.#kinds.set(name, compiled);
    }
    if (!envelope) throw new Error(`${dir}: no envelope schema`);
    this.#envelope = envelope;
  }

  /** Validates every schema against its meta-schema and compiles every variant; throws if one is bad. */
  compileAll(): void {
    for (const schema of [this.#envelope, ...this.#kinds.values()]) {
      if (!this.#ajv.validateSchema(schema.root))
        throw new Error(`${schema.name}: ${this.#ajv.errorsText(this.#ajv.errors)}`);
      for (const variant of schema.variants.values()) this.#validator(schema, variant);
    }
  }

  /** The kinds that have a schema, and the version in force for each. */
  versions(): Map<EventKind, number> {
    return new Map([...this.#kinds].map(([k, c]) => [k, c.version]));
  }

  /**
   * How the event departs from its kind's schema; `[]` when it conforms or its kind (or its
   * topic's variant) has no schema. Pure and total: never throws, never changes the event.
   */
  check(event: Pick<StoredEvent, 'kind' | 'topic' | 'body'>): Drift[] {
    let kind: EventKind = 'unknown';
    try {
      kind = event.kind;
      const schema = this.#kinds.get(kind);
      if (!schema) return [];
      const whole = (problem: DriftProblem): Drift[] => [
        { kind, schema: schema.name, version: schema.version, where: 'body', field: '', problem },
      ];
      const bytes = event.body;
      if (!(bytes instanceof Uint8Array)) return whole('not-json');
      if (bytes.byteLength > this.#maxBytes) return whole('too-large');
      if (nestingExceeds(bytes, this.#maxDepth)) return whole('too-deep');
      let parsed: unknown;
      try {
        parsed = JSON.parse(UTF8.decode(bytes));
      } catch {
        return whole('not-json');
      }
      const out = new Drifts(kind, this.#maxDrifts);
      let body: unknown = parsed;
      const envelope = envelopeOf(parsed);
      if (schema.wraps === 'topic-body') {
        // A pushed guide event of a topic kind (routing.queue.* as queue.member) has no topic body.
        if (!envelope) return [];
        const env = this.#envelope.variants.get(envelope.variant)!;
        const validate = this.#validator(this.#envelope, env);
        if (!validate(parsed)) out.addErrors(this.#envelope, env.model, 'envelope', validate);
        body = envelope.body;
        if (!isPlainObject(body)) return out.list; // the envelope drift names it
      } else if (envelope) {
        return [];
      }
      const variant = schema.variants.get(variantKey(kind, event.topic));
      if (!variant) return out.list;
      const validate = this.#validator(schema, variant);
      if (!validate(body)) out.addErrors(schema, variant.model, 'body', validate);
      return out.list;
    } catch {
      return [{ kind, schema: '', version: 0, where: 'body', field: '', problem: 'unchecked' }];
    }
  }

  #validator(schema: Compiled, variant: Variant): ValidateFunction {
    if (variant.validate) return variant.validate;
    const validate = this.#ajv.getSchema(`${schema.$id}#/$defs/${variant.model}`);
    if (!validate) throw new Error(`${schema.name}: no $defs/${variant.model}`);
    return (variant.validate = validate);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The topic body's envelope, recognised as the normalizer does (`normalizeEvent`). */
function envelopeOf(
  parsed: unknown,
): { variant: 'notification' | 'eventbridge'; body: unknown } | undefined {
  if (!isPlainObject(parsed)) return undefined;
  if (isPlainObject(parsed.detail) && typeof parsed['detail-type'] === 'string')
    return { variant: 'eventbridge', body: parsed.detail.eventBody };
  if (typeof parsed.topicName === 'string')
    return { variant: 'notification', body: parsed.eventBody };
  return undefined;
}

function variantKey(kind: EventKind, topic: unknown): string {
  const pattern = VARIANT_OF[kind];
  if (!pattern) return '';
  if (typeof topic !== 'string') return '\0';
  return (pattern.exec(topic)?.[1] ?? '').toLowerCase();
}

/** True when arrays/objects nest deeper than `max` (a scan of the bytes; strings skipped). */
function nestingExceeds(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** One event's drifts, distinct and at most `max`. */
class Drifts {
  readonly list: Drift[] = [];
  readonly #seen = new Set<string>();

  constructor(
    readonly kind: EventKind,
    readonly max: number,
  ) {}

  addErrors(
    schema: Compiled,
    model: string,
    where: Drift['where'],
    validate: ValidateFunction,
  ): void {
    for (const error of validate.errors ?? []) {
      if (this.list.length >= this.max) return;
      const drift = toDrift(error, schema, model);
      if (!drift) continue;
      const key = `${drift.field}\0${drift.problem}`;
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      this.list.push({
        kind: this.kind,
        schema: schema.name,
        version: schema.version,
        where,
        ...drift,
      });
    }
  }
}

function toDrift(
  error: ErrorObject,
  schema: Compiled,
  model: string,
): Pick<Drift, 'field' | 'problem' | 'expected'> | undefined {
  const parent = fieldOf(schema.root, model, error.instancePath);
  const child = (name: unknown) => `${parent}/${escape(String(name)).slice(0, MAX_FIELD_CHARS)}`;
  switch (error.keyword) {
    case 'additionalProperties':
      return { field: child(error.params.additionalProperty), problem: 'unknown-field' };
    case 'required':
      return { field: child(error.params.missingProperty), problem: 'missing-required' };
    case 'type': {
      const type = error.params.type as string | string[];
      return {
        field: parent,
        problem: 'type-changed',
        expected: Array.isArray(type) ? type.join('|') : type,
      };
    }
    case '$ref':
      return undefined;
    default:
      return { field: parent, problem: 'invalid-value' };
  }
}

/**
 * The instance path as a field name: walks the schema beside the path, so an array index or a
 * key of a free-form map (`additionalProperties` with a schema) becomes `*`.
 */
function fieldOf(root: SchemaNode, model: string, instancePath: string): string {
  if (instancePath === '') return '';
  let node: SchemaNode | undefined = root.$defs?.[model];
  const out: string[] = [];
  for (const raw of instancePath.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = deref(root, node);
    if (node?.properties && Object.hasOwn(node.properties, segment)) {
      out.push(escape(segment));
      node = node.properties[segment];
    } else if (node?.items && /^\d+$/.test(segment)) {
      out.push('*');
      node = node.items;
    } else if (node && typeof node.additionalProperties === 'object') {
      out.push('*');
      node = node.additionalProperties;
    } else {
      out.push(/^\d+$/.test(segment) ? '*' : escape(segment).slice(0, MAX_FIELD_CHARS));
      node = undefined;
    }
  }
  return `/${out.join('/')}`;
}

function deref(root: SchemaNode, node: SchemaNode | undefined): SchemaNode | undefined {
  for (let i = 0; node?.$ref !== undefined && i < 8; i++) {
    const name = /^#\/\$defs\/(.+)$/.exec(node.$ref)?.[1];
    node = name === undefined ? undefined : root.$defs?.[name];
  }
  return node;
}

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

// ── counting ─────────────────────────────────────────────────────────────────────────────

export interface DriftCount {
  kind: string;
  /** `driftLabel`: the field, `envelope:`-prefixed for the wrapping, `*` for overflow. */
  field: string;
  problem: DriftProblem;
  count: number;
}

/** The metric label of a drift's field: `/x/y`, `envelope:/x`, `(root)` for the whole body. */
export function driftLabel(d: Pick<Drift, 'where' | 'field'>): string {
  const field = d.field === '' ? '(root)' : d.field;
  return d.where === 'envelope' ? `envelope:${field}` : field;
}

/**
 * Drifts counted by kind, field and problem, with bounded cardinality: at most
 * `maxFieldsPerKind` distinct fields per kind (default 100) and `maxKinds` kinds (default 64);
 * past the cap a drift is counted under field (or kind) `*`.
 */
export class DriftCounter {
  readonly #counts = new Map<string, Map<string, Map<DriftProblem, number>>>();
  readonly #maxFields: number;
  readonly #maxKinds: number;

  constructor(options: { maxFieldsPerKind?: number; maxKinds?: number } = {}) {
    this.#maxFields = options.maxFieldsPerKind ?? 100;
    this.#maxKinds = options.maxKinds ?? 64;
  }

  add(drifts: readonly Drift[]): void {
    for (const d of drifts) {
      let kind: string = d.kind;
      let fields = this.#counts.get(kind);
      if (!fields) {
        if (this.#counts.size >= this.#maxKinds) kind = '*';
        fields = this.#counts.get(kind) ?? new Map<string, Map<DriftProblem, number>>();
        this.#counts.set(kind, fields);
      }
      let field = driftLabel(d);
      let problems = fields.get(field);
      if (!problems) {
        const counted = fields.size - (fields.has('*') ? 1 : 0);
        if (counted >= this.#maxFields) field = '*';
        problems = fields.get(field) ?? new Map<DriftProblem, number>();
        fields.set(field, problems);
      }
      problems.set(d.problem, (problems.get(d.problem) ?? 0) + 1);
    }
  }

  /** Every count, sorted by kind, field and problem. */
  snapshot(): DriftCount[] {
    const out: DriftCount[] = [];
    for (const [kind, fields] of this.#counts)
      for (const [field, problems] of fields)
        for (const [problem, count] of problems) out.push({ kind, field, problem, count });
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return out.sort(
      (a, b) => cmp(a.kind, b.kind) || cmp(a.field, b.field) || cmp(a.problem, b.problem),
    );
  }
}

/**
 * Registers `switchboard_schema_drift_total{kind,field,problem}` on `registry`, read from
 * `counter` at every scrape.
 */
export function registerSchemaDriftMetrics(
  registry: Registry,
  counter: DriftCounter,
): Counter<'kind' | 'field' | 'problem'> {
  return new Counter({
    name: 'switchboard_schema_drift_total',
    help: 'Stored events departing from their kind schema (docs/schemas.md), by kind, field (JSON pointer; envelope: for the wrapping; * past the cap) and problem.',
    labelNames: ['kind', 'field', 'problem'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of counter.snapshot())
        this.inc({ kind: c.kind, field: c.field, problem: c.problem }, c.count);
    },
  });
}
