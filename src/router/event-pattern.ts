/**
 * The Amazon EventBridge event-pattern language (docs/rules.md), compiled once into closures.
 *
 * A pattern is a JSON object that mirrors the event: every key names a field, a nested object
 * descends into it, and a leaf is an array of alternatives (exact values and operator objects)
 * of which any one may match. All fields of an object must match ("and"); `$or` takes an array
 * of sub-patterns of which one must. Where the event holds an array, the pattern matches when
 * any element does, and a nested object pattern matches one element as a whole.
 *
 * Semantics follow the AWS documentation ("Content filtering in Amazon EventBridge event
 * patterns", "Comparison operators for use in event patterns") and, where it is silent, Event
 * Ruler (github.com/aws/event-ruler), the library EventBridge matches with. One deliberate
 * difference: the empty pattern `{}` matches every event (Switchboard's default route), where
 * EventBridge refuses it.
 *
 * Patterns come from configuration, which is hostile input: compiling bounds the depth, the
 * number of nodes and the length of every string, never expands `$or` into combinations, and
 * builds wildcards as linear matchers (no regular expressions at all).
 */
import { SwitchboardError } from '../errors.js';
import { CidrSyntaxError, cidr } from './event-pattern-cidr.js';
import {
  WildcardSyntaxError,
  equalsIgnoreCase,
  prefixIgnoreCase,
  suffixIgnoreCase,
  parseWildcard,
  wildcard,
  type StringTest,
} from './event-pattern-strings.js';

/** Compile limits: patterns beyond them are refused, whatever their content. */
export const PATTERN_LIMITS = {
  /** Nesting of objects, `$or` sub-patterns and operator objects. */
  maxDepth: 32,
  /** Keys, array elements and values, all counted. */
  maxNodes: 10_000,
  /** Characters in any key or string value. */
  maxStringLength: 4096,
  /** Numeric operands, as Event Ruler bounds them. */
  maxNumber: 5e9,
  /** Nested arrays inside an event array that matching still descends into. */
  maxEventArrayDepth: 32,
} as const;

/** A pattern that cannot be compiled; the message starts with the JSON path of the problem. */
export class PatternError extends SwitchboardError {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super('SB_PATTERN_INVALID', `${path}: ${reason}`);
    this.name = 'PatternError';
    this.path = path;
    this.reason = reason;
  }
}

export interface CompiledPattern {
  /** True when `doc` (parsed JSON) matches. Never throws, never allocates for ASCII data. */
  matches(doc: unknown): boolean;
  /** The empty pattern `{}`: every event matches, so a caller need not build the document. */
  readonly matchesEverything: boolean;
}

/** The operators of a leaf's operator objects. */
const OPERATORS = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'equals-ignore-case',
  'wildcard',
  'cidr',
]);

type Scalar = string | number | boolean | null;
type ScalarTest = (v: Scalar) => boolean;
type NumberTest = (n: number) => boolean;
type ObjectTest = (o: Record<string, unknown>) => boolean;

/**
 * What a leaf accepts when it is made only of exact values, prefixes, suffixes and wildcards
 * (a wildcard counts as its literal prefix): the event must hold such a value for it to match.
 */
interface Atom {
  /** Field names from the pattern's root (none of them a key of Object.prototype). */
  path: string[];
  exact: Scalar[];
  prefixes: string[];
  suffixes: string[];
}

/**
 * A necessary condition for a (sub-)pattern to match, used only to index pattern sets: an atom,
 * all of (`and`, any member holding is necessary, so one is chosen) or any of (`or`, every
 * member must be indexable). Patterns without one are tried on every event.
 */
type Condition = { atom: Atom } | { and: Condition[] } | { or: Condition[] };

/** What a compiled object pattern offers its parent. */
interface CompiledObject {
  /** Tests any event node at this place (object, array, scalar or undefined). */
  node: (v: unknown) => boolean;
  /** Tests a plain object (the `$or` branches of the same object use it). */
  object: ObjectTest;
  /** Necessary for `object` to match (and for `node`: it then fails where no object is). */
  condition?: Condition;
  /** The same tests as data, for code generation (`generate`). */
  ir: ObjectIR;
}

/** An object pattern as data: its fields in the order they are tried. */
interface ObjectIR {
  fields: FieldIR[];
  /** What the pattern says of a place where the event has no object. */
  whenAbsent: boolean;
}

type FieldIR =
  | { type: 'leaf'; key: string; own: boolean; leaf: LeafBuilder; test: (v: unknown) => boolean }
  | { type: 'object'; key: string; own: boolean; object: ObjectIR }
  | { type: 'or'; branches: ObjectIR[] };

/** Prefixes every atom's path in `c` with `key`. */
function under(key: string, c: Condition): Condition {
  if ('atom' in c) return { atom: { ...c.atom, path: [key, ...c.atom.path] } };
  if ('and' in c) return { and: c.and.map((x) => under(key, x)) };
  return { or: c.or.map((x) => under(key, x)) };
}

const EMPTY: Record<string, unknown> = Object.freeze(Object.create(null) as object) as Record<
  string,
  unknown
>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

const describe = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'an array'
      : typeof v === 'object'
        ? 'an object'
        : typeof v;

