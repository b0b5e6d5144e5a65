/**
 * The `cidr` operator of event patterns (`event-pattern.ts`): IPv4 and IPv6 ranges. Event
 * values are parsed by hand into a reused buffer, so a match allocates nothing.
 */

/** Why a CIDR block was refused (the caller adds the JSON path). */
export class CidrSyntaxError extends Error {}

/** Dotted-quad IPv4 in `s[from, to)` as an unsigned 32-bit number, or -1. No leading zeros. */
export function parseIPv4(s: string, from = 0, to = s.length): number {
  let value = 0;
  let octets = 0;
  let i = from;
  while (octets < 4) {
    const start = i;
    let octet = 0;
    while (i < to && i - start < 3) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || octet > 255 || (digits > 1 && s.charCodeAt(start) === 48)) return -1;
    value = value * 256 + octet;
    octets++;
    if (octets < 4) {
      if (i >= to || s.charCodeAt(i) !== 46) return -1;
      i++;
    }
  }
  return i === to ? value : -1;
}

const hexDigit = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;

/**
 * An IPv6 address (RFC 4291 text forms: `::` compression, an IPv4 tail) into `out`'s eight
 * 16-bit groups; false when `s` is not one. Zone ids (`%eth0`) are not addresses here.
 */
export function parseIPv6(s: string, out: Uint16Array): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
  let groups = 0;
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    if (groups >= 8) return false;
    let j = i;
    let v = 0;
    while (j < n && j - i < 5) {
      const h = hexDigit(s.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 46) {
      // An IPv4 tail takes the last two groups.
      const v4 = parseIPv4(s, i, n);
      if (v4 < 0 || groups > 6) return false;
      out[groups++] = Math.floor(v4 / 65536);
      out[groups++] = v4 % 65536;
      break;
    }
    if (j === i || j - i > 4) return false;
    out[groups++] = v;
    if (j === n) break;
    if (s.charCodeAt(j) !== 58) return false;
    j++;
    if (j < n && s.charCodeAt(j) === 58) {
      if (gap >= 0) return false;
      gap = groups;
      j++;
    } else if (j === n) {
      return false; // a single trailing colon
    }
    i = j;
  }
  if (gap < 0) return groups === 8;
  if (groups >= 8) return false; // `::` stands for at least one group
  const tail = groups - gap;
  for (let k = 0; k < tail; k++) out[7 - k] = out[groups - 1 - k]!;
  for (let k = gap; k < 8 - tail; k++) out[k] = 0;
  return true;
}

const scratch = new Uint16Array(8);

/** A test for `cidr`: true when the event string is an address inside the block. */
export function cidr(block: string): (s: string) => boolean {
  const slash = block.indexOf('/');
  if (slash < 0 || slash !== block.lastIndexOf('/'))
    throw new CidrSyntaxError(`"${block}" is not a CIDR block (address/prefix-length)`);
  const address = block.slice(0, slash);
  const lengthText = block.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText))
    throw new CidrSyntaxError(`"${block}": the prefix length must be a number`);
  const bits = Number(lengthText);
  if (address.includes(':')) {
    const net = new Uint16Array(8);
    if (!parseIPv6(address, net)) throw new CidrSyntaxError(`"${address}" is not an IPv6 address`);
    if (bits > 128) throw new CidrSyntaxError(`"${block}": an IPv6 prefix is at most 128 bits`);
    // Per group: the mask of the bits that must equal the network's.
    const mask = new Uint16Array(8);
    for (let g = 0; g < 8; g++) {
      const take = Math.max(0, Math.min(16, bits - g * 16));
      mask[g] = take === 0 ? 0 : (0xffff << (16 - take)) & 0xffff;
      net[g] = net[g]! & mask[g]!;
    }
    return (s) => {
      if (!parseIPv6(s, scratch)) return false;
      for (let g = 0; g < 8; g++) if ((scratch[g]! & mask[g]!) !== net[g]) return false;
      return true;
    };
  }
  const ip = parseIPv4(address);
  if (ip < 0) throw new CidrSyntaxError(`"${address}" is not an IPv4 address`);
  if (bits > 32) throw new CidrSyntaxError(`"${block}": an IPv4 prefix is at most 32 bits`);
  const size = 2 ** (32 - bits);
  const low = Math.floor(ip / size) * size;
  const high = low + size - 1;
  return (s) => {
    const v = parseIPv4(s);
    return v >= low && v <= high;
  };
}
