import {
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  needsRehash,
  parsePasswordHash,
  verifyPassword,
  type ScryptParams,
} from "./password";

// Tables run on a cheap cost so the file stays fast; one test proves the production default.
const CHEAP: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };

describe("password hashing (scrypt)", () => {
  it("uses OWASP’s scrypt parameters by default and verifies with them", async () => {
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ N: 131072, r: 8, p: 1 });
    const stored = await hashPassword("值班密码-2026");
    expect(stored).toMatch(
      /^scrypt\$N=131072,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/,
    );
    await expect(verifyPassword("值班密码-2026", stored)).resolves.toBe(true);
    await expect(verifyPassword("值班密码-2027", stored)).resolves.toBe(false);
    // Three 128 MiB hashes: allow for a loaded 2-core machine running other test files.
  }, 30_000);

  it.each([
    ["ascii", "correct horse battery staple"],
    ["chinese", "陇南市政府新闻办"],
    ["emoji and spaces", " 🔒 pass word "],
    ["long", "x".repeat(1024)],
  ])("round-trips a %s password", async (_name, password) => {
    const stored = await hashPassword(password, CHEAP);
    await expect(verifyPassword(password, stored)).resolves.toBe(true);
  });

  it.each([
    ["a different password", "secret-1", "secret-2"],
    ["a prefix", "secret-1", "secret-"],
    ["case changed", "Secret", "secret"],
    ["trailing space", "secret", "secret "],
    ["empty", "secret", ""],
    ["too long", "secret", "x".repeat(1025)],
  ])("refuses %s", async (_name, password, attempt) => {
    const stored = await hashPassword(password, CHEAP);
    await expect(verifyPassword(attempt, stored)).resolves.toBe(false);
  });

  it("salts: the same password hashes differently each time", async () => {
    const [a, b] = await Promise.all([
      hashPassword("same", CHEAP),
      hashPassword("same", CHEAP),
    ]);
    expect(a).not.toEqual(b);
  });

  it("treats NFC and NFD spellings of the same text as one password", async () => {
    const stored = await hashPassword("caf\u00e9", CHEAP);
    await expect(verifyPassword("cafe\u0301", stored)).resolves.toBe(true);
  });

  it.each([
    ["empty", ""],
    ["another scheme", "$2b$10$abcdefghijklmnopqrstuv"],
    [
      "N not a power of two",
      "scrypt$N=1000,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
    [
      "N absurdly large",
      "scrypt$N=1073741824,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
    ["short key", "scrypt$N=1024,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA"],
    [
      "short salt",
      "scrypt$N=1024,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
  ])(
    "a malformed stored hash (%s) parses as null and verifies as false",
    async (_name, stored) => {
      expect(parsePasswordHash(stored)).toBeNull();
      await expect(verifyPassword("anything", stored)).resolves.toBe(false);
    },
  );

  it.each([
    [{ N: 2 ** 10, r: 8, p: 1 }, true],
    [{ N: 2 ** 17, r: 8, p: 1 }, false],
    [{ N: 2 ** 17, r: 4, p: 1 }, true],
  ])("needsRehash for %o against the default: %s", async (params, expected) => {
    const fake = `scrypt$N=${params.N},r=${params.r},p=${params.p}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    expect(needsRehash(fake)).toBe(expected);
  });

  it.each([
    ["empty", ""],
    ["too long", "x".repeat(1025)],
  ])("refuses to hash an %s password", async (_name, password) => {
    await expect(hashPassword(password, CHEAP)).rejects.toThrow();
  });
});
