import {
  authenticateApiKey,
  issueApiKey,
  MemoryApiKeyStore,
  parseApiKey,
} from "./api-key";
import type { Principal } from "./roles";
import {
  DEFAULT_SESSION_POLICY,
  endSession,
  MemorySessionStore,
  resumeSession,
  sessionAlive,
  startSession,
  type StoredSession,
} from "./session";
import { tokenDigest } from "./tokens";

const T0 = new Date("2026-05-12T02:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const H = 3600_000;

describe("sessions", () => {
  it("stores only the digest of the token it hands out", async () => {
    const store = new MemorySessionStore();
    const { token, session } = await startSession(store, {
      userId: "u1",
      now: T0,
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.digest).toBe(tokenDigest(token));
    expect(session.digest).not.toContain(token);
    expect(await store.find(token)).toBeNull();
  });

  it.each([
    ["just started", 0, 0, true],
    ["active, 11 h in", 11 * H, 11 * H - 60_000, true],
    ["idle for 2 h", 3 * H, 1 * H, false],
    ["idle just under 2 h", 3 * H, 1 * H + 1, true],
    ["past the 12 h shift, though active", 12 * H, 12 * H - 1000, false],
  ])("%s → alive=%s", (_name, nowOffset, lastSeenOffset, alive) => {
    const s: StoredSession = {
      digest: "d",
      userId: "u",
      createdAt: T0,
      expiresAt: at(12 * H),
      lastSeenAt: at(lastSeenOffset),
      ip: null,
      userAgent: null,
    };
    expect(sessionAlive(s, at(nowOffset))).toBe(alive);
  });

  it("resumes, touches at most once a minute, and forgets an expired session", async () => {
    const store = new MemorySessionStore();
    const { token } = await startSession(store, { userId: "u1", now: T0 });
    expect((await resumeSession(store, token, at(30_000)))?.lastSeenAt).toEqual(
      T0,
    );
    expect((await resumeSession(store, token, at(90_000)))?.lastSeenAt).toEqual(
      at(90_000),
    );
    expect(
      await resumeSession(store, token, at(DEFAULT_SESSION_POLICY.maxAgeMs)),
    ).toBeNull();
    expect(await store.find(tokenDigest(token))).toBeNull();
  });

  it.each([
    ["a wrong token", "A".repeat(43)],
    ["a short token", "abc"],
    ["a huge token", "A".repeat(10_000)],
  ])("refuses %s", async (_name, presented) => {
    const store = new MemorySessionStore();
    await startSession(store, { userId: "u1", now: T0 });
    expect(await resumeSession(store, presented, T0)).toBeNull();
  });

  it("logs out one session, and revokes all of a user’s sessions", async () => {
    const store = new MemorySessionStore();
    const a = await startSession(store, { userId: "u1", now: T0 });
    const b = await startSession(store, { userId: "u1", now: T0 });
    const c = await startSession(store, { userId: "u2", now: T0 });
    await endSession(store, a.token);
    expect(await resumeSession(store, a.token, T0)).toBeNull();
    expect(await resumeSession(store, b.token, T0)).not.toBeNull();
    expect(await store.revokeAllOf("u1")).toBe(1);
    expect(await resumeSession(store, b.token, T0)).toBeNull();
    expect(await resumeSession(store, c.token, T0)).not.toBeNull();
    expect(await store.purgeExpired(at(13 * H))).toBe(1);
  });
});

describe("API keys", () => {
  const robot: Principal = {
    id: "machine:poller",
    roles: ["admin"],
    departments: [],
    active: true,
  };

  it("authenticates the issued key and stores only its digest", async () => {
    const store = new MemoryApiKeyStore();
    const { key, stored } = issueApiKey("poller", robot, T0);
    await store.create(stored);
    expect(key).toMatch(/^hy_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(stored)).not.toContain(parseApiKey(key)!.secret);
    await expect(authenticateApiKey(store, key)).resolves.toEqual(robot);
  });

  it.each([
    [
      "a changed secret",
      (k: string) => k.slice(0, -1) + (k.endsWith("A") ? "B" : "A"),
    ],
    ["an unknown id", (k: string) => `hy_${"Z".repeat(16)}${k.slice(19)}`],
    ["a malformed key", () => "hy_short_key"],
    ["an empty key", () => ""],
  ])("refuses %s", async (_name, change) => {
    const store = new MemoryApiKeyStore();
    const { key, stored } = issueApiKey("poller", robot, T0);
    await store.create(stored);
    await expect(authenticateApiKey(store, change(key))).resolves.toBeNull();
  });

  it("refuses a revoked key", async () => {
    const store = new MemoryApiKeyStore();
    const { key, stored } = issueApiKey("poller", robot, T0);
    await store.create(stored);
    await store.revoke(stored.id, at(H));
    await expect(authenticateApiKey(store, key)).resolves.toBeNull();
  });
});
