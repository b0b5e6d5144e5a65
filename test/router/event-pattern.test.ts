/**
 * The EventBridge event-pattern language, tested from the AWS documentation's own examples:
 * - CF: "Content filtering in Amazon EventBridge event patterns",
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html
 * - OPS: "Comparison operators for use in event patterns in Amazon EventBridge",
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 * - EP: "Amazon EventBridge event patterns",
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * - NULL: "Matching events on null values and empty strings in Amazon EventBridge",
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
 * - ARR: "Arrays in Amazon EventBridge event patterns",
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 * - RULER: Event Ruler, the matcher behind EventBridge, where the guide is silent,
 *   https://github.com/aws/event-ruler (README and JsonRuleCompiler)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  PATTERN_LIMITS,
  PatternError,
  compilePattern,
  compilePatternSet,
} from '../../src/router/event-pattern.js';

const matches = (pattern: unknown, event: unknown) => compilePattern(pattern).matches(event);
const yes = (pattern: unknown, event: unknown) =>
  assert.equal(
    matches(pattern, event),
    true,
    `${JSON.stringify(pattern)} should match ${JSON.stringify(event)}`,
  );
const no = (pattern: unknown, event: unknown) =>
  assert.equal(
    matches(pattern, event),
    false,
    `${JSON.stringify(pattern)} should not match ${JSON.stringify(event)}`,
  );

/** Compiling must fail with SB_PATTERN_INVALID and a message starting with the JSON path. */
function rejects(pattern: unknown, path: string, reason?: RegExp): void {
  assert.throws(
    () => compilePattern(pattern),
    (err: unknown) => {
      assert.ok(err instanceof PatternError, String(err));
      assert.equal(err.code, 'SB_PATTERN_INVALID');
      assert.equal(err.exitCode, 2);
      assert.equal(err.path, path, err.message);
      assert.ok(err.message.startsWith(`${path}: `), err.message);
      if (reason) assert.match(err.reason, reason);
      return true;
    },
  );
}

// EP: the EC2 event of "Amazon EventBridge event patterns".
const EC2_EVENT = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

// RULER README's sample event, used by CF's numeric, cidr and complex examples.
const RULER_EVENT = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

const withDetail = (detail: Record<string, unknown>) => ({ ...RULER_EVENT, detail });

describe('exact values, nesting and "and" (EP)', () => {
  test('EP: source, detail-type and detail.state select EC2 terminations', () => {
    const pattern = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    };
    yes(pattern, EC2_EVENT);
    no(pattern, { ...EC2_EVENT, detail: { ...EC2_EVENT.detail, state: 'running' } });
    no(pattern, { ...EC2_EVENT, source: 'aws.fargate' }); // every field must match
    no(pattern, { source: 'aws.ec2', 'detail-type': EC2_EVENT['detail-type'] }); // detail missing
  });

  test('EP: several values in one array are alternatives ("aws.ec2" or "aws.fargate")', () => {
    yes({ source: ['aws.ec2', 'aws.fargate'] }, { source: 'aws.fargate' });
    no({ source: ['aws.ec2', 'aws.fargate'] }, { source: 'aws.s3' });
  });

  test('matching is exact and case-sensitive; a string never equals a number', () => {
    no({ source: ['AWS.EC2'] }, EC2_EVENT);
    no({ n: ['5'] }, { n: 5 });
    no({ n: [5] }, { n: '5' });
  });

  test('RULER: numbers compare by value (3.018e2 is 301.8), booleans as literals', () => {
    yes({ detail: { 'x-limit': [3.018e2] } }, RULER_EVENT);
    yes({ n: [5] }, { n: 5.0 });
    no({ n: [5] }, { n: 5.000001 });
    yes({ flag: [true] }, { flag: true });
    no({ flag: [true] }, { flag: false });
    yes({ flag: [false] }, { flag: false });
    no({ flag: [true] }, { flag: 'true' });
  });

  test('NULL: an empty string and null match only themselves', () => {
    // NULL's example event
    const event = {
      version: '0',
      id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
      'detail-type': 'EC2 Instance Launch Successful',
      source: 'aws.autoscaling',
      account: '123456789012',
      time: '2015-11-11T21:31:47Z',
      region: 'us-east-1',
      resources: [],
      detail: { eventVersion: '', responseElements: null },
    };
    yes({ detail: { eventVersion: [''] } }, event);
    yes({ detail: { responseElements: [null] } }, event);
    // "Null values and empty strings are not interchangeable in pattern matching."
    no({ detail: { eventVersion: [null] } }, event);
    no({ detail: { responseElements: [''] } }, event);
    no({ detail: { missing: [null] } }, event); // null is a value, not absence
  });

  test('a leaf does not match an object, and a nested pattern does not match a scalar', () => {
    no({ detail: ['terminated'] }, EC2_EVENT);
    no({ source: { x: ['aws.ec2'] } }, EC2_EVENT);
  });

  test('the empty pattern {} matches every event (Switchboard default route)', () => {
    yes({}, EC2_EVENT);
    yes({}, {});
    yes({}, null);
    // Said up front, so a target whose route is {} never parses a body to decide.
    assert.equal(compilePattern({}).matchesEverything, true);
    assert.equal(compilePattern({ kind: ['x'] }).matchesEverything, false);
    assert.equal(compilePattern({ kind: [{ exists: false }] }).matchesEverything, false);
  });
});

