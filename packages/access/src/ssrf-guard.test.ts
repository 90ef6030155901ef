import { formatIp, parseIpv4, parseIpv6 } from "./ip-address";
import {
  addressAllowed,
  checkSourceUrl,
  parseAllowList,
  type Resolve,
} from "./ssrf-guard";

/** A resolver from a table: the guard's DNS is a parameter, so no network is touched. */
const table =
  (entries: Record<string, string[]>): Resolve =>
  async (host) => {
    const found = entries[host];
    if (!found) throw new Error("ENOTFOUND");
    return found;
  };

describe("IP parsing in the forms the network stack accepts", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0x7f.0.0.1", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["017700000001", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["127.0.1", "127.0.0.1"],
    ["169.254.43518", "169.254.169.254"],
    ["0xa9fea9fe", "169.254.169.254"],
    ["0", "0.0.0.0"],
  ])("parseIpv4(%s) = %s", (text, expected) => {
    expect(formatIp(parseIpv4(text)!)).toBe(expected);
  });

  it.each([
    "256.0.0.1",
    "1.2.3.4.5",
    "08.0.0.1",
    "abc",
    "",
    "1..2",
    "4294967296",
    "127.0.0.0x1g",
  ])("parseIpv4(%j) is null", (text) => {
    expect(parseIpv4(text)).toBeNull();
  });

  it.each([
    ["::1", "0:0:0:0:0:0:0:1"],
    ["::", "0:0:0:0:0:0:0:0"],
    ["::ffff:127.0.0.1", "0:0:0:0:0:ffff:7f00:1"],
    ["::ffff:7f00:1", "0:0:0:0:0:ffff:7f00:1"],
    ["[fe80::1%eth0]", "fe80:0:0:0:0:0:0:1"],
    ["2001:db8::8:800:200c:417a", "2001:db8:0:0:8:800:200c:417a"],
    ["64:ff9b::10.0.0.1", "64:ff9b:0:0:0:0:a00:1"],
  ])("parseIpv6(%s) = %s", (text, expected) => {
    expect(formatIp(parseIpv6(text)!)).toBe(expected);
  });

  it.each([
    "1:2:3:4:5:6:7:8:9",
    ":::1",
    "1::2::3",
    "g::1",
    "::ffff:1.2.3",
    "::ffff:1.2.3.256",
    "12345::",
  ])("parseIpv6(%j) is null", (text) => {
    expect(parseIpv6(text)).toBeNull();
  });
});

describe("addresses the pollers must not reach", () => {
  it.each([
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.255",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "198.18.0.1",
    "192.0.2.1",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "fec0::1",
    "64:ff9b::7f00:1",
    "2002:7f00:1::",
    "2002:c0a8:101::1",
    "2001:db8::1",
    "0177.0.0.1",
    "2130706433",
    "0xa9fea9fe",
    "127.1",
  ])("%s is refused", (address) => {
    expect(addressAllowed(address).ok).toBe(false);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "100.128.0.1",
    "172.32.0.1",
    "192.169.0.1",
    "223.5.5.5",
    "2400:3200::1",
    "::ffff:8.8.8.8",
    "2002:808:808::1",
    "64:ff9b::808:808",
  ])("%s is allowed", (address) => {
    expect(addressAllowed(address)).toEqual({ ok: true });
  });

  it.each([
    ["10.20.0.0/16", "10.20.3.4", true],
    ["10.20.0.0/16", "10.21.0.1", false],
    ["fd00::/8", "fd00::5", true],
    ["192.168.1.10", "192.168.1.10", true],
    ["192.168.1.10", "192.168.1.11", false],
  ])("allow-list %s lets %s through: %s", (entry, address, ok) => {
    expect(addressAllowed(address, parseAllowList([entry])).ok).toBe(ok);
  });

  it.each(["not a host!", "10.0.0.0/33"])(
    "rejects the allow-list entry %j",
    (entry) => {
      expect(() => parseAllowList([entry])).toThrow();
    },
  );
});

describe("checkSourceUrl", () => {
  const resolve = table({
    "news.example.cn": ["203.119.1.1"],
    "rebind.example.cn": ["203.119.1.1", "127.0.0.1"],
    "metadata.example.cn": ["169.254.169.254"],
    "v6only.example.cn": ["::1"],
    "intranet.gov.cn": ["10.20.1.5"],
    localhost: ["127.0.0.1"],
  });

  it.each([
    ["http://127.0.0.1/feed", "loopback"],
    ["http://0177.0.0.1/", "loopback"],
    ["http://2130706433/", "loopback"],
    ["http://0x7f.1/", "loopback"],
    ["http://[::1]:8080/", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "loopback"],
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://metadata.example.cn/", "link-local"],
    ["http://rebind.example.cn/", "loopback"],
    ["http://v6only.example.cn/", "loopback"],
    ["http://localhost:5432/", "loopback"],
    ["http://intranet.gov.cn/rss", "private"],
    ["http://100.64.1.1/", "carrier-grade NAT"],
    ["http://[fe80::1]/", "link-local"],
    ["file:///etc/passwd", "scheme"],
    ["gopher://news.example.cn/", "scheme"],
    ["http://user:pw@news.example.cn/", "credentials"],
    ["http://unknown.example.cn/", "cannot resolve"],
    ["not a url", "not a URL"],
  ])("refuses %s (%s)", async (url, reason) => {
    const result = await checkSourceUrl(url, { resolve });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it.each([
    ["https://news.example.cn/rss.xml", [], ["203.119.1.1"]],
    ["http://8.8.8.8/", [], ["8.8.8.8"]],
    ["http://intranet.gov.cn/rss", ["intranet.gov.cn"], ["10.20.1.5"]],
    ["http://intranet.gov.cn/rss", ["10.20.0.0/16"], ["10.20.1.5"]],
    ["http://10.20.1.5/rss", ["10.20.0.0/16"], ["10.20.1.5"]],
  ])("allows %s with allow-list %j", async (url, allow, addresses) => {
    const result = await checkSourceUrl(url, {
      resolve,
      allow: parseAllowList(allow),
    });
    expect(result).toMatchObject({ ok: true, addresses });
  });
});
