import type { Principal } from "./roles";
import { digestsEqual, randomToken, tokenDigest } from "./tokens";

/**
 * Machine credentials (pollers, bridges, the bench). The key reads `hy_<id>_<secret>`: the id
 * finds the row without scanning, the secret is checked against its stored digest. The key is
 * shown once, at issue; only the digest is kept.
 */
export interface StoredApiKey {
  id: string;
  digest: string;
  name: string;
  principal: Principal;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface ApiKeyStore {
  create(key: StoredApiKey): Promise<void>;
  find(id: string): Promise<StoredApiKey | null>;
  revoke(id: string, at: Date): Promise<void>;
}

const KEY_FORMAT = /^hy_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export function issueApiKey(
  name: string,
  principal: Principal,
  now: Date,
): { key: string; stored: StoredApiKey } {
  // Alphanumeric id so that `_` separates unambiguously.
  const id = randomToken(24)
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, 16)
    .padEnd(16, "0");
  const secret = randomToken(32);
  return {
    key: `hy_${id}_${secret}`,
    stored: {
      id,
      digest: tokenDigest(secret),
      name,
      principal,
      createdAt: now,
      revokedAt: null,
    },
  };
}

export function parseApiKey(
  key: string,
): { id: string; secret: string } | null {
  const m = KEY_FORMAT.exec(key);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

/** The principal a presented key stands for, or null (malformed, unknown, revoked, wrong secret). */
export async function authenticateApiKey(
  store: ApiKeyStore,
  presented: string,
): Promise<Principal | null> {
  const parsed = parseApiKey(presented);
  if (!parsed) return null;
  const stored = await store.find(parsed.id);
  if (!stored || stored.revokedAt !== null) return null;
  return digestsEqual(tokenDigest(parsed.secret), stored.digest)
    ? stored.principal
    : null;
}

export class MemoryApiKeyStore implements ApiKeyStore {
  private readonly keys = new Map<string, StoredApiKey>();
  async create(key: StoredApiKey): Promise<void> {
    this.keys.set(key.id, { ...key });
  }
  async find(id: string): Promise<StoredApiKey | null> {
    const k = this.keys.get(id);
    return k ? { ...k } : null;
  }
  async revoke(id: string, at: Date): Promise<void> {
    const k = this.keys.get(id);
    if (k) k.revokedAt = at;
  }
}