describe('arrays in events (ARR)', () => {
  test('ARR: matches when the pattern array and the event array intersect', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    yes(pattern, {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    });
    no(pattern, {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
      ],
    });
    no(pattern, { resources: [] });
  });

  test('every operator applies element-wise; nested arrays are flattened', () => {
    yes({ a: [{ prefix: 'x' }] }, { a: ['q', 'xy'] });
    yes({ a: [{ numeric: ['>', 10] }] }, { a: [1, [2, [30]]] });
    no({ a: [{ numeric: ['>', 10] }] }, { a: [1, [2, [3]]] });
  });

  test('a nested pattern matches one element of an array of objects as a whole', () => {
    const event = {
      participants: [
        { purpose: 'customer', state: 'connected' },
        { purpose: 'agent', state: 'alerting' },
      ],
    };
    yes({ participants: { purpose: ['agent'], state: ['alerting'] } }, event);
    no({ participants: { purpose: ['agent'], state: ['connected'] } }, event);
  });
});

describe('prefix and suffix (CF, OPS)', () => {
  test('CF: "time" starting with "2017-10-02"', () => {
    const pattern = { time: [{ prefix: '2017-10-02' }] };
    yes(pattern, { time: '2017-10-02T18:43:48Z' });
    no(pattern, { time: '2017-10-03T18:43:48Z' });
    no({ n: [{ prefix: '1' }] }, { n: 12 }); // prefix works on strings only
  });

  test('CF: prefix with equals-ignore-case ("EventB")', () => {
    const pattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    yes(pattern, { detail: { service: 'EventBridge' } });
    yes(pattern, { detail: { service: 'EVENTBRIDGE' } });
    yes(pattern, { detail: { service: 'eventb' } });
    no(pattern, { detail: { service: 'Event' } });
    no(pattern, { detail: { service: 'SNS' } });
  });

  test('CF: "FileName" ending in ".png", and with equals-ignore-case', () => {
    yes({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' });
    no({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' });
    const ci = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
    yes(ci, { detail: { FileName: 'image.PNG' } });
    yes(ci, { detail: { FileName: 'image.png' } });
    no(ci, { detail: { FileName: 'image.jpg' } });
    no(ci, { detail: { FileName: 'png' } });
  });

  test('case folding also works beyond ASCII', () => {
    yes({ n: [{ 'equals-ignore-case': 'ÉTÉ' }] }, { n: 'été' });
    yes({ n: [{ prefix: { 'equals-ignore-case': 'straße' } }] }, { n: 'STRAßE-1' });
    yes({ n: [{ suffix: { 'equals-ignore-case': 'x' } }] }, { n: 'ÄX' });
  });
});

describe('equals-ignore-case (OPS)', () => {
  test('OPS: "Name" is "Alice" in any case', () => {
    const pattern = { Name: [{ 'equals-ignore-case': 'alice' }] };
    yes(pattern, { Name: 'Alice' });
    yes(pattern, { Name: 'ALICE' });
    no(pattern, { Name: 'Alicia' });
    no(pattern, { Name: 'Alic' });
  });
});

describe('anything-but (CF, OPS)', () => {
  test('CF: a string and a number', () => {
    yes({ detail: { state: [{ 'anything-but': 'initializing' }] } }, RULER_EVENT);
    no({ detail: { state: [{ 'anything-but': 'running' }] } }, RULER_EVENT);
    yes({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, RULER_EVENT);
    no({ detail: { 'x-limit': [{ 'anything-but': 301.8 }] } }, RULER_EVENT);
  });

  test('CF: a list of strings and a list of numbers', () => {
    const states = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    yes(states, RULER_EVENT);
    no(states, withDetail({ state: 'stopped' }));
    const limits = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    yes(limits, RULER_EVENT);
    no(limits, withDetail({ 'x-limit': 200 }));
  });

  test('CF: anything-but prefix "init"', () => {
    const pattern = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    yes(pattern, RULER_EVENT);
    no(pattern, withDetail({ state: 'initializing' }));
  });

  test('OPS: anything-but suffix ".png"', () => {
    const pattern = { FileName: [{ 'anything-but': { suffix: '.png' } }] };
    yes(pattern, { FileName: 'notes.txt' });
    no(pattern, { FileName: 'image.png' });
  });

  test('OPS: anything-but equals-ignore-case (a value or a list)', () => {
    const pattern = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
    yes(pattern, { state: 'running' });
    no(pattern, { state: 'INITIALIZING' });
    const list = { state: [{ 'anything-but': { 'equals-ignore-case': ['a', 'B'] } }] };
    no(list, { state: 'b' });
    yes(list, { state: 'c' });
  });

  test('OPS: anything-but wildcard "*/lib/*"', () => {
    const pattern = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
    yes(pattern, { FilePath: '/usr/bin/node' });
    no(pattern, { FilePath: '/usr/lib/node' });
  });

  test('RULER: it needs a present value; a value of another type is "anything but"', () => {
    no({ state: [{ 'anything-but': 'x' }] }, {});
    no({ state: [{ 'anything-but': 'x' }] }, { state: { nested: 'y' } });
    yes({ state: [{ 'anything-but': 'x' }] }, { state: 5 });
    yes({ state: [{ 'anything-but': [1, 2] }] }, { state: '1' });
  });
});

describe('numeric (CF)', () => {
  test('CF: c-count in (0, 5], d-count < 10, x-limit = 3.018e2: all must hold', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    yes(pattern, RULER_EVENT);
    no(pattern, withDetail({ ...RULER_EVENT.detail, 'c-count': 6 }));
    no(pattern, withDetail({ ...RULER_EVENT.detail, 'c-count': 0 }));
    no(pattern, withDetail({ ...RULER_EVENT.detail, 'd-count': 10 }));
    no(pattern, withDetail({ ...RULER_EVENT.detail, 'x-limit': 301.9 }));
  });

  test('every comparison at its boundary; numeric strings are not numbers', () => {
    const at = (op: string, bound: number, n: unknown) =>
      matches({ n: [{ numeric: [op, bound] }] }, { n });
    assert.deepEqual(
      [at('<', 5, 5), at('<=', 5, 5), at('>', 5, 5), at('>=', 5, 5), at('=', 5, 5)],
      [false, true, false, true, true],
    );
    assert.equal(at('>=', 5, '6'), false);
    yes({ n: [{ numeric: ['>=', 1, '<', 2] }] }, { n: 1 });
    no({ n: [{ numeric: ['>=', 1, '<', 2] }] }, { n: 2 });
  });
});

describe('cidr (CF)', () => {
  test('CF: 10.0.0.0/24 (IPv4)', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    yes(pattern, { detail: { sourceIPAddress: '10.0.0.33' } });
    yes(pattern, { detail: { sourceIPAddress: '10.0.0.255' } });
    no(pattern, { detail: { sourceIPAddress: '10.0.1.0' } });
    no(pattern, { detail: { sourceIPAddress: 'not an ip' } });
    no(pattern, { detail: { sourceIPAddress: '10.0.0.033' } });
    yes({ detail: { 'source-ip': [{ cidr: '10.0.0.0/8' }] } }, RULER_EVENT);
  });

  test('CF: IPv6 too', () => {
    const pattern = { ip: [{ cidr: '2001:db8::/32' }] };
    yes(pattern, { ip: '2001:db8::1' });
    yes(pattern, { ip: '2001:0DB8:ffff:0:0:0:0:1' });
    no(pattern, { ip: '2001:db9::1' });
    no(pattern, { ip: '10.0.0.1' });
    yes({ ip: [{ cidr: '::ffff:10.0.0.0/120' }] }, { ip: '::ffff:10.0.0.7' });
    yes({ ip: [{ cidr: '::/0' }] }, { ip: '::' });
    no({ ip: [{ cidr: '::/0' }] }, { ip: '1::2::3' });
  });
});

describe('exists (CF)', () => {
  test('CF: detail.c-count exists / does not exist', () => {
    yes({ detail: { 'c-count': [{ exists: true }] } }, RULER_EVENT);
    no({ detail: { 'c-count': [{ exists: false }] } }, RULER_EVENT);
    const withoutCount = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { state: ['initializing', 'running'] },
    };
    yes({ detail: { 'c-count': [{ exists: false }] } }, withoutCount);
    no({ detail: { 'c-count': [{ exists: true }] } }, withoutCount);
  });

  test('CF: exists works on leaf nodes only: an object there does not exist', () => {
    // "The preceding event pattern also matches the following event because c-count isn't a leaf node."
    const event = {
      detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } },
    };
    yes({ detail: { 'c-count': [{ exists: false }] } }, event);
    no({ detail: { 'c-count': [{ exists: true }] } }, event);
  });

  test('null is a value (exists), an empty array holds none (does not exist)', () => {
    yes({ a: [{ exists: true }] }, { a: null });
    yes({ a: [{ exists: true }] }, { a: [1] });
    no({ a: [{ exists: true }] }, { a: [] });
    yes({ a: [{ exists: false }] }, { a: [] });
    no({ a: [{ exists: true }] }, { a: [{ b: 1 }] });
    yes({ a: { b: [{ exists: false }] } }, {}); // the parent is missing too
    yes({ a: { b: [{ exists: false }] } }, { a: 'scalar' });
  });
});

