import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { createEventLog } from '../../src/log/create-event-log.js';
import { tempDir } from '../support/helpers.js';

/** Asserts `load` throws one ConfigError line matching `pattern`. */
function refused(load: () => unknown, pattern: RegExp, what: string): void {
  assert.throws(
    load,
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `${what}: ${String(err)}`);
      assert.equal(err.code, 'SB_CONFIG_INVALID');
      assert.match(err.message, pattern, what);
      assert.ok(!err.message.includes('\n'), `${what}: one line`);
      return true;
    },
    what,
  );
}

describe('settings nothing implements yet are refused, with the reason and the field', () => {
  test('from the config file or overrides', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { log: { backend: 'jetstream' } },
        /^invalid config: log\.backend: "jetstream": the JetStream \(cluster\) log is not implemented in this build yet .*; use "sqlite"$/,
      ],
      [
        { log: { dedupe: 'kv' } },
        /^invalid config: log\.dedupe: "kv": .*not implemented.*"sqlite"/,
      ],
      [{ log: { dedupe: 'redis' } }, /^invalid config: log\.dedupe: "redis": .*not implemented/],
      [
        { log: { natsUrl: 'nats://10.0.0.1:4222' } },
        /^invalid config: log\.natsUrl: only the jetstream log backend reads this.*; remove it$/,
      ],
      [{ log: { stream: 'OTHER' } }, /^invalid config: log\.stream: only the jetstream/],
      [
        { log: { redisUrl: 'redis://127.0.0.1:6379' } },
        /^invalid config: log\.redisUrl: only the redis dedupe store reads this/,
      ],
    ];
    for (const [overrides, pattern] of cases)
      refused(() => loadConfig({ env: {}, overrides }), pattern, JSON.stringify(overrides));
  });

  test('from the environment, naming the variable', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { SWITCHBOARD_LOG: 'jetstream' },
        /log\.backend: "jetstream".*\(from env SWITCHBOARD_LOG\)$/,
      ],
      [
        { NATS_URL: 'nats://127.0.0.1:4222' },
        /log\.natsUrl: only the jetstream.*\(from env NATS_URL\)$/,
      ],
      [{ SWITCHBOARD_STREAM: 'SB2' }, /log\.stream: .*\(from env SWITCHBOARD_STREAM\)$/],
      [{ SWITCHBOARD_DEDUPE: 'kv' }, /log\.dedupe: "kv".*\(from env SWITCHBOARD_DEDUPE\)$/],
      [{ REDIS_URL: 'redis://x' }, /log\.redisUrl: .*\(from env REDIS_URL\)$/],
    ];
    for (const [env, pattern] of cases)
      refused(() => loadConfig({ env }), pattern, JSON.stringify(env));
  });

  test('a YAML file setting several is refused with each reason', (t) => {
    const file = join(tempDir(t), 'switchboard.yaml');
    writeFileSync(file, 'log:\n  backend: jetstream\n  natsUrl: nats://nats:4222\n');
    refused(
      () => loadConfig({ file, env: {} }),
      /log\.backend: "jetstream".*; log\.natsUrl: only the jetstream/,
      'file',
    );
  });

  test('defaults and implemented values pass: only what the user set is refused', () => {
    const c = loadConfig({
      env: { SWITCHBOARD_LOG: 'sqlite', SWITCHBOARD_SOURCE: 'push', SWITCHBOARD_DEDUPE: 'sqlite' },
    });
    assert.equal(c.log.backend, 'sqlite');
    assert.equal(c.log.natsUrl, 'nats://127.0.0.1:4222', 'the default is kept for a later release');
    assert.equal(c.log.stream, 'SWITCHBOARD');
    assert.equal(c.log.redisUrl, undefined);
    assert.equal(c.source.mode, 'push');
    assert.equal(loadConfig({ env: { NATS_URL: '' } }).log.natsUrl, 'nats://127.0.0.1:4222');
  });

  test('createEventLog still refuses a hand-built jetstream config with the same reason', async () => {
    const config = loadConfig({ env: {} });
    await assert.rejects(
      createEventLog({ dataDir: config.dataDir, log: { ...config.log, backend: 'jetstream' } }),
      (err: unknown) =>
        err instanceof ConfigError && /log\.backend: "jetstream": the JetStream/.test(err.message),
    );
  });
});