/** `$.detail.state[0].numeric`; keys that are not plain words are bracketed. */
function child(path: string, key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

class Compiler {
  nodes = 0;

  count(path: string): void {
    if (++this.nodes > PATTERN_LIMITS.maxNodes)
      throw new PatternError(
        path,
        `the pattern is too large (more than ${PATTERN_LIMITS.maxNodes} keys and values)`,
      );
  }

  depth(path: string, depth: number): void {
    if (depth > PATTERN_LIMITS.maxDepth)
      throw new PatternError(
        path,
        `the pattern nests too deeply (more than ${PATTERN_LIMITS.maxDepth} levels)`,
      );
  }

  string(path: string, v: unknown, what: string): string {
    if (typeof v !== 'string')
      throw new PatternError(path, `${what} must be a string, got ${describe(v)}`);
    if (v.length > PATTERN_LIMITS.maxStringLength)
      throw new PatternError(
        path,
        `${what} is longer than ${PATTERN_LIMITS.maxStringLength} characters`,
      );
    return v;
  }

  number(path: string, v: unknown, what: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new PatternError(path, `${what} must be a number, got ${describe(v)}`);
    if (Math.abs(v) > PATTERN_LIMITS.maxNumber)
      throw new PatternError(
        path,
        `${what} ${v} is outside the range EventBridge compares (-5e9 to 5e9)`,
      );
    return v;
  }

  /** An object pattern (not the root's `{}`): every field must match. */
  object(
    pattern: Record<string, unknown>,
    path: string,
    depth: number,
    inOr: boolean,
  ): CompiledObject {
    this.depth(path, depth);
    const keys = Object.keys(pattern);
    if (keys.length === 0)
      throw new PatternError(path, 'an empty object matches nothing here; name at least one field');
    // Each field with its cost rank: the cheapest are tried first (an "and" has no order).
    const fields: { rank: number; test: ObjectTest; ir: FieldIR }[] = [];
    const conditions: Condition[] = [];
    for (const key of keys) {
      const at = child(path, key);
      this.count(at);
      this.string(at, key, 'a field name');
      const value = pattern[key];
      if (key === '$or') {
        const or = this.or(value, at, depth);
        if (or.condition) conditions.push(or.condition);
        fields.push({ rank: 3, test: or.test, ir: { type: 'or', branches: or.branches } });
        continue;
      }
      if (inOr && OPERATORS.has(key))
        throw new PatternError(at, `"${key}" is an operator and cannot name a field inside $or`);
      // A key that Object.prototype also has is read only as an own property.
      const own = key in Object.prototype;
      if (Array.isArray(value)) {
        const { test: leaf, exact: strings, atom, builder } = this.leaf(value, at, depth);
        let test: ObjectTest;
        if (own) test = (o) => leaf(Object.hasOwn(o, key) ? o[key] : undefined);
        else if (strings?.length === 1) {
          // The commonest leaf, `kind: ["user.presence"]`, without a call in between.
          const only = strings[0]!;
          test = (o) => {
            const v = o[key];
            return v === only || (Array.isArray(v) && leaf(v));
          };
        } else test = (o) => leaf(o[key]);
        if (atom && !own) conditions.push({ atom: { ...atom, path: [key] } });
        fields.push({
          rank: strings ? 0 : 1,
          test,
          ir: { type: 'leaf', key, own, leaf: builder, test: leaf },
        });
      } else if (isPlainObject(value)) {
        const compiled = this.object(value, at, depth + 1, inOr);
        const sub = compiled.node;
        if (compiled.condition && !own) conditions.push(under(key, compiled.condition));
        fields.push({
          rank: 2,
          test: own ? (o) => sub(Object.hasOwn(o, key) ? o[key] : undefined) : (o) => sub(o[key]),
          ir: { type: 'object', key, own, object: compiled.ir },
        });
      } else {
        throw new PatternError(
          at,
          `must be an array of values to match or a nested object, got ${describe(value)} (write [${JSON.stringify(value) ?? ''}] to match a value)`,
        );
      }
    }
    fields.sort((a, b) => a.rank - b.rank);
    const condition =
      conditions.length === 0
        ? undefined
        : conditions.length === 1
          ? conditions[0]
          : { and: conditions };
    const finished = finishObject(fields.map((f) => f.test));
    const ir = { fields: fields.map((f) => f.ir), whenAbsent: finished.whenAbsent };
    return { node: finished.node, object: finished.object, condition, ir };
  }

  or(
    value: unknown,
    path: string,
    depth: number,
  ): { test: ObjectTest; branches: ObjectIR[]; condition?: Condition } {
    if (!Array.isArray(value) || value.length < 2)
      throw new PatternError(path, '$or must be an array of at least two patterns');
    const branches = value.map((sub, i) => {
      const at = `${path}[${i}]`;
      this.count(at);
      if (!isPlainObject(sub))
        throw new PatternError(at, `each $or branch must be an object, got ${describe(sub)}`);
      return this.object(sub, at, depth + 1, true);
    });
    const tests = branches.map((b) => b.object);
    const test: ObjectTest = (o) => {
      for (let i = 0; i < tests.length; i++) if (tests[i]!(o)) return true;
      return false;
    };
    const conditions = branches.map((b) => b.condition);
    const irs = branches.map((b) => b.ir);
    if (conditions.every((c) => c !== undefined))
      return { test, branches: irs, condition: { or: conditions } };
    return { test, branches: irs };
  }

  /** A leaf: an array of alternatives, any one of which matches. */
  leaf(
    values: unknown[],
    path: string,
    depth: number,
  ): {
    test: (v: unknown) => boolean;
    exact: string[] | undefined;
    atom: Omit<Atom, 'path'> | undefined;
    builder: LeafBuilder;
  } {
    if (values.length === 0) throw new PatternError(path, 'an empty array matches nothing');
    const b = new LeafBuilder();
    values.forEach((v, i) => {
      const at = `${path}[${i}]`;
      this.count(at);
      if (typeof v === 'string') b.strings.push(this.string(at, v, 'a value'));
      else if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new PatternError(at, 'a number must be finite');
        b.numbers.push(v);
      } else if (v === null) b.matchNull = true;
      else if (v === true) b.matchTrue = true;
      else if (v === false) b.matchFalse = true;
      else if (isPlainObject(v)) this.operator(v, at, depth + 1, b);
      else
        throw new PatternError(
          at,
          `a value to match must be a string, number, boolean, null or an operator object, got ${describe(v)}`,
        );
    });
    return {
      test: b.build(),
      exact: b.onlyStrings() ? [...new Set(b.strings)] : undefined,
      atom: b.atom(),
      builder: b,
    };
  }

  operator(op: Record<string, unknown>, path: string, depth: number, b: LeafBuilder): void {
    this.depth(path, depth);
    const keys = Object.keys(op);
    if (keys.length !== 1)
      throw new PatternError(
        path,
        `an operator object has exactly one key (one of ${[...OPERATORS].join(', ')}), got ${keys.length}`,
      );
    const name = keys[0]!;
    const at = child(path, name);
    this.count(at);
    const arg = op[name];
    switch (name) {
      case 'prefix':
      case 'suffix': {
        const ignoreCase = this.ignoreCaseArg(arg, at, depth);
        if (ignoreCase !== undefined) {
          b.opaque = true;
          b.other(name === 'prefix' ? prefixIgnoreCase(ignoreCase) : suffixIgnoreCase(ignoreCase));
        } else {
          const s = this.string(at, arg, `${name}`);
          (name === 'prefix' ? b.prefixes : b.suffixes).push(s);
          b.stringTests.push(name === 'prefix' ? (v) => v.startsWith(s) : (v) => v.endsWith(s));
        }
        return;
      }
      case 'equals-ignore-case':
        b.opaque = true;
        b.other(equalsIgnoreCase(this.string(at, arg, 'equals-ignore-case')));
        return;
      case 'wildcard': {
        const glob = this.string(at, arg, 'wildcard');
        b.other(this.wildcard(glob, at));
        // Only a syntactically valid wildcard gets here: a match starts with its first part.
        const parts = parseWildcard(glob);
        if (parts.length === 1) b.literals.push(parts[0]!);
        else b.wildcardPrefixes.push(parts[0]!);
        return;
      }
      case 'cidr': {
        const block = this.string(at, arg, 'cidr');
        b.opaque = true;
        try {
          b.other(cidr(block));
        } catch (err) {
          if (err instanceof CidrSyntaxError) throw new PatternError(at, err.message);
          throw err;
        }
        return;
      }
      case 'numeric':
        b.opaque = true;
        b.numberTests.push(this.numeric(arg, at));
        return;
      case 'exists':
        if (typeof arg !== 'boolean')
          throw new PatternError(at, `exists must be true or false, got ${describe(arg)}`);
        b.opaque = true;
        if (arg) b.existsTrue = true;
        else b.existsFalse = true;
        return;
      case 'anything-but':
        b.opaque = true;
        b.anyTests.push(this.anythingBut(arg, at, depth));
        return;
      default:
        throw new PatternError(
          at,
          `unknown operator "${name}" (known: ${[...OPERATORS].join(', ')})`,
        );
    }
  }

  /** `{ "equals-ignore-case": "…" }` as the argument of prefix or suffix; undefined for a string. */
  ignoreCaseArg(arg: unknown, path: string, depth: number): string | undefined {
    if (!isPlainObject(arg)) return undefined;
    this.depth(path, depth + 1);
    const keys = Object.keys(arg);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case')
      throw new PatternError(
        path,
        'the only object accepted here is { "equals-ignore-case": "…" }',
      );
    const at = child(path, 'equals-ignore-case');
    this.count(at);
    return this.string(at, arg['equals-ignore-case'], 'equals-ignore-case');
  }

  wildcard(pattern: string, path: string): StringTest {
    try {
      return wildcard(pattern);
    } catch (err) {
      if (err instanceof WildcardSyntaxError) throw new PatternError(path, err.message);
      throw err;
    }
  }

  /**
   * `["=", x]`, `[">" | ">=", x]`, `["<" | "<=", x]`, or a lower bound then an upper bound
   * (`[">", 0, "<=", 5]`), as Event Ruler accepts them.
   */
  numeric(arg: unknown, path: string): NumberTest {
    if (!Array.isArray(arg))
      throw new PatternError(path, `numeric must be an array, got ${describe(arg)}`);
    if (arg.length === 0) throw new PatternError(path, 'numeric needs an operator and an operand');
    if (arg.length % 2 === 1) throw new PatternError(path, 'odd number of operands');
    if (arg.length > 4)
      throw new PatternError(path, 'too many terms: at most a lower and an upper bound');
    arg.forEach((_, i) => this.count(`${path}[${i}]`));
    const op = (i: number): string => {
      const v: unknown = arg[i];
      if (typeof v !== 'string' || !['=', '<', '<=', '>', '>='].includes(v))
        throw new PatternError(
          `${path}[${i}]`,
          `expected one of "=", "<", "<=", ">", ">=", got ${JSON.stringify(v) ?? describe(v)}`,
        );
      return v;
    };
    const first = op(0);
    const a = this.number(`${path}[1]`, arg[1], 'the operand');
    if (arg.length === 2) {
      switch (first) {
        case '=':
          return (n) => n === a;
        case '<':
          return (n) => n < a;
        case '<=':
          return (n) => n <= a;
        case '>':
          return (n) => n > a;
        default:
          return (n) => n >= a;
      }
    }
    const second = op(2);
    const b = this.number(`${path}[3]`, arg[3], 'the operand');
    if (first !== '>' && first !== '>=')
      throw new PatternError(
        `${path}[0]`,
        'a range starts with its lower bound (">" or ">=") and ends with its upper bound ("<" or "<=")',
      );
    if (second !== '<' && second !== '<=')
      throw new PatternError(`${path}[2]`, 'the second bound of a range must be "<" or "<="');
    if (a > b) throw new PatternError(path, `the lower bound ${a} is above the upper bound ${b}`);
    if (first === '>') return second === '<' ? (n) => n > a && n < b : (n) => n > a && n <= b;
    return second === '<' ? (n) => n >= a && n < b : (n) => n >= a && n <= b;
  }

  /**
   * anything-but: a string, a number, a list of only strings or only numbers, or one of
   * `{prefix}`, `{suffix}`, `{equals-ignore-case}`, `{wildcard}` with a string or a list of
   * strings. It matches a present leaf value (of any type) that none of them matches.
   */
  anythingBut(arg: unknown, path: string, depth: number): ScalarTest {
    if (isPlainObject(arg)) {
      this.depth(path, depth + 1);
      const keys = Object.keys(arg);
      const name = keys[0];
      if (keys.length !== 1 || name === undefined)
        throw new PatternError(path, 'an anything-but object has exactly one key');
      const at = child(path, name);
      this.count(at);
      if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(name))
        throw new PatternError(
          at,
          `anything-but accepts prefix, suffix, equals-ignore-case or wildcard here, not "${name}"`,
        );
      const list = this.stringList(arg[name], at, name);
      let tests: StringTest[];
      switch (name) {
        case 'prefix':
        case 'suffix':
          if (list.some((s) => s === ''))
            throw new PatternError(at, `an empty ${name} is not allowed in anything-but`);
          tests = list.map((s) =>
            name === 'prefix' ? (v: string) => v.startsWith(s) : (v: string) => v.endsWith(s),
          );
          break;
        case 'equals-ignore-case':
          tests = list.map(equalsIgnoreCase);
          break;
        case 'wildcard':
          tests = list.map((s, i) =>
            this.wildcard(s, Array.isArray(arg[name]) ? `${at}[${i}]` : at),
          );
          break;
        default:
          throw new PatternError(
            at,
            `anything-but accepts prefix, suffix, equals-ignore-case or wildcard here, not "${name}"`,
          );
      }
      return (v) => {
        if (typeof v !== 'string') return true;
        for (let i = 0; i < tests.length; i++) if (tests[i]!(v)) return false;
        return true;
      };
    }
    const values = Array.isArray(arg) ? arg : [arg];
    if (values.length === 0) throw new PatternError(path, 'anything-but needs at least one value');
    const strings = new Set<string>();
    const numbers = new Set<number>();
    values.forEach((v, i) => {
      const at = Array.isArray(arg) ? `${path}[${i}]` : path;
      if (Array.isArray(arg)) this.count(at);
      if (typeof v === 'string') strings.add(this.string(at, v, 'an anything-but value'));
      else if (typeof v === 'number') numbers.add(this.number(at, v, 'an anything-but value'));
      else
        throw new PatternError(
          at,
          `anything-but takes strings or numbers (or prefix, suffix, equals-ignore-case, wildcard), got ${describe(v)}`,
        );
    });
    if (strings.size > 0 && numbers.size > 0)
      throw new PatternError(
        path,
        'an anything-but list holds only strings or only numbers, not both',
      );
    if (strings.size > 0) return (v) => typeof v !== 'string' || !strings.has(v);
    return (v) => typeof v !== 'number' || !numbers.has(v);
  }

  stringList(arg: unknown, path: string, what: string): string[] {
    if (!Array.isArray(arg)) return [this.string(path, arg, what)];
    if (arg.length === 0) throw new PatternError(path, `${what} needs at least one value`);
    return arg.map((v, i) => {
      this.count(`${path}[${i}]`);
      return this.string(`${path}[${i}]`, v, what);
    });
  }
}

