import type { Emulator } from '../../src/emulator/emulator.js';

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