describe('wildcard (OPS, RULER)', () => {
  test('OPS: "*/lib/*", "*.png", "*Title*" and "Simple*Service"', () => {
    yes({ FilePath: [{ wildcard: '*/lib/*' }] }, { FilePath: '/usr/lib/x' });
    no({ FilePath: [{ wildcard: '*/lib/*' }] }, { FilePath: '/usr/lib' });
    yes({ f: [{ wildcard: '*.png' }] }, { f: 'a.png' });
    yes({ f: [{ wildcard: '*.png' }] }, { f: '.png' }); // "*" matches zero characters
    yes({ t: [{ wildcard: '*Title*' }] }, { t: 'My Title here' });
    yes({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'Simple Notification Service' });
    no({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'Simple Notification Services' });
    yes(
      { arn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
      {
        arn: 'arn:aws:events:us-east-1:123456789012:event-bus/genesys',
      },
    );
  });

  test('RULER: a middle part is not the prefix or suffix reused; escapes are literal', () => {
    no({ s: [{ wildcard: 'ab*ab*ab' }] }, { s: 'abab' });
    yes({ s: [{ wildcard: 'ab*ab*ab' }] }, { s: 'ababab' });
    yes({ s: [{ wildcard: 'a\\*b' }] }, { s: 'a*b' });
    no({ s: [{ wildcard: 'a\\*b' }] }, { s: 'axb' });
    yes({ s: [{ wildcard: 'a\\\\*' }] }, { s: 'a\\anything' });
  });

  test('no catastrophic backtracking: a hostile pattern against a long value is fast', () => {
    const pattern = compilePattern({ s: [{ wildcard: `${'a*'.repeat(500)}c*b` }] });
    const event = { s: `${'a'.repeat(100_000)}b` };
    const t = performance.now();
    assert.equal(pattern.matches(event), false);
    assert.ok(performance.now() - t < 500);
  });
});

describe('$or (RULER, CF)', () => {
  test('RULER: source && (metricName || namespace)', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        { namespace: ['AWS/EC2', 'AWS/ES'] },
      ],
    };
    yes(pattern, { source: 'aws.cloudwatch', metricName: 'ReadLatency' });
    yes(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/ES' });
    no(pattern, { source: 'aws.cloudwatch', metricName: 'NetworkIn' });
    no(pattern, { source: 'aws.s3', metricName: 'ReadLatency' });
  });

  test('RULER: nested $or inside a branch and inside a nested object', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
      ],
      detail: { $or: [{ source: ['a'] }, { 'detail-type': ['b'] }] },
    };
    const base = { source: 'aws.cloudwatch', detail: { 'detail-type': 'b' } };
    yes(pattern, { ...base, metricName: 'CPUUtilization' });
    yes(pattern, { ...base, metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 });
    no(pattern, { ...base, metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1 });
    no(pattern, { ...base, metricName: 'CPUUtilization', detail: { source: 'c' } });
  });
});