/** Collects a leaf's alternatives by the type they apply to, then builds one closure. */
class LeafBuilder {
  strings: string[] = [];
  numbers: number[] = [];
  matchNull = false;
  matchTrue = false;
  matchFalse = false;
  existsTrue = false;
  existsFalse = false;
  stringTests: StringTest[] = [];
  numberTests: NumberTest[] = [];
  anyTests: ScalarTest[] = [];
  /** Indexable alternatives (besides the exact values); `opaque` when any other exists. */
  literals: string[] = [];
  wildcardPrefixes: string[] = [];
  prefixes: string[] = [];
  suffixes: string[] = [];
  opaque = false;
  /** The string tests other than a plain prefix or suffix. */
  otherStringTests: StringTest[] = [];

  other(test: StringTest): void {
    this.stringTests.push(test);
    this.otherStringTests.push(test);
  }

  /** The values a match needs, or undefined when some alternative is not indexable. */
  atom(): Omit<Atom, 'path'> | undefined {
    if (this.opaque || this.existsTrue || this.existsFalse) return undefined;
    if (this.anyTests.length > 0 || this.numberTests.length > 0) return undefined;
    const exact: Scalar[] = [...new Set([...this.strings, ...this.literals, ...this.numbers])];
    if (this.matchNull) exact.push(null);
    if (this.matchTrue) exact.push(true);
    if (this.matchFalse) exact.push(false);
    return {
      exact,
      prefixes: [...new Set([...this.prefixes, ...this.wildcardPrefixes])],
      suffixes: [...new Set(this.suffixes)],
    };
  }

