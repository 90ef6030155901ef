import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 256 bits from the OS generator, URL-safe: unguessable, and fine in a cookie or a header. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/**
 * Tokens are stored only as their SHA-256: a leaked sessions or api_keys table then holds nothing
 * that signs anyone in. A fast hash is enough here because the token has 256 bits of entropy;
 * a password, which has little, needs scrypt.
 */
export function tokenDigest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
