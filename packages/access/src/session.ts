import { randomToken, tokenDigest } from "./tokens";

/** A session as stored: keyed by the token's digest, never the token itself. */
export interface StoredSession {
  digest: string;
  userId: string;
  createdAt: Date;
  /** Hard end, whatever the activity: one duty shift. */
  expiresAt: Date;
  lastSeenAt: Date;
  /** Where it started, for the audit trail; never used to decide anything. */
  ip: string | null;
  userAgent: string | null;
}

/** Where sessions live: memory for tests and the embedded mode, PostgreSQL in production. */
export interface SessionStore {
  create(session: StoredSession): Promise<void>;
  find(digest: string): Promise<StoredSession | null>;
  touch(digest: string, lastSeenAt: Date): Promise<void>;
  revoke(digest: string): Promise<void>;
  /** On password change or account disable: every device signs in again. Returns how many. */
  revokeAllOf(userId: string): Promise<number>;
  /** Removes sessions that ended before `now`. Returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export interface SessionPolicy {
  /** Absolute lifetime. Default 12 h: a duty shift, after which the officer signs in again. */
  maxAgeMs: number;
  /** Idle limit. Default 2 h: the console polls while open, so only an abandoned one idles. */
  idleMs: number;
  /**
   * Write `lastSeenAt` at most this often. Default 60 s: every request would otherwise be a
   * database write.
   */
  touchEveryMs: number;
}

export const DEFAULT_SESSION_POLICY: Readonly<SessionPolicy> = {
  maxAgeMs: 12 * 3600_000,
  idleMs: 2 * 3600_000,
  touchEveryMs: 60_000,
};

export interface StartSessionInput {
  userId: string;
  now: Date;
  ip?: string | null;
  userAgent?: string | null;
  policy?: SessionPolicy;
}

/** Creates a session; the token is returned once, for the cookie, and only its digest is stored. */
export async function startSession(
  store: SessionStore,
  input: StartSessionInput,
): Promise<{ token: string; session: StoredSession }> {
  const policy = input.policy ?? DEFAULT_SESSION_POLICY;
  const token = randomToken();
  const session: StoredSession = {
    digest: tokenDigest(token),
    userId: input.userId,
    createdAt: input.now,
    expiresAt: new Date(input.now.getTime() + policy.maxAgeMs),
    lastSeenAt: input.now,
    ip: input.ip?.slice(0, 100) ?? null,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
  };
  await store.create(session);
  return { token, session };
}

/** Pure: whether a stored session still counts at `now`. */
export function sessionAlive(
  session: StoredSession,
  now: Date,
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): boolean {
  const t = now.getTime();
  return (
    t < session.expiresAt.getTime() &&
    t - session.lastSeenAt.getTime() < policy.idleMs
  );
}

/** The session a presented token stands for, or null; refreshes its idle timer now and then. */
export async function resumeSession(
  store: SessionStore,
  token: string,
  now: Date,
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): Promise<StoredSession | null> {
  // Refuse absurd input before hashing: a cookie is at most a few hundred bytes.
  if (token.length < 20 || token.length > 200) return null;
  const digest = tokenDigest(token);
  const session = await store.find(digest);
  if (!session) return null;
  if (!sessionAlive(session, now, policy)) {
    await store.revoke(digest);
    return null;
  }
  if (now.getTime() - session.lastSeenAt.getTime() >= policy.touchEveryMs) {
    await store.touch(digest, now);
    return { ...session, lastSeenAt: now };
  }
  return session;
}

export async function endSession(
  store: SessionStore,
  token: string,
): Promise<void> {
  await store.revoke(tokenDigest(token));
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, StoredSession>();

  async create(session: StoredSession): Promise<void> {
    this.sessions.set(session.digest, { ...session });
  }
  async find(digest: string): Promise<StoredSession | null> {
    const s = this.sessions.get(digest);
    return s ? { ...s } : null;
  }
  async touch(digest: string, lastSeenAt: Date): Promise<void> {
    const s = this.sessions.get(digest);
    if (s) s.lastSeenAt = lastSeenAt;
  }
  async revoke(digest: string): Promise<void> {
    this.sessions.delete(digest);
  }
  async revokeAllOf(userId: string): Promise<number> {
    let n = 0;
    for (const [digest, s] of this.sessions) {
      if (s.userId === userId) {
        this.sessions.delete(digest);
        n++;
      }
    }
    return n;
  }
  async purgeExpired(now: Date): Promise<number> {
    let n = 0;
    for (const [digest, s] of this.sessions) {
      if (s.expiresAt.getTime() <= now.getTime()) {
        this.sessions.delete(digest);
        n++;
      }
    }
    return n;
  }
}