  /** True when the leaf is exact strings and nothing else. */
  onlyStrings(): boolean {
    return (
      this.stringTests.length === 0 &&
      !this.existsTrue &&
      !this.existsFalse &&
      this.anyTests.length === 0 &&
      this.numbers.length === 0 &&
      this.numberTests.length === 0 &&
      !this.matchNull &&
      !this.matchTrue &&
      !this.matchFalse
    );
  }

  build(): (v: unknown) => boolean {
    const { existsTrue, existsFalse, matchNull, matchTrue, matchFalse } = this;
    const anyTests = this.anyTests;
    const anyCount = anyTests.length;
    const testString = this.stringTest();
    const testNumber = this.numberTest();
    const scalar = (v: Scalar): boolean => {
      if (existsTrue) return true;
      if (typeof v === 'string') {
        if (testString(v)) return true;
      } else if (typeof v === 'number') {
        if (testNumber(v)) return true;
      } else if (v === null ? matchNull : v ? matchTrue : matchFalse) return true;
      for (let i = 0; i < anyCount; i++) if (anyTests[i]!(v)) return true;
      return false;
    };
    // Nested arrays are flattened; 0: no leaf value met, 1: leaves but no match, 2: a match.
    const scan = (arr: unknown[], level: number): number => {
      let seen = 0;
      for (let i = 0; i < arr.length; i++) {
        const e = arr[i];
        if (isScalar(e)) {
          if (scalar(e)) return 2;
          seen = 1;
        } else if (Array.isArray(e) && level < PATTERN_LIMITS.maxEventArrayDepth) {
          const r = scan(e, level + 1);
          if (r === 2) return 2;
          if (r === 1) seen = 1;
        }
      }
      return seen;
    };
    // Fast path: a leaf of exact strings only (the common `kind: ["user.presence"]`).
    const onlyStrings =
      !existsTrue &&
      !existsFalse &&
      anyCount === 0 &&
      this.numbers.length === 0 &&
      this.numberTests.length === 0 &&
      !matchNull &&
      !matchTrue &&
      !matchFalse;
    if (onlyStrings) {
      return (v) => {
        if (typeof v === 'string') return testString(v);
        return Array.isArray(v) && scan(v, 0) === 2;
      };
    }
    return (v) => {
      if (v === undefined) return existsFalse;
      if (isScalar(v)) return scalar(v);
      if (Array.isArray(v)) {
        const r = scan(v, 0);
        return r === 2 || (r === 0 && existsFalse);
      }
      // An object (or anything else) is not a leaf: the field is absent as far as a leaf goes.
      return existsFalse;
    };
  }

