import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { tempDir } from '../support/helpers.js';

describe('loadConfig', () => {
  test('defaults match the contract', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.server.port, 8080);
    assert.equal(c.dataDir, './data');
    assert.equal(c.log.backend, 'sqlite');
    assert.equal(c.log.dedupeHorizonMs, 24 * 3600 * 1000);
    assert.equal(c.log.natsUrl, 'nats://127.0.0.1:4222');
    assert.equal(c.log.stream, 'SWITCHBOARD');
    assert.equal(c.ingest.bodyLimitBytes, 1024 * 1024);
    assert.equal(c.source.mode, 'stream', 'the demo streams from its emulator');
    assert.equal(c.source.emulatorPort, 9400);
    assert.equal(c.demo, true, 'no Genesys credentials: demo');
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.server));
  });

  test('file, then environment: env wins', (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'switchboard.yaml');
    writeFileSync(
      file,
      'server:\n  port: 9000\n  host: 0.0.0.0\ndataDir: /var/lib/sb\nlog:\n  dedupeHorizonMs: 3600000\n',
    );
    const c = loadConfig({
      file,
      env: { PORT: '9100', SWITCHBOARD_LOG: 'sqlite', SWITCHBOARD_DEMO: '0' },
    });
    assert.equal(c.server.port, 9100);
    assert.equal(c.server.host, '0.0.0.0');
    assert.equal(c.dataDir, '/var/lib/sb');
    assert.equal(c.log.dedupeHorizonMs, 3600000);
    assert.equal(c.demo, false);
    assert.equal(c.configFile, file);
    const viaEnv = loadConfig({ env: { SWITCHBOARD_CONFIG: file } });
    assert.equal(viaEnv.server.port, 9000);
  });

  test('an invalid value names the field path (and the env var it came from)', () => {
    const cases: [Record<string, unknown>, Record<string, string>, RegExp][] = [
      [{}, { PORT: 'eighty' }, /^invalid config: server\.port: .*\(from env PORT\)$/],
      [{}, { PORT: '70000' }, /server\.port: .*65535/],
      [{ log: { backend: 'kafka' } }, {}, /^invalid config: log\.backend: /],
      [{ ingest: { webhook: { schemes: ['md5'] } } }, {}, /ingest\.webhook\.schemes\.0: /],
      [{ server: { colour: 'blue' } }, {}, /server: .*colour/],
      [{ ingest: { bodyLimitBytes: -1 } }, {}, /ingest\.bodyLimitBytes: /],
    ];
    for (const [overrides, env, pattern] of cases) {
      assert.throws(
        () => loadConfig({ env, overrides }),
        (err: unknown) =>
          err instanceof ConfigError && pattern.test(err.message) && !err.message.includes('\n'),
        JSON.stringify({ overrides, env }),
      );
    }
  });

  test('secrets come from env, files or inline, and never print', (t) => {
    const dir = tempDir(t);
    const secretFile = join(dir, 'hook.secret');
    writeFileSync(secretFile, 'from-file-secret\n');
    const c = loadConfig({
      env: {
        HOOK: 'from-env-secret',
        GENESYS_CLIENT_ID: 'cid',
        GENESYS_CLIENT_SECRET: 'gen-secret',
      },
      overrides: {
        ingest: {
          webhook: {
            secrets: [
              'inline-secret',
              'env:HOOK',
              { name: 'filed', secret: { file: secretFile } },
              { name: 'old', secret: { value: 'retired-one' }, retired: true },
            ],
          },
        },
      },
    });
    const secrets = c.ingest.webhook.secrets;
    assert.deepEqual(
      secrets.map((s) => s.reveal()),
      ['inline-secret', 'from-env-secret', 'from-file-secret', 'retired-one'],
    );
    assert.deepEqual(
      secrets.map((s) => s.name),
      ['webhook-1', 'webhook-2', 'filed', 'old'],
    );
    assert.equal(secrets[3]!.retired, true);
    assert.equal(c.demo, false, 'credentials configured: not demo');
    const printed = JSON.stringify(c) + inspect(c, { depth: 10 }) + String(secrets[0]);
    for (const s of [
      'inline-secret',
      'from-env-secret',
      'from-file-secret',
      'retired-one',
      'gen-secret',
    ]) {
      assert.ok(!printed.includes(s), `${s} leaked`);
    }
  });

  test('SWITCHBOARD_WEBHOOK_SECRETS is a comma-separated list', () => {
    const c = loadConfig({ env: { SWITCHBOARD_WEBHOOK_SECRETS: 'a1, b2 ,,c3' } });
    assert.deepEqual(
      c.ingest.webhook.secrets.map((s) => s.reveal()),
      ['a1', 'b2', 'c3'],
    );
  });

  test('an unresolvable secret reference is a config error naming the field', () => {
    assert.throws(
      () => loadConfig({ env: {}, overrides: { ingest: { webhook: { secrets: ['env:NOPE'] } } } }),
      /invalid config: ingest\.webhook\.secrets\.0: environment variable NOPE is not set/,
    );
    assert.throws(
      () =>
        loadConfig({
          env: {},
          overrides: { api: { tokens: [{ secret: { file: '/no/such/file' } }] } },
        }),
      /api\.tokens\.0\.secret: cannot read secret file \/no\/such\/file: ENOENT/,
    );
  });

  test('a broken config file is a one-line error', (t) => {
    const file = join(tempDir(t), 'bad.yaml');
    writeFileSync(file, 'server: [unclosed\n');
    assert.throws(
      () => loadConfig({ file, env: {} }),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith(`config file ${file}:`),
    );
    assert.throws(
      () => loadConfig({ file: '/nope.yaml', env: {} }),
      /config file \/nope\.yaml: cannot read \(ENOENT\)/,
    );
  });

  test('source.mode: stream with Genesys credentials and in demo mode; push one setting away', () => {
    const creds = {
      GENESYS_CLIENT_ID: 'client',
      GENESYS_CLIENT_SECRET: 'secret',
      GENESYS_API_BASE: 'http://127.0.0.1:9400',
    };
    assert.equal(loadConfig({ env: {} }).source.mode, 'stream', 'demo: streamed from the emulator');
    assert.equal(loadConfig({ env: { SWITCHBOARD_SOURCE: 'push' } }).source.mode, 'push');
    assert.equal(
      loadConfig({ env: { SWITCHBOARD_DEMO: '0' } }).source.mode,
      'push',
      'no credentials and no demo: only the ingest routes',
    );
    const real = loadConfig({ env: creds });
    assert.equal(real.demo, false);
    assert.equal(real.source.mode, 'stream', 'credentials alone: the stream');
    assert.equal(loadConfig({ env: { ...creds, SWITCHBOARD_SOURCE: 'push' } }).source.mode, 'push');
    assert.deepEqual(real.source.stream.userTopics, ['activity', 'conversations']);
    assert.equal(real.source.stream.queues, undefined, 'every queue by default');
    assert.throws(
      () => loadConfig({ env: {}, overrides: { source: { stream: { queues: ['q.*'] } } } }),
      /source\.stream\.queues\.0: must be a Genesys id/,
    );
    assert.throws(
      () => loadConfig({ env: { SWITCHBOARD_SOURCE: 'stream', SWITCHBOARD_DEMO: '0' } }),
      /source\.mode: "stream" needs genesys\.clientId and genesys\.clientSecret/,
    );
    assert.throws(
      () => loadConfig({ env: { SWITCHBOARD_SOURCE: 'pull' } }),
      /source\.mode.*\(from env SWITCHBOARD_SOURCE\)/,
    );
  });
});
