import type { Queryable } from "@huiying/store";
import type { ApiKeyStore, StoredApiKey } from "./api-key";
import { isRole, type Principal, type Role } from "./roles";
import type { SessionStore, StoredSession } from "./session";

/** Both database adapters may return timestamps as Date or string. */
const toDate = (v: unknown): Date =>
  v instanceof Date ? v : new Date(String(v));
const roleList = (v: unknown): Role[] =>
  Array.isArray(v)
    ? v.filter((r): r is Role => typeof r === "string" && isRole(r))
    : [];
const textList = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : [];

interface SessionRow {
  digest: string;
  user_id: string;
  created_at: unknown;
  expires_at: unknown;
  last_seen_at: unknown;
  ip: string | null;
  user_agent: string | null;
}

/** Sessions in the `sessions` table (migration 0003_access.sql in packages/store). */
export class PostgresSessionStore implements SessionStore {
  constructor(private readonly db: Queryable) {}

  async create(s: StoredSession): Promise<void> {
    await this.db.query(
      `INSERT INTO sessions (digest, user_id, created_at, expires_at, last_seen_at, ip, user_agent) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [
        s.digest,
        s.userId,
        s.createdAt.toISOString(),
        s.expiresAt.toISOString(),
        s.lastSeenAt.toISOString(),
        s.ip,
        s.userAgent,
      ],
    );
  }
  async find(digest: string): Promise<StoredSession | null> {
    const { rows } = await this.db.query<SessionRow>(
      `SELECT * FROM sessions WHERE digest = $1`,
      [digest],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      digest: r.digest,
      userId: r.user_id,
      createdAt: toDate(r.created_at),
      expiresAt: toDate(r.expires_at),
      lastSeenAt: toDate(r.last_seen_at),
      ip: r.ip,
      userAgent: r.user_agent,
    };
  }
  async touch(digest: string, lastSeenAt: Date): Promise<void> {
    // GREATEST: two requests racing must not move the idle timer backwards.
    await this.db.query(
      `UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $2) WHERE digest = $1`,
      [digest, lastSeenAt.toISOString()],
    );
  }
  async revoke(digest: string): Promise<void> {
    await this.db.query(`DELETE FROM sessions WHERE digest = $1`, [digest]);
  }
  async revokeAllOf(userId: string): Promise<number> {
    return (
      await this.db.query(`DELETE FROM sessions WHERE user_id = $1`, [userId])
    ).rowCount;
  }
  async purgeExpired(now: Date): Promise<number> {
    return (
      await this.db.query(`DELETE FROM sessions WHERE expires_at <= $1`, [
        now.toISOString(),
      ])
    ).rowCount;
  }
}

/** Machine keys in the `api_keys` table. */
export class PostgresApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: Queryable) {}

  async create(k: StoredApiKey): Promise<void> {
    await this.db.query(
      `INSERT INTO api_keys (id, digest, name, principal_id, roles, departments, created_at, revoked_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [
        k.id,
        k.digest,
        k.name,
        k.principal.id,
        [...k.principal.roles],
        [...k.principal.departments],
        k.createdAt.toISOString(),
        k.revokedAt?.toISOString() ?? null,
      ],
    );
  }
  async find(id: string): Promise<StoredApiKey | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM api_keys WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: String(r.id),
      digest: String(r.digest),
      name: String(r.name),
      principal: {
        id: String(r.principal_id),
        roles: roleList(r.roles),
        departments: textList(r.departments),
        active: r.revoked_at === null,
      },
      createdAt: toDate(r.created_at),
      revokedAt: r.revoked_at === null ? null : toDate(r.revoked_at),
    };
  }
  async revoke(id: string, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`,
      [id, at.toISOString()],
    );
  }
}

export interface UserRecord extends Principal {
  username: string;
  displayName: string;
  passwordHash: string;
}

/** Users in the `users` table: what login and every request's principal are read from. */
export class PostgresUserDirectory {
  constructor(private readonly db: Queryable) {}

  async create(u: UserRecord, now: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO users (id, username, display_name, password_hash, roles, departments, active, created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)`,
      [
        u.id,
        u.username,
        u.displayName,
        u.passwordHash,
        [...u.roles],
        [...u.departments],
        u.active,
        now.toISOString(),
      ],
    );
  }
  async findByUsername(username: string): Promise<UserRecord | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM users WHERE lower(username) = lower($1)`,
      [username],
    );
    return rows[0] ? userOf(rows[0]) : null;
  }
  async findById(id: string): Promise<UserRecord | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM users WHERE id = $1`,
      [id],
    );
    return rows[0] ? userOf(rows[0]) : null;
  }
  async setPasswordHash(
    id: string,
    passwordHash: string,
    now: Date,
  ): Promise<void> {
    await this.db.query(
      `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`,
      [id, passwordHash, now.toISOString()],
    );
  }
}

function userOf(r: Record<string, unknown>): UserRecord {
  return {
    id: String(r.id),
    username: String(r.username),
    displayName: String(r.display_name),
    passwordHash: String(r.password_hash),
    roles: roleList(r.roles),
    departments: textList(r.departments),
    active: r.active === true,
  };
}