  stringTest(): StringTest {
    const tests = this.stringTests;
    const exact = [...new Set(this.strings)];
    if (tests.length === 0) {
      if (exact.length === 0) return () => false;
      if (exact.length === 1) {
        const only = exact[0]!;
        return (s) => s === only;
      }
      const set = new Set(exact);
      return (s) => set.has(s);
    }
    const set = new Set(exact);
    const n = tests.length;
    if (set.size === 0 && n === 1) return tests[0]!;
    return (s) => {
      if (set.has(s)) return true;
      for (let i = 0; i < n; i++) if (tests[i]!(s)) return true;
      return false;
    };
  }

  numberTest(): NumberTest {
    const tests = this.numberTests;
    const set = new Set(this.numbers);
    const n = tests.length;
    if (n === 0) return set.size === 0 ? () => false : (x) => set.has(x);
    return (x) => {
      if (set.has(x)) return true;
      for (let i = 0; i < n; i++) if (tests[i]!(x)) return true;
      return false;
    };
  }
}

function finishObject(fields: ObjectTest[]): {
  node: (v: unknown) => boolean;
  object: ObjectTest;
  whenAbsent: boolean;
} {
  const n = fields.length;
  const object: ObjectTest =
    n === 1
      ? fields[0]!
      : (o) => {
          for (let i = 0; i < n; i++) if (!fields[i]!(o)) return false;
          return true;
        };
  // What the pattern says of a place where the event has no object (every field absent).
  const whenAbsent = object(EMPTY);
  const scan = (arr: unknown[], level: number): number => {
    let sawObject = 0;
    for (let i = 0; i < arr.length; i++) {
      const e = arr[i];
      if (isPlainObject(e)) {
        if (object(e)) return 2;
        sawObject = 1;
      } else if (Array.isArray(e) && level < PATTERN_LIMITS.maxEventArrayDepth) {
        const r = scan(e, level + 1);
        if (r === 2) return 2;
        if (r === 1) sawObject = 1;
      }
    }
    return sawObject;
  };
  const node = (v: unknown): boolean => {
    if (typeof v === 'object' && v !== null) {
      if (!Array.isArray(v)) return object(v as Record<string, unknown>);
      const r = scan(v, 0);
      return r === 2 || (r === 0 && whenAbsent);
    }
    return whenAbsent;
  };
  return { node, object, whenAbsent };
}

/**
 * The walk of a set's index as generated code (see `generate` for why, and for the rule that no
 * pattern text enters the source): one function per indexed field, marking in `marks` the
 * patterns whose indexed value the event holds. Undefined where code cannot be generated.
 */
