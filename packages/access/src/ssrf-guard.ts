import { lookup as dnsLookup } from "node:dns";
import { formatIp, inCidr, parseCidr, parseIp, type Cidr } from "./ip-address";

/**
 * Source URLs are typed in by admins and fetched by the pollers from inside the office network:
 * without this guard a source could read the cloud metadata service (169.254.169.254), the
 * database or an intranet page. Every address a URL resolves to must be public, unless an admin
 * allow-listed that block or host name.
 */
const BLOCKED_V4: readonly [string, string][] = [
  ["0.0.0.0/8", "this network"],
  ["10.0.0.0/8", "private"],
  ["100.64.0.0/10", "carrier-grade NAT"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local"],
  ["172.16.0.0/12", "private"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["192.0.2.0/24", "documentation"],
  ["192.88.99.0/24", "6to4 relay"],
  ["192.168.0.0/16", "private"],
  ["198.18.0.0/15", "benchmarking"],
  ["198.51.100.0/24", "documentation"],
  ["203.0.113.0/24", "documentation"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
];
const BLOCKED_V6: readonly [string, string][] = [
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["100::/64", "discard"],
  ["2001:db8::/32", "documentation"],
  ["2001::/32", "Teredo"],
  ["fc00::/7", "unique local (private)"],
  ["fe80::/10", "link-local"],
  ["fec0::/10", "site-local"],
  ["ff00::/8", "multicast"],
];
/** IPv6 blocks that carry an IPv4 address: judged by the IPv4 address inside. */
const EMBEDDING_V6: readonly { cidr: string; offset: number }[] = [
  { cidr: "::ffff:0:0/96", offset: 12 }, // IPv4-mapped
  { cidr: "::/96", offset: 12 }, // IPv4-compatible (deprecated, still routed by some stacks)
  { cidr: "64:ff9b::/96", offset: 12 }, // NAT64
  { cidr: "64:ff9b:1::/48", offset: 12 }, // local-use NAT64
  { cidr: "2002::/16", offset: 2 }, // 6to4
];

const compile = (table: readonly [string, string][]) =>
  table.map(([c, why]) => ({ cidr: parseCidr(c)!, why }));
const V4 = compile(BLOCKED_V4);
const V6 = compile(BLOCKED_V6);
const EMBEDDING = EMBEDDING_V6.map((e) => ({
  cidr: parseCidr(e.cidr)!,
  offset: e.offset,
}));

/** Why an address must not be fetched, or null when it is a public unicast address. */
export function blockedReason(addr: Uint8Array): string | null {
  if (addr.length === 4)
    return V4.find((b) => inCidr(addr, b.cidr))?.why ?? null;
  // IPv6 blocks first, so `::1` reads as loopback rather than as 0.0.0.1 inside ::/96.
  const own = V6.find((b) => inCidr(addr, b.cidr))?.why;
  if (own) return own;
  for (const e of EMBEDDING) {
    if (inCidr(addr, e.cidr)) {
      const inner = blockedReason(addr.slice(e.offset, e.offset + 4));
      if (inner) return `${inner} (IPv4 inside IPv6)`;
    }
  }
  return null;
}

/** What an admin allowed: CIDR blocks (`10.20.0.0/16`) and exact host names (`intranet.gov.cn`). */
export interface SsrfAllowList {
  cidrs: Cidr[];
  hosts: Set<string>;
}

export function parseAllowList(entries: readonly string[]): SsrfAllowList {
  const cidrs: Cidr[] = [];
  const hosts = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const cidr =
      entry.includes("/") || parseIp(entry) ? parseCidr(entry) : null;
    if (cidr) cidrs.push(cidr);
    else if (/^[a-z0-9.-]+$/.test(entry)) hosts.add(entry.replace(/\.$/, ""));
    else
      throw new Error(
        `access: allow-list entry ${JSON.stringify(raw)} is neither a CIDR block nor a host name`,
      );
  }
  return { cidrs, hosts };
}

export const EMPTY_ALLOW_LIST: SsrfAllowList = { cidrs: [], hosts: new Set() };

export function addressAllowed(
  address: string,
  allow: SsrfAllowList = EMPTY_ALLOW_LIST,
): { ok: true } | { ok: false; reason: string } {
  const bytes = parseIp(address);
  if (!bytes) return { ok: false, reason: `not an IP address: ${address}` };
  const why = blockedReason(bytes);
  if (why === null || allow.cidrs.some((c) => inCidr(bytes, c)))
    return { ok: true };
  return { ok: false, reason: `${formatIp(bytes)} is ${why}` };
}

/** Resolves a host name to all its addresses. Injected so tests need no DNS. */
export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses.map((a) => a.address)),
    ),
  );

