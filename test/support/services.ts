/**
 * Tests that need a local service (PostgreSQL, RabbitMQ, NATS…): under CI=true a missing service
 * fails the test; elsewhere it skips it with the reason.
 */
import { connect } from 'node:net';
import type { TestContext } from 'node:test';

export const SERVICES = {
  postgres: 5432,
  rabbitmq: 5672,
  nats: 4222,
  redis: 6379,
} as const;

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Resolves true when the service answers; otherwise fails (CI) or skips the test and resolves false. */
export async function requireService(
  t: TestContext,
  name: keyof typeof SERVICES,
): Promise<boolean> {
  const port = SERVICES[name];
  if (await reachable(port)) return true;
  const why = `${name} is not listening on 127.0.0.1:${port}`;
  if (process.env.CI === 'true') throw new Error(`${why} (CI needs it: .ci/run starts it)`);
  t.skip(why);
  return false;
}