function generateWalk(root: IndexNode, marks: Uint8Array): ((doc: unknown) => void) | undefined {
  const c: unknown[] = [];
  const ref = (v: unknown): string => `c[${c.push(v) - 1}]`;
  const functions: string[] = [];
  let next = 0;
  // Pattern indexes are integers this function put in the index, not pattern text.
  const mark = (ids: number[]): string =>
    ids.length <= INLINE_VALUES
      ? ids.map((i) => `m[${Math.trunc(i)}] = 1;`).join(' ')
      : `mark(${ref(ids)});`;
  const fn = (node: IndexNode): string => {
    const name = `w${next++}`;
    const reads = node.children.map((child) => {
      const callee = fn(child);
      // Indexed paths never name a key of Object.prototype: a plain read is an own read.
      return `w = v[${ref(child.key)}]; if (w !== undefined) ${callee}(w, 0);`;
    });
    const scalars: string[] = [];
    if (node.exact !== undefined) {
      if (node.exact.size <= INLINE_VALUES)
        for (const [value, ids] of node.exact)
          scalars.push(`if (v === ${ref(value)}) { ${mark(ids)} }`);
      else scalars.push(`ids = ${ref(node.exact)}.get(v); if (ids !== undefined) mark(ids);`);
    }
    const strings = [
      ...node.prefixes.map((p) => `if (v.startsWith(${ref(p.s)})) { ${mark(p.ids)} }`),
      ...node.suffixes.map((p) => `if (v.endsWith(${ref(p.s)})) { ${mark(p.ids)} }`),
    ];
    if (strings.length > 0) scalars.push(`if (typeof v === 'string') {\n${strings.join('\n')}\n}`);
    functions.push(`function ${name}(v, l) {
  let w, ids;
  if (typeof v === 'object' && v !== null) {
    if (Array.isArray(v)) {
      if (l < ${INDEX_ARRAY_DEPTH}) for (let i = 0; i < v.length; i++) ${name}(v[i], l + 1);
      return;
    }
    ${reads.join('\n    ')}
    return;
  }
  ${scalars.join('\n  ')}
}`);
    return name;
  };
  const entry = fn(root);
  const source = `'use strict';
function mark(ids) {
  for (let j = 0; j < ids.length; j++) m[ids[j]] = 1;
}
${functions.join('\n')}
return (doc) => ${entry}(doc, 0);`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- no pattern text in the source
    const make = new Function('c', 'm', source) as (
      c: unknown[],
      m: Uint8Array,
    ) => (doc: unknown) => void;
    return make(c, marks);
  } catch {
    return undefined;
  }
}

/** Up to this many exact values are compared one by one in generated code, more via a Set. */
const INLINE_VALUES = 4;

/**
 * Generates one straight-line function per object pattern (`new Function`), so that every
 * property read and call site has feedback of its own instead of the megamorphic sites shared by
 * all closures of a kind. Nothing from the pattern enters the source text: every field name,
 * value and prebuilt test is passed in the constants array `c` and referenced as `c[i]`; the
 * source holds only indexes, booleans and limits computed here. Answers exactly as the closures
 * (`ir` carries them) do; returns undefined where code cannot be generated (e.g. under
 * `--disallow-code-generation-from-strings`), and the caller keeps the closures.
 */
function generate(root: ObjectIR): ((doc: unknown) => boolean) | undefined {
  const c: unknown[] = [];
  const ref = (v: unknown): string => `c[${c.push(v) - 1}]`;
  const functions: string[] = [];
  let next = 0;
  const anyOf = (terms: string[]): string => (terms.length === 0 ? 'false' : terms.join(' || '));
  const equalsAny = (values: unknown[]): string[] =>
    values.length <= INLINE_VALUES
      ? values.map((v) => `v === ${ref(v)}`)
      : [`${ref(new Set(values))}.has(v)`];
  const leaf = (b: LeafBuilder, test: (v: unknown) => boolean): string => {
    const all = ref(test);
    if (b.existsTrue || b.existsFalse || b.anyTests.length > 0) return `${all}(v)`;
    const strings = anyOf([
      ...equalsAny([...new Set(b.strings)]),
      ...b.prefixes.map((p) => `v.startsWith(${ref(p)})`),
      ...b.suffixes.map((p) => `v.endsWith(${ref(p)})`),
      ...b.otherStringTests.map((t) => `${ref(t)}(v)`),
    ]);
    const numbers = anyOf([
      ...equalsAny([...new Set(b.numbers)]),
      ...b.numberTests.map((t) => `${ref(t)}(v)`),
    ]);
    // Arrays (rare) go to the leaf's closure, which flattens them as matching requires.
    return (
      `typeof v === 'string' ? ${strings} : typeof v === 'number' ? ${numbers} : ` +
      `v === null ? ${b.matchNull} : typeof v === 'boolean' ? (v ? ${b.matchTrue} : ${b.matchFalse}) : ` +
      `Array.isArray(v) && ${all}(v)`
    );
  };
  const object = (ir: ObjectIR): string => {
    const name = `o${next++}`;
    const lines: string[] = [];
    for (const f of ir.fields) {
      if (f.type === 'or') {
        const calls = f.branches.map((b) => `${object(b)}(o)`);
        lines.push(`if (!(${calls.join(' || ')})) return false;`);
        continue;
      }
      const key = ref(f.key);
      const read = f.own ? `(hasOwn(o, ${key}) ? o[${key}] : undefined)` : `o[${key}]`;
      if (f.type === 'object') lines.push(`if (!${node(f.object)}(${read})) return false;`);
      else lines.push(`v = ${read};`, `if (!(${leaf(f.leaf, f.test)})) return false;`);
    }
    functions.push(`function ${name}(o) {\nlet v;\n${lines.join('\n')}\nreturn true;\n}`);
    return name;
  };
  const node = (ir: ObjectIR): string => {
    const test = object(ir);
    const name = `n${next++}`;
    const scan = `s${next++}`;
    const absent = ir.whenAbsent ? 'true' : 'false';
    functions.push(
      `function ${scan}(a, l) {
  let seen = 0;
  for (let i = 0; i < a.length; i++) {
    const e = a[i];
    if (isPlainObject(e)) {
      if (${test}(e)) return 2;
      seen = 1;
    } else if (Array.isArray(e) && l < ${PATTERN_LIMITS.maxEventArrayDepth}) {
      const r = ${scan}(e, l + 1);
      if (r === 2) return 2;
      if (r === 1) seen = 1;
    }
  }
  return seen;
}
function ${name}(v) {
  if (typeof v === 'object' && v !== null) {
    if (!Array.isArray(v)) return ${test}(v);
    const r = ${scan}(v, 0);
    return r === 2 || (r === 0 && ${absent});
  }
  return ${absent};
}`,
    );
    return name;
  };
  const entry = node(root);
  const source = `'use strict';\n${functions.join('\n')}\nreturn ${entry};`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see above: no pattern text in the source
    const make = new Function('c', 'hasOwn', 'isPlainObject', source) as (
      c: unknown[],
      hasOwn: (o: object, k: PropertyKey) => boolean,
      isPlain: typeof isPlainObject,
    ) => (doc: unknown) => boolean;
    return make(c, Object.hasOwn, isPlainObject);
  } catch {
    return undefined;
  }
}

