// Child process for the process-guard tests: a gateway started as `switchboard start` starts it
// (process guard on), with its live hub made to fail on purpose. Prints `url <url>` once serving.
//   handler:   every live connect throws synchronously and from a timer it started
//   invariant: an InvariantError is thrown from a timer outside any handler
//   storm:     25 errors escape from timers at once
//   plain:     nothing fails on purpose (hostile clients are the test's)
// An optional third argument is JSON merged into the config.
import { startGateway } from '../../src/gateway.js';
import { InvariantError } from '../../src/ops/handler-guard.js';
import { createLogger } from '../../src/ops/logger.js';
import { testConfig } from './helpers.js';

const [mode, dir, overrides] = process.argv.slice(2);
if (!dir)
  throw new Error('usage: guarded-gateway-child <handler|invariant|plain> <dataDir> [json]');
const config = testConfig(dir, overrides ? (JSON.parse(overrides) as Record<string, unknown>) : {});
const gateway = await startGateway(config, {
  logger: createLogger('info'),
  defaultMetrics: false,
  processGuard: true,
});
if (mode === 'handler') {
  gateway.hub.connect = () => {
    setTimeout(() => {
      throw new TypeError('escaped from a timer the handler started');
    }, 1);
    throw new TypeError('thrown by the handler itself');
  };
} else if (mode === 'invariant') {
  setTimeout(() => {
    throw new InvariantError('broken on purpose');
  }, 50);
} else if (mode === 'storm') {
  // More escaped errors in a minute than a healthy process ever has.
  for (let i = 0; i < 25; i++) {
    setTimeout(() => {
      throw new TypeError(`storm error ${i}`);
    }, 50);
  }
}
process.stdout.write(`url ${gateway.url}\n`);