describe('malformed patterns name the JSON path', () => {
  test('not an object, a leaf that is not an array, empty arrays and objects', () => {
    rejects([], '$', /JSON object/);
    rejects('x', '$');
    rejects(null, '$');
    rejects({ source: 'aws.ec2' }, '$.source', /array/);
    rejects({ detail: { state: 5 } }, '$.detail.state', /array/);
    rejects({ source: [] }, '$.source', /empty array/);
    rejects({ detail: {} }, '$.detail', /empty object/);
    rejects({ 'detail-type': [['nested']] }, '$.detail-type[0]');
    rejects({ 'a b': 1 }, '$["a b"]');
  });

  test('operators: unknown, two keys, wrong argument types', () => {
    rejects({ a: [{ contains: 'x' }] }, '$.a[0].contains', /unknown operator "contains"/);
    rejects({ a: [{ prefix: 'x', suffix: 'y' }] }, '$.a[0]', /exactly one key/);
    rejects({ a: [{}] }, '$.a[0]', /exactly one key/);
    rejects({ a: [{ prefix: 5 }] }, '$.a[0].prefix', /string/);
    rejects({ a: [{ prefix: { other: 'x' } }] }, '$.a[0].prefix', /equals-ignore-case/);
    rejects({ a: [{ suffix: { 'equals-ignore-case': 1 } }] }, '$.a[0].suffix.equals-ignore-case');
    rejects({ a: [{ 'equals-ignore-case': ['x'] }] }, '$.a[0].equals-ignore-case', /string/);
    rejects({ a: [{ exists: 'yes' }] }, '$.a[0].exists', /true or false/);
    rejects({ a: [{ cidr: '10.0.0.0' }] }, '$.a[0].cidr', /CIDR/);
    rejects({ a: [{ cidr: '10.0.0.0/33' }] }, '$.a[0].cidr', /32/);
    rejects({ a: [{ cidr: '2001:db8::/129' }] }, '$.a[0].cidr', /128/);
    rejects({ a: [{ cidr: '300.0.0.0/8' }] }, '$.a[0].cidr', /IPv4/);
  });

  test('numeric', () => {
    rejects(
      { detail: { state: [{ numeric: ['>', 0, '<'] }] } },
      '$.detail.state[0].numeric',
      /^odd number of operands$/,
    );
    assert.throws(() => compilePattern({ detail: { state: [{ numeric: ['>', 0, '<'] }] } }), {
      message: '$.detail.state[0].numeric: odd number of operands',
    });
    rejects({ a: [{ numeric: [] }] }, '$.a[0].numeric');
    rejects({ a: [{ numeric: 5 }] }, '$.a[0].numeric', /array/);
    rejects({ a: [{ numeric: ['>', '5'] }] }, '$.a[0].numeric[1]', /number/);
    rejects({ a: [{ numeric: ['~', 5] }] }, '$.a[0].numeric[0]');
    rejects({ a: [{ numeric: ['>', 0, '<', 5, '<', 6] }] }, '$.a[0].numeric', /too many/);
    rejects({ a: [{ numeric: ['<', 10, '>', 0] }] }, '$.a[0].numeric[0]', /lower bound/);
    rejects({ a: [{ numeric: ['>', 10, '<', 0] }] }, '$.a[0].numeric', /above/);
    rejects({ a: [{ numeric: ['=', 6e9] }] }, '$.a[0].numeric[1]', /5e9/);
  });

  test('anything-but', () => {
    rejects(
      { a: [{ 'anything-but': ['x', 1] }] },
      '$.a[0].anything-but',
      /only strings or only numbers/,
    );
    rejects({ a: [{ 'anything-but': [] }] }, '$.a[0].anything-but');
    rejects({ a: [{ 'anything-but': null }] }, '$.a[0].anything-but');
    rejects({ a: [{ 'anything-but': [true] }] }, '$.a[0].anything-but[0]');
    rejects({ a: [{ 'anything-but': { numeric: ['>', 1] } }] }, '$.a[0].anything-but.numeric');
    rejects({ a: [{ 'anything-but': { prefix: '' } }] }, '$.a[0].anything-but.prefix', /empty/);
    rejects(
      { a: [{ 'anything-but': { wildcard: ['ok*', 'x**'] } }] },
      '$.a[0].anything-but.wildcard[1]',
      /consecutive/,
    );
  });

  test('wildcard: "**" and bad escapes are refused as AWS refuses them', () => {
    rejects({ a: [{ wildcard: 'a**b' }] }, '$.a[0].wildcard', /consecutive wildcard/);
    rejects({ a: [{ wildcard: 'a\\b' }] }, '$.a[0].wildcard', /escape/);
    rejects({ a: [{ wildcard: 'a\\' }] }, '$.a[0].wildcard', /escape/);
  });

  test('$or: at least two object branches; no operator names as fields inside', () => {
    rejects({ $or: [{ a: ['x'] }] }, '$.$or', /at least two/);
    rejects({ $or: { a: ['x'] } }, '$.$or');
    rejects({ $or: [{ a: ['x'] }, 'b'] }, '$.$or[1]', /object/);
    rejects({ $or: [{ a: ['x'] }, { b: { prefix: ['y'] } }] }, '$.$or[1].b.prefix', /operator/);
    rejects(
      { detail: { $or: [{ a: ['x'] }, { b: [{ numeric: ['>'] }] }] } },
      '$.detail.$or[1].b[0].numeric',
    );
  });

  test('limits: depth, size and string length', () => {
    let deep: Record<string, unknown> = { leaf: ['x'] };
    for (let i = 0; i < PATTERN_LIMITS.maxDepth + 5; i++) deep = { n: deep };
    assert.throws(
      () => compilePattern(deep),
      (e: unknown) => e instanceof PatternError && /deeply/.test(e.reason),
    );
    const wide = { a: Array.from({ length: PATTERN_LIMITS.maxNodes + 1 }, (_, i) => `v${i}`) };
    assert.throws(
      () => compilePattern(wide),
      (e: unknown) => e instanceof PatternError && /too large/.test(e.reason),
    );
    rejects({ a: ['x'.repeat(PATTERN_LIMITS.maxStringLength + 1)] }, '$.a[0]', /longer/);
    // A cycle (YAML aliases can make one) ends at the depth limit rather than the stack.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => compilePattern(cyclic), PatternError);
  });

  test('a field named like an Object.prototype property is read only as an own property', () => {
    yes({ constructor: [{ exists: false }] }, {});
    no({ constructor: [{ exists: true }] }, {});
    yes({ toString: ['x'] }, { toString: 'x' });
    const proto: unknown = JSON.parse('{"__proto__": {"a": [{"exists": true}]}}');
    no(proto, JSON.parse('{"a": 1}'));
    yes(proto, JSON.parse('{"__proto__": {"a": 1}}'));
  });
});

