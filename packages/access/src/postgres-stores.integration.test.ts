import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openDatabase, type Db } from "@huiying/store";
import { authenticateApiKey, issueApiKey } from "./api-key";
import { hashPassword, verifyPassword } from "./password";
import {
  PostgresApiKeyStore,
  PostgresSessionStore,
  PostgresUserDirectory,
} from "./postgres-stores";
import { resumeSession, startSession } from "./session";
import { tokenDigest } from "./tokens";

const DATABASE_URL =
  process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const T0 = new Date("2026-05-12T02:00:00Z");
const H = 3600_000;

describe("access stores on PostgreSQL", () => {
  let db: Db;
  const schema = `test_access_${randomUUID().replace(/-/g, "").slice(0, 16)}`;

  beforeAll(async () => {
    db = await openDatabase({ url: DATABASE_URL, schema, maxConnections: 2 });
    await db.exec(
      readFileSync(join(__dirname, "../../store/migrations/0003_access.sql"), "utf8"),
    );
    const users = new PostgresUserDirectory(db);
    await users.create(
      {
        id: "u1",
        username: "WangFang",
        displayName: "王芳",
        passwordHash: await hashPassword("pw-1", { N: 1024, r: 8, p: 1 }),
        roles: ["spokesperson"],
        departments: ["市安监局"],
        active: true,
      },
      T0,
    );
  });
  afterAll(async () => {
    await db.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.close();
  });

  it("finds a user by name case-insensitively, with roles and departments", async () => {
    const users = new PostgresUserDirectory(db);
    const u = await users.findByUsername("wangfang");
    expect(u).toMatchObject({
      id: "u1",
      displayName: "王芳",
      roles: ["spokesperson"],
      departments: ["市安监局"],
      active: true,
    });
    await expect(verifyPassword("pw-1", u!.passwordHash)).resolves.toBe(true);
    await expect(users.findByUsername("nobody")).resolves.toBeNull();
  });

  it("refuses a second user with the same name in another case", async () => {
    const users = new PostgresUserDirectory(db);
    await expect(
      users.create(
        {
          id: "u2",
          username: "wangfang",
          displayName: "x",
          passwordHash: "x",
          roles: [],
          departments: [],
          active: true,
        },
        T0,
      ),
    ).rejects.toMatchObject({ code: "23505" });
  });

  it("keeps sessions by digest, touches, revokes and purges them", async () => {
    const store = new PostgresSessionStore(db);
    const { token, session } = await startSession(store, {
      userId: "u1",
      now: T0,
      ip: "127.0.0.1",
      userAgent: "jest",
    });
    const { rows } = await db.query<{ digest: string }>(
      `SELECT digest FROM sessions`,
    );
    expect(rows.map((r) => r.digest)).toEqual([tokenDigest(token)]);
    expect(await store.find(session.digest)).toEqual(session);
    const resumed = await resumeSession(
      store,
      token,
      new Date(T0.getTime() + 5 * 60_000),
    );
    expect(resumed?.lastSeenAt).toEqual(new Date(T0.getTime() + 5 * 60_000));
    // An older touch arriving late does not move the idle timer backwards.
    await store.touch(session.digest, T0);
    expect((await store.find(session.digest))?.lastSeenAt).toEqual(
      new Date(T0.getTime() + 5 * 60_000),
    );
    const other = await startSession(store, { userId: "u1", now: T0 });
    expect(await store.revokeAllOf("u1")).toBe(2);
    expect(await resumeSession(store, other.token, T0)).toBeNull();
    await startSession(store, { userId: "u1", now: T0 });
    expect(await store.purgeExpired(new Date(T0.getTime() + 13 * H))).toBe(1);
  });

  it("authenticates an API key from its digest and refuses it once revoked", async () => {
    const store = new PostgresApiKeyStore(db);
    const principal = {
      id: "machine:bench",
      roles: ["leader" as const],
      departments: ["*"],
      active: true,
    };
    const { key, stored } = issueApiKey("bench", principal, T0);
    await store.create(stored);
    await expect(authenticateApiKey(store, key)).resolves.toEqual(principal);
    await store.revoke(stored.id, T0);
    await expect(authenticateApiKey(store, key)).resolves.toBeNull();
  });
});
