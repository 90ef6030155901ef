import {
  needsReseal,
  openSecret,
  parseKeyring,
  sealSecret,
  SecretKeyring,
  SecretOpenError,
} from "./secret-box";

const key = (byte: number) => Buffer.alloc(32, byte);
const k1 = key(1).toString("base64");
const k2 = key(2).toString("base64");
const CONTEXT = "robot:42:webhook_secret";

describe("secrets at rest (AES-256-GCM)", () => {
  it.each([
    ["ascii", "SEC1234567890abcdef"],
    ["chinese", "钉钉机器人密钥"],
    ["empty", ""],
    ["long", "x".repeat(10_000)],
  ])("seals and opens a %s secret", (_name, plaintext) => {
    const ring = parseKeyring(`k1:${k1}`);
    const sealed = sealSecret(ring, plaintext, CONTEXT);
    expect(sealed.startsWith("enc:v1:k1:")).toBe(true);
    if (plaintext) expect(sealed).not.toContain(plaintext);
    expect(openSecret(ring, sealed, CONTEXT)).toBe(plaintext);
  });

  it("uses a fresh nonce each time", () => {
    const ring = parseKeyring(`k1:${k1}`);
    expect(sealSecret(ring, "same", CONTEXT)).not.toBe(
      sealSecret(ring, "same", CONTEXT),
    );
  });

  it("rotates: the new key seals, the old one still opens, and old rows are flagged for re-sealing", () => {
    const old = parseKeyring(`k1:${k1}`);
    const sealedOld = sealSecret(old, "secret", CONTEXT);
    const rotated = parseKeyring(`k2:${k2},k1:${k1}`);
    expect(openSecret(rotated, sealedOld, CONTEXT)).toBe("secret");
    expect(needsReseal(rotated, sealedOld)).toBe(true);
    const sealedNew = sealSecret(rotated, "secret", CONTEXT);
    expect(sealedNew.startsWith("enc:v1:k2:")).toBe(true);
    expect(needsReseal(rotated, sealedNew)).toBe(false);
  });

  const ring = parseKeyring(`k1:${k1}`);
  const sealed = sealSecret(ring, "secret", CONTEXT);
  const [prefix, v, id, iv, ct, tag] = sealed.split(":") as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
  it.each([
    ["another row’s context", sealed, "robot:43:webhook_secret"],
    [
      "a flipped ciphertext",
      [prefix, v, id, iv, flip(ct), tag].join(":"),
      CONTEXT,
    ],
    ["a flipped tag", [prefix, v, id, iv, ct, flip(tag)].join(":"), CONTEXT],
    ["a flipped nonce", [prefix, v, id, flip(iv), ct, tag].join(":"), CONTEXT],
    [
      "a truncated tag",
      [prefix, v, id, iv, ct, tag.slice(0, 10)].join(":"),
      CONTEXT,
    ],
    ["an unknown key id", [prefix, v, "k9", iv, ct, tag].join(":"), CONTEXT],
    ["plaintext", "secret", CONTEXT],
    ["missing parts", `enc:v1:k1:${iv}`, CONTEXT],
  ])("refuses to open with %s", (_name, text, context) => {
    expect(() => openSecret(ring, text, context)).toThrow(SecretOpenError);
  });

  it("refuses to open under a different key with the same id", () => {
    expect(() => openSecret(parseKeyring(`k1:${k2}`), sealed, CONTEXT)).toThrow(
      SecretOpenError,
    );
  });

  it.each([
    ["empty", ""],
    ["no id", k1],
    ["a short key", `k1:${Buffer.alloc(16).toString("base64")}`],
    ["a bad id", `k 1:${k1}`],
    ["a duplicate id", `k1:${k1},k1:${k2}`],
  ])(
    "rejects a keyring that is %s, without printing key material",
    (_name, value) => {
      let message = "";
      try {
        parseKeyring(value);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).not.toBe("");
      expect(message).not.toContain(k1);
      expect(message).not.toContain(k2);
    },
  );

  it("the keyring names its active key", () => {
    expect(
      new SecretKeyring([
        { id: "a", key: key(3) },
        { id: "b", key: key(4) },
      ]).active.id,
    ).toBe("a");
  });
});
