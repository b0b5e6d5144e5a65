import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';

// Directories a test's hook could not remove yet, removed when the test process exits.
const leftovers = new Set<string>();
process.once('exit', () => {
  for (const dir of leftovers) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh directory removed when the test ends. Hooks run in the order they were registered, so
 * this one usually runs before the hook that stops whatever writes into the directory; a removal
 * that fails then must not throw, because a throwing hook skips the hooks after it (the process
 * left running kept the test file, and CI, waiting). What is left is removed at exit.
 */
export function tempDir(t: TestContext, prefix = 'sb-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
    } catch {
      leftovers.add(dir);
    }
  });
  return dir;
}

export const TEST_SECRET = 'test-secret-0123456789';

/** Config for tests: no environment, a temp data dir, port 0, one webhook secret. */
export function testConfig(dataDir: string, overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: {},
    overrides: deepMerge(
      {
        dataDir,
        server: { port: 0 },
        ingest: {
          webhook: { secrets: [{ name: 'primary', secret: TEST_SECRET }] },
          eventbridge: { apiKeys: [{ name: 'eb', secret: 'eb-key-123' }] },
        },
        logging: { level: 'silent' },
        // Tests push their events; the ones about the stream ask for it.
        source: { mode: 'push' },
      },
      overrides,
    ),
  });
}

export async function startTestGateway(
  t: TestContext,
  overrides: Record<string, unknown> = {},
  options: GatewayOptions = {},
): Promise<Gateway> {
  // One hook, in order: the gateway stops (its lake writes no more) before its directory goes.
  const dir = mkdtempSync(join(tmpdir(), 'sb-test-'));
  const config = testConfig(dir, overrides);
  const running: { gateway?: Gateway } = {};
  t.after(async () => {
    await running.gateway?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  running.gateway = await startGateway(config, {
    logger: createLogger('silent'),
    defaultMetrics: false,
    ...options,
  });
  return running.gateway;
}

export function hmacHex(body: string | Buffer, secret = TEST_SECRET): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export function hmacBase64(body: string | Buffer, secret = TEST_SECRET): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** A guide-format interaction event (SEED-FORMATS §D) with a fresh notificationId. */
export function seedEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    notificationId: randomUUID(),
    timestamp: '2026-11-23T10:00:00.000Z',
    eventType: 'interaction',
    data: {
      interactionId: `inter-${randomUUID().slice(0, 8)}`,
      type: 'call',
      metrics: { talkTime: 120.5, holdTime: 10, waitTime: 5.2, acw: 15, totalTime: 150.7 },
    },
    ...overrides,
  };
}

export interface PostResult {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function postWebhook(
  baseUrl: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<PostResult> {
  const res = await fetch(`${baseUrl}/ingest/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: res.headers,
  };
}

/** Posts a body signed (hex) with the test secret. */
export function postSigned(baseUrl: string, body: string | Buffer, secret = TEST_SECRET) {
  return postWebhook(baseUrl, body, { 'x-genesys-webhook-signature': hmacHex(body, secret) });
}

/** Polls `check` until it returns a truthy value or the timeout passes (no fixed sleeps). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 10, what = 'condition' } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function deepMerge(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev) &&
      v &&
      typeof v === 'object' &&
      !Array.isArray(v)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
