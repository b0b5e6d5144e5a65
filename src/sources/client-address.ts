import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** A set of CIDRs (or single addresses), IPv4 and IPv6; IPv4-mapped IPv6 peers match IPv4 rules. */
export class AddressSet {
  readonly size: number;
  readonly #list = new BlockList();

  constructor(cidrs: readonly string[]) {
    for (const entry of cidrs) {
      const [addr, bits] = entry.split('/');
      if (!addr) throw new Error(`invalid address or CIDR "${entry}"`);
      const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.#list.addAddress(addr, type);
      else this.#list.addSubnet(addr, Number(bits), type);
    }
    this.size = cidrs.length;
  }

  has(address: string): boolean {
    const addr = unmap(address);
    const version = isIP(addr);
    if (version === 0) return false;
    return this.#list.check(addr, version === 6 ? 'ipv6' : 'ipv4');
  }
}

const LOOPBACK = new AddressSet(['127.0.0.0/8', '::1/128']);

/** The socket peer's address (IPv4-mapped IPv6 unmapped): the one address nobody can forge. */
export function peerAddress(req: IncomingMessage): string {
  return unmap(req.socket.remoteAddress ?? '');
}

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy, in which case the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy (entries further left are
 * client-controlled and ignored). An entry that is not an IP address ends the walk at the proxy
 * that passed it on: whatever lies left of it came through a hop nobody vouches for.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: AddressSet): string {
  let client = peerAddress(req);
  if (trustedProxies.size === 0 || !trustedProxies.has(client)) return client;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hopAddress(hops[i] as string);
    if (hop === undefined) break;
    client = hop;
    if (!trustedProxies.has(hop)) break;
  }
  return client;
}

/**
 * Whether a request comes from this machine: its socket peer is a loopback address and is not a
 * trusted proxy. A forwarded address never counts, and neither does a proxy on the same host
 * (the common setup), which relays requests from anywhere.
 */
export function isLocalRequest(req: IncomingMessage, trustedProxies: AddressSet): boolean {
  const peer = peerAddress(req);
  return isLoopback(peer) && !trustedProxies.has(peer);
}

/** True only for a well-formed loopback IP address (127.0.0.0/8, ::1, or either mapped). */
export function isLoopback(address: string): boolean {
  return LOOPBACK.has(address);
}

/** One X-Forwarded-For entry as an IP address, or undefined (`unknown`, a name, garbage). */
function hopAddress(entry: string): string | undefined {
  let hop = entry.trim();
  // Some proxies add the port: `[2001:db8::1]:443`, `203.0.113.7:443`.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) hop = bracketed[1] as string;
  else if (/^[\d.]+:\d+$/.test(hop)) hop = hop.slice(0, hop.lastIndexOf(':'));
  hop = unmap(hop);
  return isIP(hop) === 0 ? undefined : hop;
}

function unmap(address: string): string {
  return /^::ffff:[\d.]+$/i.test(address) ? address.slice(7) : address;
}
