import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { ENV_OVERRIDES, loadConfig } from '../../src/config/index.js';
import { withEnv } from '../../src/config/env-names.js';
import { envOverridesOf } from '../../src/config/env-overrides.js';

/** CONTRACT.md "Environment", plus the variables the project adds (all on the schema). */
const EXPECTED: Record<string, string> = {
  HOST: 'server.host',
  PORT: 'server.port',
  SWITCHBOARD_DATA_DIR: 'dataDir',
  SWITCHBOARD_WEBHOOK_SECRETS: 'ingest.webhook.secrets',
  SWITCHBOARD_EVENTBRIDGE_API_KEYS: 'ingest.eventbridge.apiKeys',
  SWITCHBOARD_API_TOKENS: 'api.tokens',
  SWITCHBOARD_DEMO: 'source.demo',
  EMULATOR_PORT: 'source.emulatorPort',
  SWITCHBOARD_SOURCE: 'source.mode',
  GENESYS_CLIENT_ID: 'genesys.clientId',
  GENESYS_CLIENT_SECRET: 'genesys.clientSecret',
  GENESYS_REGION: 'genesys.region',
  GENESYS_API_BASE: 'genesys.apiBase',
  SWITCHBOARD_LOG: 'log.backend',
  NATS_URL: 'log.natsUrl',
  SWITCHBOARD_STREAM: 'log.stream',
  SWITCHBOARD_DEDUPE: 'log.dedupe',
  REDIS_URL: 'log.redisUrl',
  SWITCHBOARD_LOG_LEVEL: 'logging.level',
};

describe('environment variables declared on the config schema', () => {
  test('the override table derived from the schema names every variable and its field', () => {
    assert.deepEqual(Object.fromEntries(ENV_OVERRIDES.map((o) => [o.env, o.path])), EXPECTED);
  });

  test("each variable converts by its field's type", () => {
    const c = loadConfig({
      env: {
        PORT: '9123',
        EMULATOR_PORT: '0',
        SWITCHBOARD_DEMO: 'off',
        SWITCHBOARD_API_TOKENS: 't1,t2',
        HOST: '0.0.0.0',
        SWITCHBOARD_LOG_LEVEL: 'warn',
        GENESYS_CLIENT_ID: 'cid',
        GENESYS_CLIENT_SECRET: 'csecret',
        GENESYS_API_BASE: 'http://127.0.0.1:9400',
        SWITCHBOARD_LOG: 'sqlite',
        SWITCHBOARD_DEDUPE: 'sqlite',
      },
    });
    assert.equal(c.server.port, 9123);
    assert.equal(c.source.emulatorPort, 0);
    assert.equal(c.demo, false);
    assert.equal(c.api.tokens.length, 2);
    assert.equal(c.server.host, '0.0.0.0');
    assert.equal(c.logging.level, 'warn');
    assert.equal(c.genesys.clientSecret?.reveal(), 'csecret');
    assert.equal(c.genesys.apiBase, 'http://127.0.0.1:9400');
    assert.equal(c.log.dedupe, 'sqlite');
  });

  test('a variable found inside wrappers is derived with its conversion; one name on two fields is refused', () => {
    const schema = z
      .object({
        a: z
          .object({
            n: withEnv(z.number().int().default(1), 'T_N'),
            flag: withEnv(z.boolean().optional(), 'T_FLAG'),
          })
          .prefault({}),
        list: withEnv(z.array(z.string()).default([]), 'T_LIST'),
      })
      .strict();
    const table = envOverridesOf(schema);
    assert.deepEqual(
      table.map((o) => [o.env, o.path, o.convert?.('1,2')]),
      [
        ['T_N', 'a.n', '1,2'], // not a number: passed on as is, for the schema to report
        ['T_FLAG', 'a.flag', '1,2'],
        ['T_LIST', 'list', ['1', '2']],
      ],
    );
    assert.equal(table[0]!.convert?.('42'), 42);
    assert.equal(table[1]!.convert?.('yes'), true);
    const twice = z.object({ a: withEnv(z.string(), 'T_SAME'), b: withEnv(z.string(), 'T_SAME') });
    assert.throws(() => envOverridesOf(twice), /T_SAME is declared on two fields/);
  });
});
