/**
 * `sinks.targets` of every type (CONTRACT "Sinks" example), their defaults, secrets and the
 * errors that name the field; and the sink each entry builds.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { sinkFromConfig } from '../../src/sinks/from-config.js';

const env = { SWITCHBOARD_DATA_DIR: '/var/lib/switchboard', DATABASE_URL: 'postgres://sb:pw@db/x' };

const contractExample = {
  targets: [
    { name: 'lake', type: 'lake', path: '/srv/lake' },
    { name: 'warehouse', type: 'postgres', url: 'env:DATABASE_URL', schema: 'switchboard' },
    {
      name: 'bus',
      type: 'eventbridge',
      region: 'us-east-1',
      eventBusName: 'genesys',
      endpoint: 'http://127.0.0.1:4010',
    },
    {
      name: 'broker',
      type: 'amqp',
      url: 'amqp://guest:guest@127.0.0.1:5672',
      exchange: 'switchboard',
    },
    { name: 'crm', type: 'http', url: 'http://127.0.0.1:9000/hook', maxAttempts: 8 },
  ],
  routes: [
    { name: 'everything', pattern: {}, targets: ['lake'] },
    {
      name: 'interactions',
      pattern: { kind: [{ prefix: 'conversation' }, 'interaction'] },
      targets: ['warehouse', 'crm'],
    },
  ],
};

function load(sinks: unknown) {
  return loadConfig({ env, overrides: { sinks } });
}

describe('sinks config', () => {
  test('the documented example loads; each type gets its defaults and builds its sink', () => {
    const config = load(contractExample);
    const byName = new Map(config.sinks.targets.map((t) => [t.name, t]));
    const warehouse = byName.get('warehouse')!;
    assert.equal(warehouse.type, 'postgres');
    if (warehouse.type === 'postgres') {
      assert.equal(warehouse.url.reveal(), env.DATABASE_URL, 'the URL resolved from the env');
      assert.doesNotMatch(JSON.stringify(config), /pw@db/, 'and never serialized');
      assert.equal(warehouse.concurrency, 2);
    }
    const bus = byName.get('bus')!;
    if (bus.type === 'eventbridge') {
      assert.equal(bus.source, 'switchboard.genesys');
      assert.equal(bus.detailType, '{kind}');
    }
    const broker = byName.get('broker')!;
    if (broker.type === 'amqp') {
      assert.equal(broker.exchangeType, 'topic');
      assert.equal(broker.routingKey, '{kind}');
    }
    const sinks = config.sinks.targets.map((t) => sinkFromConfig(t, config.sinks.targets));
    assert.deepEqual(
      sinks.map((s) => [s.name, s.type]),
      [
        ['lake', 'lake'],
        ['warehouse', 'postgres'],
        ['bus', 'eventbridge'],
        ['broker', 'amqp'],
        ['crm', 'http'],
      ],
    );
    assert.equal(config.sinks.routes.length, 2, 'routes as written: no default added');
  });

  test('targets without a lake and no routes: nothing is routed', () => {
    const config = load({ targets: [{ name: 'crm', type: 'http', url: 'http://127.0.0.1:9/h' }] });
    assert.deepEqual(config.sinks.routes, []);
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'a routing key naming an unknown field',
      {
        targets: [
          { name: 'b', type: 'amqp', url: 'amqp://h', exchange: 'x', routingKey: '{nope}' },
        ],
      },
      /sinks\.targets\.0\.routingKey: unknown placeholder \{nope\}/,
    ],
    [
      'an EventBridge detail type with an unbalanced brace',
      {
        targets: [
          {
            name: 'b',
            type: 'eventbridge',
            region: 'eu-west-1',
            eventBusName: 'x',
            detailType: '{kind',
          },
        ],
      },
      /sinks\.targets\.0\.detailType: unbalanced/,
    ],
    [
      'a region that is not one',
      { targets: [{ name: 'b', type: 'eventbridge', region: 'mars', eventBusName: 'x' }] },
      /sinks\.targets\.0\.region/,
    ],
    [
      'a PostgreSQL schema that is not a plain identifier',
      { targets: [{ name: 'w', type: 'postgres', url: 'postgres://h/db', schema: 'a;drop' }] },
      /sinks\.targets\.0\.schema/,
    ],
    [
      'a database URL from an unset variable',
      { targets: [{ name: 'w', type: 'postgres', url: 'env:NOT_SET_ANYWHERE' }] },
      /sinks\.targets\.0\.url/,
    ],
    [
      'an unknown target type',
      { targets: [{ name: 'k', type: 'kafka' }] },
      /sinks\.targets\.0\.type/,
    ],
  ];
  for (const [what, sinks, message] of bad)
    test(`${what}: exit 2 naming the field`, () => {
      assert.throws(
        () => load(sinks),
        (err: unknown) => err instanceof ConfigError && message.test(err.message),
      );
    });
});
