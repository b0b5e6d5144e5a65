/**
 * The browser talks only to the gateway it was served from. Off loopback the gateway wants one
 * of its own API tokens (never a Genesys credential): open the dashboard once with
 * `?access_token=T`; it moves to sessionStorage and out of the address bar.
 */
const TOKEN_KEY = 'switchboard.accessToken';

function captureToken(): string | undefined {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('access_token');
  if (fromUrl) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // storage refused: keep it for this page only
    }
    url.searchParams.delete('access_token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export const accessToken: string | undefined = captureToken();

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    /** The error object's other fields (e.g. `problems` of a refused document). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function getJson(path: string, signal?: AbortSignal): Promise<unknown> {
  return send(path, { ...(signal ? { signal } : {}) });
}

/** A JSON POST, with the same token and errors as `getJson`. */
export function postJson(path: string, payload: unknown): Promise<unknown> {
  return send(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
}

/** A JSON PUT; `ifMatch` makes it conditional on the version the caller last read. */
export function putJson(path: string, payload: unknown, ifMatch?: number): Promise<unknown> {
  return send(path, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      ...(ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` }),
    },
    body: JSON.stringify(payload),
  });
}

export function deleteJson(path: string): Promise<unknown> {
  return send(path, { method: 'DELETE' });
}

async function send(path: string, init: RequestInit): Promise<unknown> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(init.headers as Record<string, string> | undefined),
  };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  const res = await fetch(path, { ...init, headers, cache: 'no-store' });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    const { code, message, ...details } = (err ?? {}) as Record<string, unknown>;
    throw new ApiError(
      res.status,
      typeof code === 'string' ? code : undefined,
      typeof message === 'string' ? message : `HTTP ${res.status} from ${path}`,
      details,
    );
  }
  return body;
}

export function liveSocketUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/v1/live`;
}
