import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/index.js';
import {
  ERROR_CODES,
  LogUnavailableError,
  SwitchboardError,
  UsageError,
  exitCodeOf,
} from '../../src/errors.js';
import { runCli } from '../support/cli.js';

describe('CLI exit codes come from the error registry', () => {
  test('each error maps to its code’s exit code; anything else is a runtime failure (1)', () => {
    const cases: [unknown, number][] = [
      [new ConfigError('invalid config: x: y'), 2],
      [new UsageError('unknown command "x"'), 2],
      [new SwitchboardError('SB_INTERNAL'), 1],
      [new LogUnavailableError('disk full'), 1], // a code with no exit code of its own
      [Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), 1],
      ['a thrown string', 1],
    ];
    for (const [err, code] of cases) assert.equal(exitCodeOf(err), code, String(err));
    // CONTRACT.md: exit 2 for any bad argument or invalid config.
    assert.equal(ERROR_CODES.SB_CONFIG_INVALID.exit, 2);
    assert.equal(ERROR_CODES.SB_USAGE.exit, 2);
    assert.equal(new ConfigError('x').code, 'SB_CONFIG_INVALID');
    assert.equal(new UsageError('x').code, 'SB_USAGE');
  });

  test('a setting this build does not implement, or one it cannot honour, exits 2 naming it', async () => {
    const r = await runCli(['start'], { SWITCHBOARD_SOURCE: 'stream', SWITCHBOARD_DEMO: '0' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^switchboard: invalid config: source\.mode: "stream" needs genesys\.clientId and genesys\.clientSecret .*outside demo mode\n$/,
    );
    const nats = await runCli(['start'], {
      NATS_URL: 'nats://10.0.0.9:4222',
      SWITCHBOARD_DEMO: '0',
    });
    assert.equal(nats.code, 2, nats.stderr);
    assert.match(
      nats.stderr,
      /^switchboard: invalid config: log\.natsUrl: .*\(from env NATS_URL\)\n$/,
    );
  });
});
