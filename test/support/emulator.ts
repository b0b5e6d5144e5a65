import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Clock } from '../../src/emulator/clock.js';
import { Emulator, type EmulatorOptions } from '../../src/emulator/emulator.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import { tempDir, testConfig, waitFor } from './helpers.js';

/**
 * The one emulator starter for tests and benchmarks: a free port, virtual time (it moves only by
 * `advance()`) and no heartbeats, unless the options say otherwise (`realtime`, `warmupMs`,
 * `clock`, …). The caller stops it; tests use `startTestEmulator`.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emu = new Emulator({ port: 0, realtime: false, heartbeatSec: 3600, ...options });
  await emu.start();
  return emu;
}

/** `startEmulator`, stopped when the test ends. */
export async function startTestEmulator(
  t: TestContext,
  options: EmulatorOptions = {},
): Promise<Emulator> {
  const emu = await startEmulator(options);
  t.after(() => emu.stop());
  return emu;
}

/**
 * A clock that moves only when told, for the emulator's transport (push retries, fault windows):
 * `advance(ms)` fires what falls due, in time order, at its own instant. Until then a retry or a
 * window's end provably has not happened.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; run: () => void }>();

  /** Starts at a whole second (an HTTP-date `Retry-After` has no milliseconds). */
  constructor(start = Math.floor(Date.now() / 1000) * 1000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  after(ms: number, run: () => void): () => void {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), run });
    return () => this.#timers.delete(id);
  }

  /** Delays from now of the timers waiting, soonest first. */
  pending(): number[] {
    return [...this.#timers.values()].map((x) => x.at - this.#now).sort((a, b) => a - b);
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; run: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].run();
    }
    this.#now = end;
  }
}

/** Asks the emulator for a token with the default client credentials. */
export function requestToken(emu: Emulator, secret = 'demo-secret'): Promise<Response> {
  return fetch(`${emu.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`demo-client:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
}

/** Headers for the emulator's /api/v2 routes: a fresh bearer token and JSON. */
export async function apiHeaders(emu: Emulator): Promise<Record<string, string>> {
  const { access_token } = (await (await requestToken(emu)).json()) as { access_token: string };
  return { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' };
}

/** POST /emulator/faults. */
export async function postFault(emu: Emulator, body: Record<string, unknown>) {
  const res = await fetch(`${emu.url}/emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * The environment of a gateway given only the emulator's credentials, as a user points one at
 * an org: `GENESYS_API_BASE`, `GENESYS_CLIENT_ID`, `GENESYS_CLIENT_SECRET`, `SWITCHBOARD_DEMO=0`.
 */
export function credentialsEnv(emu: Emulator, dataDir: string): Record<string, string> {
  return {
    GENESYS_API_BASE: emu.url,
    GENESYS_CLIENT_ID: 'demo-client',
    GENESYS_CLIENT_SECRET: 'demo-secret',
    SWITCHBOARD_DEMO: '0',
    PORT: '0',
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_LOG_LEVEL: 'silent',
  };
}

/** A gateway on the emulator's API (`mode`: how it hears events), stopped when the test ends. */
export async function startEmulatorGateway(
  t: TestContext,
  emu: Emulator,
  mode: 'push' | 'stream',
): Promise<Gateway> {
  const gw = await startGateway(
    testConfig(tempDir(t), {
      genesys: { apiBase: emu.url, clientId: 'demo-client', clientSecret: 'demo-secret' },
      source: { demo: false, mode },
    }),
    { logger: createLogger('silent'), defaultMetrics: false },
  );
  t.after(() => gw.close());
  return gw;
}

/**
 * Waits until every webhook the emulator pushed has been delivered: retries of pushes the gateway
 * refused for a moment (a 503 under load) wait on a timer, so idle alone is not enough. Fails if
 * any push was dropped, expired or refused for good.
 */
export async function webhooksDelivered(emu: Emulator): Promise<void> {
  for (const w of emu.webhooks.values()) {
    await w.dispatcher.idle();
    await waitFor(() => w.dispatcher.waitingRetries === 0, {
      what: 'the webhook retries',
      timeoutMs: 30_000,
    });
    await w.dispatcher.idle();
    const { dropped, expired, failedPermanently } = w.dispatcher.stats;
    assert.deepEqual(
      { dropped, expired, failedPermanently },
      { dropped: 0, expired: 0, failedPermanently: 0 },
      'every push delivered',
    );
  }
}
