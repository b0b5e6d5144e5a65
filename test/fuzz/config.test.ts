// Properties of configuration loading (src/config): any YAML text and environment, mutated from
// the README's example and other seeds, gives either a frozen Config or SB_CONFIG_INVALID with a
// one-line reason (the CLI's exit 2), never another exception and never a polluted prototype;
// valid values read back as written, and the environment wins over the file.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ENV_OVERRIDES, loadConfig } from '../../src/config/index.js';
import { SwitchboardError } from '../../src/errors.js';
import { tempDir } from '../support/helpers.js';
import { corpus } from './support/corpus.js';
import { assertUnpolluted, fuzz } from './support/fuzz-run.js';
import {
  applyByteOps,
  applyJsonOps,
  byteOp,
  shown,
  jsonOp,
  serialize,
  toTree,
} from './support/mutations.js';

/** The secrets the seeds name with `env:`. */
const SECRETS_ENV = {
  WEBHOOK_SECRET: 'webhook-secret-value',
  EVENTBRIDGE_API_KEY: 'eventbridge-key-value',
  WALLBOARD_TOKEN: 'wallboard-token-value',
  SALES_TOKEN: 'sales-token-value',
};

/** Keys of the schema, so that structure edits reach real fields and not only unknown ones. */
const SCHEMA_KEYS = [
  'server',
  'port',
  'host',
  'trustedProxies',
  'ingest',
  'webhook',
  'secrets',
  'secret',
  'scheme',
  'retired',
  'idKeys',
  'maxDepth',
  'bodyLimitBytes',
  'api',
  'tokens',
  'scope',
  'queues',
  'live',
  'maxClients',
  'log',
  'backend',
  'groupCommit',
  'tls',
  '__proto__',
  'constructor',
];

const seeds = corpus('config');

const yamlText = fc.oneof(
  fc
    .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(byteOp, { maxLength: 4 }))
    .map(([i, ops]) => shown(seeds[i]!.name, ops, applyByteOps(seeds[i]!.bytes, ops))),
  fc
    .tuple(
      fc.nat({ max: seeds.length - 1 }),
      fc.array(jsonOp(fc.constantFrom(...SCHEMA_KEYS)), { minLength: 1, maxLength: 4 }),
    )
    .map(([i, ops]) => {
      const doc: unknown = parseYaml(seeds[i]!.bytes.toString('utf8')) ?? {};
      // JSON is YAML: the mutated tree is written as JSON text.
      return shown(seeds[i]!.name, ops, Buffer.from(serialize(applyJsonOps(toTree(doc), ops))));
    }),
);

const env = fc.dictionary(
  fc.constantFrom(...ENV_OVERRIDES.map((o) => o.env)),
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.constantFrom('0', '-1', '65536', '1e3', 'true', 'off', ',,', 'env:NOPE', 'file:', 'x,y'),
  ),
  { maxKeys: 4 },
);

/** Plain objects and arrays all the way down (secrets are class instances, frozen or not). */
function assertFrozen(value: unknown, path = 'config'): void {
  if (typeof value !== 'object' || value === null) return;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype) return;
  assert.ok(Object.isFrozen(value), `${path} is not frozen`);
  for (const [k, v] of Object.entries(value)) assertFrozen(v, `${path}.${k}`);
}

describe('fuzz: config', () => {
  test('any YAML and environment: a frozen Config or SB_CONFIG_INVALID in one line', async (t) => {
    const file = join(tempDir(t, 'sb-fuzz-config-'), 'switchboard.yaml');
    // The yaml library reports odd but valid input (an anchor ending in ":") as process
    // warnings; thousands of mutated files would bury the report under them.
    const original = Object.getOwnPropertyDescriptor(process, 'emitWarning')!;
    const emitWarning = (...args: unknown[]) => {
      const [warning, type] = args;
      const name = warning instanceof Error ? warning.name : typeof type === 'string' ? type : '';
      if (name !== 'YAMLWarning') Reflect.apply(original.value as () => void, process, args);
    };
    Object.defineProperty(process, 'emitWarning', { ...original, value: emitWarning });
    t.after(() => Object.defineProperty(process, 'emitWarning', original));
    await fuzz(
      'config: YAML and env',
      fc.property(yamlText, env, ({ bytes }, vars) => {
        writeFileSync(file, bytes);
        let config;
        try {
          config = loadConfig({ file, env: { ...SECRETS_ENV, ...vars } });
        } catch (err) {
          assert.ok(err instanceof SwitchboardError, `escaped: ${String(err)}`);
          assert.equal(err.code, 'SB_CONFIG_INVALID');
          assert.ok(!err.message.includes('\n'), `not one line: ${err.message}`);
          assert.ok(err.message.length > 0);
          return;
        } finally {
          assertUnpolluted();
        }
        assertFrozen(config);
      }),
      { quick: 150, cost: 4 },
    );
  });

  test('valid values read back as written, and the environment wins over the file', async (t) => {
    const file = join(tempDir(t, 'sb-fuzz-config-'), 'switchboard.yaml');
    const token = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/),
      secret: fc.stringMatching(/^[A-Za-z0-9_-]{8,24}$/),
      scope: fc.option(
        fc.record({
          queues: fc.array(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { maxLength: 3 }),
          teams: fc.array(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { maxLength: 3 }),
        }),
        { nil: undefined },
      ),
    });
    const values = fc.record({
      port: fc.integer({ min: 0, max: 65535 }),
      envPort: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
      bodyLimitBytes: fc.integer({ min: 1, max: 64 * 1024 * 1024 }),
      maxDepth: fc.integer({ min: 2, max: 10_000 }),
      idKeys: fc.array(
        fc.array(fc.stringMatching(/^[A-Za-z][\w.]{0,15}$/), { minLength: 1, maxLength: 3 }),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
      tokens: fc.uniqueArray(token, { maxLength: 3, selector: (x) => x.name }),
    });
    await fuzz(
      'config: round trip',
      fc.property(values, (v) => {
        writeFileSync(
          file,
          toYaml({
            server: { port: v.port },
            ingest: { bodyLimitBytes: v.bodyLimitBytes, maxDepth: v.maxDepth, idKeys: v.idKeys },
            api: {
              tokens: v.tokens.map((tk) => (tk.scope ? tk : { name: tk.name, secret: tk.secret })),
            },
          }),
        );
        const config = loadConfig({
          file,
          env: v.envPort === undefined ? {} : { PORT: String(v.envPort) },
        });
        assert.equal(config.server.port, v.envPort ?? v.port);
        assert.equal(config.ingest.bodyLimitBytes, v.bodyLimitBytes);
        assert.equal(config.ingest.maxDepth, v.maxDepth);
        assert.deepEqual(config.ingest.idKeys, v.idKeys);
        assert.deepEqual(
          config.api.tokens.map((tk) => [tk.name, tk.reveal(), tk.scope]),
          v.tokens.map((tk) => [
            tk.name,
            tk.secret,
            tk.scope && { queues: [...tk.scope.queues], teams: [...tk.scope.teams] },
          ]),
        );
      }),
      { quick: 100, cost: 4 },
    );
  });
});
