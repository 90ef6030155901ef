/**
 * IP address parsing as the network stack does it, not as a regex would: `0177.0.0.1`,
 * `0x7f.1`, `2130706433` and `127.1` are all 127.0.0.1 to inet_aton, and `::ffff:127.0.0.1` is
 * loopback too. The SSRF guard classifies the bytes, never the spelling.
 */

/** IPv4 in the loose inet_aton forms: 1-4 parts, each decimal, octal (leading 0) or hex (0x). */
export function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length < 1 || parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(part))
      n = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) n = parseInt(part, 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) n = Number(part);
    else return null;
    if (!Number.isSafeInteger(n)) return null;
    values.push(n);
  }
  // The last part fills every byte the earlier ones left: a.b.c.d, a.b.(16 bits), a.(24 bits), (32 bits).
  const head = values.slice(0, -1);
  const last = values[values.length - 1]!;
  if (head.some((v) => v > 255)) return null;
  const lastBytes = 4 - head.length;
  if (last >= 2 ** (8 * lastBytes)) return null;
  const bytes = new Uint8Array(4);
  head.forEach((v, i) => (bytes[i] = v));
  for (let i = 0; i < lastBytes; i++)
    bytes[3 - i] = Math.floor(last / 2 ** (8 * i)) % 256;
  return bytes;
}

/** IPv6, with `::`, an embedded dotted IPv4 tail and an optional zone (`%eth0`, dropped). */
export function parseIpv6(text: string): Uint8Array | null {
  let t = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = t.indexOf("%");
  if (zone >= 0) t = t.slice(0, zone);
  if (!/^[0-9a-f:.]+$/i.test(t) || !t.includes(":")) return null;
  const lastColon = t.lastIndexOf(":");
  const v4 = t.slice(lastColon + 1);
  if (v4.includes(".")) {
    // Only strict dotted quads are allowed inside IPv6; rewritten as the two groups they are.
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(v4)) return null;
    const b = v4.split(".").map(Number);
    if (b.some((x) => x > 255)) return null;
    t = `${t.slice(0, lastColon + 1)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = t.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (s: string): number[] | null => {
    if (s === "") return [];
    const gs = s.split(":");
    const out: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!left || !right) return null;
  const want = 8;
  let groups: number[];
  if (halves.length === 2) {
    const fill = want - left.length - right.length;
    if (fill < 1) return null;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    if (left.length !== want) return null;
    groups = left;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

export function parseIp(text: string): Uint8Array | null {
  return text.includes(":") ? parseIpv6(text) : parseIpv4(text);
}

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(":");
}

/** A CIDR block: `10.0.0.0/8`, `fc00::/7`, or a single address. */
export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
}

export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  const addr = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!addr) return null;
  const max = addr.length * 8;
  const prefix = slash >= 0 ? Number(text.slice(slash + 1)) : max;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { bytes: addr, prefix };
}

export function inCidr(addr: Uint8Array, cidr: Cidr): boolean {
  if (addr.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i]! & mask) !== (cidr.bytes[i]! & mask)) return false;
  }
  return true;
}
