import { BlockList, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** A set of CIDRs (or single addresses), IPv4 and IPv6; IPv4-mapped IPv6 peers match IPv4 rules. */
export class AddressSet {
  readonly size: number;
  readonly #list = new BlockList();

  constructor(cidrs: readonly string[]) {
    for (const entry of cidrs) {
      const [addr, bits] = entry.split('/');
      if (!addr) throw new Error(`invalid address or CIDR "${entry}"`);
      const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.#list.addAddress(addr, type);
      else this.#list.addSubnet(addr, Number(bits), type);
    }
    this.size = cidrs.length;
  }

  has(address: string): boolean {
    const addr = unmap(address);
    try {
      return this.#list.check(addr, isIPv6(addr) ? 'ipv6' : 'ipv4');
    } catch {
      return false;
    }
  }
}

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy, in which case the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy (entries further left are
 * client-controlled and ignored).
 */
export function clientAddress(req: IncomingMessage, trustedProxies: AddressSet): string {
  const peer = unmap(req.socket.remoteAddress ?? '');
  if (trustedProxies.size === 0 || !trustedProxies.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unmap(hops[i] as string);
    if (!trustedProxies.has(hop)) return hop;
  }
  return peer;
}

export function isLoopback(address: string): boolean {
  const a = unmap(address);
  return a === '::1' || a.startsWith('127.');
}

function unmap(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
