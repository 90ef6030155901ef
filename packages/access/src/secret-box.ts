import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Robot and webhook secrets encrypted at rest with AES-256-GCM. Each ciphertext names the key it
 * was sealed with, so keys rotate without a big-bang migration: put the new key first (it seals),
 * keep the old ones after it (they still open), re-seal rows at leisure with `needsReseal`.
 *
 * Sealed form: `enc:v1:<keyId>:<iv>:<ciphertext>:<tag>` (base64url parts). The caller's `context`
 * (e.g. `robot:42:webhook_secret`) is bound in as additional data, so a ciphertext copied into
 * another row or column fails to open instead of leaking there.
 */
export interface SecretKey {
  id: string;
  key: Buffer;
}

export class SecretKeyring {
  private readonly byId: ReadonlyMap<string, Buffer>;
  readonly active: SecretKey;

  constructor(keys: readonly SecretKey[]) {
    const first = keys[0];
    if (!first)
      throw new Error("access: the secret keyring needs at least one key");
    const byId = new Map<string, Buffer>();
    for (const k of keys) {
      if (!KEY_ID.test(k.id))
        throw new Error(
          `access: secret key id ${JSON.stringify(k.id)} must be 1-32 letters, digits, - or _`,
        );
      if (k.key.length !== 32)
        throw new Error(
          `access: secret key ${k.id} must be 32 bytes (AES-256), got ${k.key.length}`,
        );
      if (byId.has(k.id))
        throw new Error(`access: secret key id ${k.id} appears twice`);
      byId.set(k.id, k.key);
    }
    this.byId = byId;
    this.active = first;
  }

  keyFor(id: string): Buffer | undefined {
    return this.byId.get(id);
  }
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Parses `HUIYING_SECRET_KEYS`: `id:base64key[,id:base64key…]`, the first one sealing. Errors name
 * the key id but never print key material.
 */
export function parseKeyring(value: string): SecretKeyring {
  const keys = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const colon = entry.indexOf(":");
      if (colon <= 0)
        throw new Error(
          `access: HUIYING_SECRET_KEYS entry ${i + 1} must be id:base64key`,
        );
      const id = entry.slice(0, colon);
      const key = Buffer.from(entry.slice(colon + 1), "base64");
      return { id, key };
    });
  return new SecretKeyring(keys);
}

export class SecretOpenError extends Error {
  override readonly name = "SecretOpenError";
}

const PREFIX = "enc:v1:";

export function sealSecret(
  keyring: SecretKeyring,
  plaintext: string,
  context: string,
): string {
  const { id, key } = keyring.active;
  // 96-bit random nonce: GCM's safe size; collisions stay negligible far beyond our row counts.
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(`v1:${id}:${context}`, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `${PREFIX}${id}:${iv.toString("base64url")}:${ct.toString("base64url")}:${tag.toString("base64url")}`;
}

export function openSecret(
  keyring: SecretKeyring,
  sealed: string,
  context: string,
): string {
  if (!sealed.startsWith(PREFIX))
    throw new SecretOpenError("not a sealed secret");
  const parts = sealed.slice(PREFIX.length).split(":");
  if (parts.length !== 4) throw new SecretOpenError("malformed sealed secret");
  const [id, ivText, ctText, tagText] = parts as [
    string,
    string,
    string,
    string,
  ];
  const key = keyring.keyFor(id);
  if (!key) throw new SecretOpenError(`sealed with unknown key ${id}`);
  const iv = Buffer.from(ivText, "base64url");
  const tag = Buffer.from(tagText, "base64url");
  if (iv.length !== 12 || tag.length !== 16)
    throw new SecretOpenError("malformed sealed secret");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(`v1:${id}:${context}`, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(Buffer.from(ctText, "base64url")),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw new SecretOpenError(
      `sealed secret failed authentication (key ${id})`,
    );
  }
}

/** True when the secret was sealed with a key other than the active one: re-seal it. */
export function needsReseal(keyring: SecretKeyring, sealed: string): boolean {
  const id = sealed.startsWith(PREFIX)
    ? sealed.slice(PREFIX.length).split(":")[0]
    : undefined;
  return id !== keyring.active.id;
}
