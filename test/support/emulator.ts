import type { TestContext } from 'node:test';
import { Emulator, type EmulatorOptions } from '../../src/emulator/emulator.js';

/**
 * An emulator on a free port, stopped when the test ends. Virtual time (it moves only by
 * `advance()`) and no heartbeats unless the options say otherwise.
 */
export async function startTestEmulator(
  t: TestContext,
  options: EmulatorOptions = {},
): Promise<Emulator> {
  const emu = new Emulator({ port: 0, realtime: false, heartbeatSec: 3600, ...options });
  await emu.start();
  t.after(() => emu.stop());
  return emu;
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