const MATCH_ALL: CompiledPattern = Object.freeze({ matches: () => true, matchesEverything: true });

/**
 * Compiles an EventBridge event pattern. Throws `PatternError` (code `SB_PATTERN_INVALID`) whose
 * message names the JSON path of the first problem, e.g.
 * `$.detail.state[0].numeric: odd number of operands`.
 */
export function compilePattern(pattern: unknown): CompiledPattern {
  if (!isPlainObject(pattern))
    throw new PatternError('$', `a pattern must be a JSON object, got ${describe(pattern)}`);
  if (Object.keys(pattern).length === 0) return MATCH_ALL;
  const compiled = new Compiler().object(pattern, '$', 0, false);
  const root = generate(compiled.ir) ?? compiled.node;
  return Object.freeze({ matches: (doc: unknown) => root(doc), matchesEverything: false });
}

/** Several patterns compiled together, e.g. a config's routes, matched in one call. */
export interface PatternSet {
  readonly size: number;
  /**
   * Writes the indexes of the patterns that match `doc` into `out` (cleared first), in
   * ascending order, and returns it: the same answers as each pattern's `matches`, without
   * allocating once `out` has grown.
   */
  matching(doc: unknown, out: number[]): number[];
  /** Whether any pattern matches `doc`: the answer of `patterns.some((p) => p.matches(doc))`. */
  matchesAny(doc: unknown): boolean;
}

/** One field of a set's index, reached from the root by its path of field names. */
interface IndexNode {
  key: string;
  children: IndexNode[];
  /** Patterns needing one of these exact values here. */
  exact: Map<Scalar, number[]> | undefined;
  /** Patterns needing a string here that starts (ends) with `s`. */
  prefixes: { s: string; ids: number[] }[];
  suffixes: { s: string; ids: number[] }[];
}

/** How deep the index descends into nested event arrays (at least what matching scans). */
const INDEX_ARRAY_DEPTH = 2 * PATTERN_LIMITS.maxEventArrayDepth;

const newIndexNode = (key: string): IndexNode => ({
  key,
  children: [],
  exact: undefined,
  prefixes: [],
  suffixes: [],
});

/**
 * Reduces a pattern's condition to atoms of which one must hold, choosing in each "and" the
 * member expected to be rarest: an exact value is rarer the more distinct values the set lists
 * at its path, a prefix or suffix likewise, and a deeper field is assumed rarer than a shallow
 * one. An empty prefix or suffix (any string) is as common as can be.
 */
function chooseAtoms(
  c: Condition,
  spread: (atom: Atom) => number,
): { atoms: Atom[]; score: number } | undefined {
  if ('atom' in c) return { atoms: [c.atom], score: spread(c.atom) };
  if ('and' in c) {
    let best: { atoms: Atom[]; score: number } | undefined;
    for (const member of c.and) {
      const r = chooseAtoms(member, spread);
      if (r && (best === undefined || r.score < best.score)) best = r;
    }
    return best;
  }
  const atoms: Atom[] = [];
  let score = 0;
  for (const member of c.or) {
    const r = chooseAtoms(member, spread);
    if (r === undefined) return undefined;
    atoms.push(...r.atoms);
    score += r.score;
  }
  return { atoms, score };
}

/**
 * Compiles patterns into a set that skips, per event, the patterns that cannot match, as Event
 * Ruler does with its state machine. Each pattern is indexed under one of the fields (at any
 * depth, `$or` branches included) that it requires to hold an exact value, a prefix or a suffix
 * (a wildcard counts as its literal prefix); one walk of the event along the indexed fields,
 * shared by every pattern, marks the candidates, and only they are tested. Patterns that
 * require nothing indexable are tested on every event.
 * Throws `PatternError` for the first invalid pattern, its path prefixed with `[index]`.
 */
