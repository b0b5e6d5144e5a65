import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import type { Config } from '../config/index.js';
import { SwitchboardError } from '../errors.js';
import { isLoopback } from '../sources/client-address.js';

/**
 * On loopback no token is asked for, so a browser on this machine is the one client that could
 * be steered by someone else's page: a rebound DNS name (`Host: attacker.example`) or a
 * cross-site script (`Origin: https://attacker.example`, which WebSockets never stop). A request
 * let in for being on loopback must therefore name this gateway in `Host` and, when a browser
 * says where it comes from, come from the same origin or one the operator allowed. Clients
 * that send no Origin (the CLI, curl, scripts) are not browsers running someone's page.
 * Returns the refusal, or undefined.
 */
export function createLoopbackSiteCheck(
  config: Pick<Config, 'server'>,
): (raw: IncomingMessage) => SwitchboardError | undefined {
  const hosts = new Set(
    ['localhost', hostname(), config.server.host, ...config.server.allowedHosts].map((h) =>
      bareHost(h.toLowerCase()),
    ),
  );
  // 'null' (a sandboxed frame, a file: page) is never a site anyone can allow.
  const origins = new Set(config.server.allowedOrigins.map((o) => originOf(o)));
  origins.delete('null');
  const scheme = config.server.tls ? 'https:' : 'http:';

  return (raw) => {
    const host = raw.headers.host;
    if (host !== undefined && !hostAllowed(host)) {
      return new SwitchboardError(
        'SB_HOST_NOT_ALLOWED',
        `Host "${clip(host)}" does not name this gateway; add it to server.allowedHosts if it does`,
      );
    }
    const origin = raw.headers.origin;
    if (origin === undefined || origins.has(originOf(origin))) return undefined;
    if (host !== undefined && originOf(origin) === originOf(`${scheme}//${host}`)) return undefined;
    return new SwitchboardError(
      'SB_ORIGIN_NOT_ALLOWED',
      `Origin "${clip(origin)}" is not this gateway's; add it to server.allowedOrigins to allow it`,
    );
  };

  function hostAllowed(header: string): boolean {
    const name = hostName(header);
    if (name === undefined) return false;
    return hosts.has(name) || name.endsWith('.localhost') || isLoopback(name);
  }
}

/** The name in a Host header, lower-case, without port or IPv6 brackets; undefined if malformed. */
function hostName(header: string): string | undefined {
  if (!URL.canParse(`http://${header}`)) return undefined;
  const url = new URL(`http://${header}`);
  // A Host with a path, credentials or query is no host at all.
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    return undefined;
  }
  return bareHost(url.hostname);
}

const bareHost = (h: string) => (h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h);

/** `scheme://host[:port]` with the default port dropped; 'null' for anything unparsable. */
function originOf(value: string): string {
  return URL.canParse(value) ? new URL(value).origin : 'null';
}

const clip = (s: string) => (s.length > 100 ? `${s.slice(0, 100)}…` : s);