export type UrlCheck =
  { ok: true; url: URL; addresses: string[] } | { ok: false; reason: string };

/**
 * Whether a source URL may be fetched. Checks every resolved address: one private address among
 * public ones is enough to refuse, since the fetcher may pick any of them. The answer holds only
 * at check time: fetch through `guardedLookup` too, or DNS rebinding walks around it.
 */
export async function checkSourceUrl(
  input: string,
  options: { allow?: SsrfAllowList; resolve?: Resolve } = {},
): Promise<UrlCheck> {
  const allow = options.allow ?? EMPTY_ALLOW_LIST;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: "not a URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { ok: false, reason: `scheme ${url.protocol} is not fetched` };
  if (url.username || url.password)
    return { ok: false, reason: "credentials in the URL are not accepted" };
  // WHATWG URL already turns 0177.0.0.1 and 2130706433 into 127.0.0.1; parse again anyway so a
  // host string that reaches us another way gets the same treatment.
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  if (!host) return { ok: false, reason: "no host" };
  const literal = parseIp(host);
  if (literal) {
    const verdict = addressAllowed(host, allow);
    return verdict.ok
      ? { ok: true, url, addresses: [formatIp(literal)] }
      : verdict;
  }
  if (host === "localhost" || host.endsWith(".localhost")) {
    if (!allow.hosts.has(host))
      return { ok: false, reason: `${host} is loopback` };
  }
  let addresses: string[];
  try {
    addresses = await (options.resolve ?? systemResolve)(host);
  } catch (err) {
    return {
      ok: false,
      reason: `cannot resolve ${host}: ${(err as Error).message}`,
    };
  }
  if (addresses.length === 0)
    return { ok: false, reason: `${host} has no address` };
  if (allow.hosts.has(host)) return { ok: true, url, addresses };
  for (const a of addresses) {
    const verdict = addressAllowed(a, allow);
    if (!verdict.ok)
      return { ok: false, reason: `${host} resolves to ${verdict.reason}` };
  }
  return { ok: true, url, addresses };
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.Agent` / `net.connect` that refuses blocked addresses at connect time, so
 * a host that resolved to a public address at check time and to 127.0.0.1 now (DNS rebinding)
 * still cannot be reached.
 */
export function guardedLookup(allow: SsrfAllowList = EMPTY_ALLOW_LIST) {
  return (
    hostname: string,
    options: { all?: boolean } | number | undefined,
    callback: LookupCallback,
  ): void => {
    const all =
      typeof options === "object" && options !== null && options.all === true;
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, all ? [] : "");
      const host = hostname.toLowerCase();
      if (!allow.hosts.has(host)) {
        for (const a of addresses) {
          const verdict = addressAllowed(a.address, allow);
          if (!verdict.ok) {
            const refused: NodeJS.ErrnoException = new Error(
              `ssrf guard: ${hostname} resolves to ${verdict.reason}`,
            );
            refused.code = "EHUIYING_SSRF";
            return callback(refused, all ? [] : "");
          }
        }
      }
      if (all) return callback(null, addresses);
      const first = addresses[0];
      return first
        ? callback(null, first.address, first.family)
        : callback(new Error(`no address for ${hostname}`), "");
    });
  };
}