export function compilePatternSet(patterns: readonly unknown[]): PatternSet {
  const tests: ((doc: unknown) => boolean)[] = [];
  const conditions: (Condition | undefined)[] = [];
  patterns.forEach((pattern, i) => {
    try {
      if (!isPlainObject(pattern))
        throw new PatternError('$', `a pattern must be a JSON object, got ${describe(pattern)}`);
      if (Object.keys(pattern).length === 0) {
        tests.push(() => true);
        conditions.push(undefined);
        return;
      }
      const root = new Compiler().object(pattern, '$', 0, false);
      tests.push(generate(root.ir) ?? root.node);
      conditions.push(root.condition);
    } catch (err) {
      if (err instanceof PatternError) throw new PatternError(`[${i}]${err.path}`, err.reason);
      throw err;
    }
  });
  // Distinct values, prefixes and suffixes the whole set names at each path.
  const atomsOf = (c: Condition | undefined, into: Atom[]): Atom[] => {
    if (c === undefined) return into;
    if ('atom' in c) into.push(c.atom);
    else for (const m of 'and' in c ? c.and : c.or) atomsOf(m, into);
    return into;
  };
  const stats = new Map<
    string,
    { exact: Set<Scalar>; prefixes: Set<string>; suffixes: Set<string> }
  >();
  const statsOf = (path: string[]) => {
    const key = JSON.stringify(path);
    let s = stats.get(key);
    if (s === undefined) {
      s = { exact: new Set(), prefixes: new Set(), suffixes: new Set() };
      stats.set(key, s);
    }
    return s;
  };
  for (const c of conditions)
    for (const atom of atomsOf(c, [])) {
      const s = statsOf(atom.path);
      for (const v of atom.exact) s.exact.add(v);
      for (const v of atom.prefixes) s.prefixes.add(v);
      for (const v of atom.suffixes) s.suffixes.add(v);
    }
  const spread = (atom: Atom): number => {
    const s = statsOf(atom.path);
    const part = (values: readonly unknown[], distinct: number) =>
      values.reduce<number>((sum, v) => sum + (v === '' ? 1 : 1 / (distinct + 1)), 0);
    const share =
      part(atom.exact, s.exact.size) +
      part(atom.prefixes, s.prefixes.size) +
      part(atom.suffixes, s.suffixes.size);
    return share / atom.path.length;
  };
  const n = tests.length;
  const root = newIndexNode('');
  // 1: tested on every event (nothing indexable); the walk marks the others in `candidates`.
  const always = new Uint8Array(n);
  const add = <K>(list: { s: K; ids: number[] }[], s: K, i: number) => {
    const entry = list.find((e) => e.s === s);
    if (entry === undefined) list.push({ s, ids: [i] });
    else if (entry.ids[entry.ids.length - 1] !== i) entry.ids.push(i);
  };
  conditions.forEach((c, i) => {
    const chosen = c === undefined ? undefined : chooseAtoms(c, spread);
    if (chosen === undefined) {
      always[i] = 1;
      return;
    }
    for (const atom of chosen.atoms) {
      let node = root;
      for (const key of atom.path) {
        let next = node.children.find((child) => child.key === key);
        if (next === undefined) {
          next = newIndexNode(key);
          node.children.push(next);
        }
        node = next;
      }
      for (const v of atom.exact) {
        node.exact ??= new Map();
        const ids = node.exact.get(v);
        if (ids === undefined) node.exact.set(v, [i]);
        else if (ids[ids.length - 1] !== i) ids.push(i);
      }
      for (const p of atom.prefixes) add(node.prefixes, p, i);
      for (const p of atom.suffixes) add(node.suffixes, p, i);
    }
  });
  const candidates = new Uint8Array(n);
  const mark = (ids: number[]) => {
    for (let j = 0; j < ids.length; j++) candidates[ids[j]!] = 1;
  };
  // Every path is walked once per event, whatever the number of patterns indexed along it.
  const visit = (node: IndexNode, v: unknown, level: number): void => {
    if (typeof v === 'object' && v !== null) {
      if (Array.isArray(v)) {
        if (level < INDEX_ARRAY_DEPTH)
          for (let i = 0; i < v.length; i++) visit(node, v[i], level + 1);
        return;
      }
      const children = node.children;
      for (let k = 0; k < children.length; k++) {
        const child = children[k]!;
        // Indexed paths never name a key of Object.prototype: a plain read is an own read.
        const w = (v as Record<string, unknown>)[child.key];
        if (w !== undefined) visit(child, w, 0);
      }
      return;
    }
    if (node.exact !== undefined) {
      const ids = node.exact.get(v as Scalar);
      if (ids !== undefined) mark(ids);
    }
    if (typeof v === 'string') {
      const { prefixes, suffixes } = node;
      for (let k = 0; k < prefixes.length; k++)
        if (v.startsWith(prefixes[k]!.s)) mark(prefixes[k]!.ids);
      for (let k = 0; k < suffixes.length; k++)
        if (v.endsWith(suffixes[k]!.s)) mark(suffixes[k]!.ids);
    }
  };
  const walk = generateWalk(root, candidates) ?? ((doc: unknown) => visit(root, doc, 0));
  const candidatesOf = (doc: unknown) => {
    candidates.set(always);
    if (root.children.length > 0) walk(doc);
  };
  return Object.freeze({
    size: n,
    matching(doc: unknown, out: number[]): number[] {
      out.length = 0;
      candidatesOf(doc);
      for (let i = 0; i < n; i++) if (candidates[i] === 1 && tests[i]!(doc)) out.push(i);
      return out;
    },
    matchesAny(doc: unknown): boolean {
      candidatesOf(doc);
      for (let i = 0; i < n; i++) if (candidates[i] === 1 && tests[i]!(doc)) return true;
      return false;
    },
  });
}