describe('properties', () => {
  const json = fc.jsonValue({ maxDepth: 4 });

  test('{} matches any document', () => {
    const all = compilePattern({});
    fc.assert(fc.property(json, (doc) => all.matches(doc)));
  });

  /** A pattern made of the document's own leaf values (arrays become element alternatives). */
  function patternOf(doc: Record<string, unknown>): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(doc)) {
      if (key === '$or' || key === '__proto__') continue;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const sub = patternOf(value as Record<string, unknown>);
        if (sub) out[key] = sub;
      } else if (Array.isArray(value)) {
        const leaves = value.filter((v) => v === null || typeof v !== 'object');
        if (leaves.length > 0) out[key] = leaves;
      } else {
        out[key] = [value];
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  test('a pattern built from a document’s own leaf values matches it', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), (doc) => {
        const pattern = patternOf(doc);
        if (pattern) assert.ok(compilePattern(pattern).matches(doc), JSON.stringify(pattern));
      }),
      { numRuns: 300 },
    );
  });

  test('exists:true and exists:false never agree on a field', () => {
    fc.assert(
      fc.property(json, (value) => {
        const doc = { f: value };
        assert.notEqual(
          matches({ f: [{ exists: true }] }, doc),
          matches({ f: [{ exists: false }] }, doc),
        );
      }),
    );
  });

  test('wildcard agrees with a reference regular expression', () => {
    const alphabet = fc.constantFrom('a', 'b', '*');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }),
        fc.stringMatching(/^[ab]{0,10}$/),
        (chars, value) => {
          const glob = chars.join('');
          if (glob.includes('**')) return;
          const re = new RegExp(`^${glob.replaceAll('*', '.*')}$`);
          assert.equal(
            matches({ s: [{ wildcard: glob }] }, { s: value }),
            re.test(value),
            `${glob} ${value}`,
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('compilePatternSet', () => {
  test('answers as each pattern’s matches does, in ascending order', () => {
    const patterns = [
      { kind: ['user.presence'] },
      {},
      { kind: ['user.presence', 'queue.member'], subject: { userId: [{ exists: true }] } },
      { kind: [{ prefix: 'queue.' }] },
      { topic: ['t'], kind: ['queue.member'] },
      { $or: [{ kind: ['user.presence'] }, { topic: ['t'] }] },
    ];
    const set = compilePatternSet(patterns);
    const single = patterns.map(compilePattern);
    const kinds = fc.constantFrom('user.presence', 'queue.member', 'x');
    const doc = fc.record(
      {
        kind: fc.oneof(kinds, fc.array(kinds, { maxLength: 2 }), fc.integer()),
        topic: fc.constantFrom('t', 'u'),
        subject: fc.record({ userId: fc.string() }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    const out: number[] = [];
    fc.assert(
      fc.property(fc.oneof(doc, fc.jsonValue({ maxDepth: 2 })), (d) => {
        const expected = single.flatMap((p, i) => (p.matches(d) ? [i] : []));
        assert.deepEqual(set.matching(d, out), expected);
      }),
      { numRuns: 500 },
    );
  });

  test('an invalid pattern is reported with its index', () => {
    assert.throws(() => compilePatternSet([{}, { a: 'x' }]), { message: /^\[1\]\$\.a: / });
  });
});

describe('generated matchers', () => {
  const HOSTILE = [
    '"',
    "'",
    '`',
    '\\',
    '\\"',
    '\u2028',
    '\u2029',
    '*/',
    '/*',
    '${x}',
    '__proto__',
    'constructor',
    'toString',
    '"); throw new Error("injected"); ("',
    "'); globalThis.injected = true; ('",
    '`; globalThis.injected = true; `',
    '}\n}; globalThis.injected = true; {\n{',
    '\u0000',
    'c[0]',
    'm[0] = 1',
  ];

  test('hostile field names and values only ever match themselves', () => {
    for (const s of HOSTILE) {
      const doc = JSON.parse(
        `{${JSON.stringify(s)}: {${JSON.stringify(s)}: ${JSON.stringify(s)}}}`,
      ) as unknown;
      const patterns = [
        { [s]: { [s]: [s] } },
        { [s]: { [s]: [{ prefix: s }] } },
        { [s]: { [s]: [{ suffix: s }] } },
        { [s]: { [s]: [{ 'anything-but': s }] } },
        { [s]: { [s]: [{ 'equals-ignore-case': s }] } },
        { $or: [{ [s]: { [s]: [s] } }, { x: [s] }] },
      ];
      const set = compilePatternSet(patterns);
      patterns.forEach((p, i) => {
        const expected = i !== 3;
        assert.equal(matches(p, doc), expected, `${JSON.stringify(p)} on its own document`);
        assert.equal(matches(p, { [s]: { [s]: `${s}!` } }), i === 1 || i === 3, JSON.stringify(p));
      });
      assert.deepEqual(set.matching(doc, []), [0, 1, 2, 4, 5]);
      assert.equal(set.matchesAny({ other: s }), false);
      assert.equal((globalThis as Record<string, unknown>).injected, undefined);
    }
  });

  test('a set of hostile patterns answers as each pattern does', () => {
    const word = fc.constantFrom(...HOSTILE, 'a', 'b');
    const leaf = fc.oneof(
      word,
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(null, true, false),
      word.map((w) => ({ prefix: w })),
      word.map((w) => ({ suffix: w })),
      fc.constant({ wildcard: 'a*' }),
      fc.constant({ exists: true }),
    );
    const pattern = fc.dictionary(
      word,
      fc.oneof(
        fc.array(leaf, { minLength: 1, maxLength: 3 }),
        fc.dictionary(word, fc.array(leaf, { minLength: 1, maxLength: 2 }), {
          minKeys: 1,
          maxKeys: 2,
        }),
      ),
      { minKeys: 1, maxKeys: 3 },
    );
    const value = fc.oneof(
      word,
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(null, true, false),
    );
    const doc = fc.dictionary(
      word,
      fc.oneof(
        value,
        fc.array(value, { maxLength: 3 }),
        fc.dictionary(word, fc.oneof(value, fc.array(value, { maxLength: 2 })), { maxKeys: 3 }),
      ),
      { maxKeys: 4 },
    );
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 6 }),
        fc.array(doc, { minLength: 1, maxLength: 5 }),
        (ps, docs) => {
          const valid = ps.filter((p) => !('$or' in p));
          if (valid.length === 0) return;
          const set = compilePatternSet(valid);
          const single = valid.map(compilePattern);
          for (const raw of docs) {
            // Through JSON, as events arrive ("__proto__" then becomes an own key).
            const d = JSON.parse(JSON.stringify(raw)) as unknown;
            const expected = single.flatMap((p, i) => (p.matches(d) ? [i] : []));
            assert.deepEqual(set.matching(d, []), expected);
            assert.equal(set.matchesAny(d), expected.length > 0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('matches the same with code generation disallowed', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = `
      import { compilePattern, compilePatternSet } from './src/router/event-pattern.ts';
      const p = { a: { b: ['x', { prefix: 'y' }] } };
      const out = [compilePattern(p).matches({ a: [{ b: 'yz' }] }), compilePattern(p).matches({ a: { b: 'z' } }),
        compilePatternSet([p, { c: [1] }]).matching({ a: { b: 'x' }, c: 1 }, [])];
      console.log(JSON.stringify(out));`;
    const stdout = execFileSync(
      process.execPath,
      [
        '--disallow-code-generation-from-strings',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(stdout.trim(), JSON.stringify([true, false, [0, 1]]));
  });
});
