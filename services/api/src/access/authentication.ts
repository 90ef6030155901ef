import {
  DEFAULT_SESSION_POLICY,
  authenticateApiKey,
  can,
  decide,
  resumeSession,
  type Action,
  type ActionResources,
  type ApiKeyStore,
  type Principal,
  type SessionPolicy,
  type SessionStore,
  type StoredSession,
  tokenDigest,
} from '@huiying/access';
import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors';
import type { UserDirectory } from './user-directory';

/** Who is asking, as routes see it: the policy's principal plus what the console shows. */
export interface SignedIn extends Principal {
  username: string;
  displayName: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Null when the request carried no valid session cookie or API key. */
    principal: SignedIn | null;
    /** How the principal was established: only a cookie needs the CSRF header. */
    authVia: 'session' | 'api_key' | null;
    /** The raw session token, for logout. */
    sessionToken: string | null;
  }
}

export const SESSION_COOKIE = 'hy_session';
/** The console sends it on every request; a cross-site form cannot. */
export const CSRF_HEADER = 'x-requested-with';
export const CSRF_VALUE = 'huiying-console';

export interface AuthenticationOptions {
  users: UserDirectory;
  sessions: SessionStore;
  apiKeys: ApiKeyStore;
  sessionPolicy?: SessionPolicy;
  now: () => Date;
  /**
   * How long a verified API key's principal is reused without asking the database again.
   * Default 5 s: a machine client sends many requests a second, and a key revoked elsewhere
   * (the CLI) stops working within this bound. 0 turns the cache off.
   */
  apiKeyCacheMs?: number;
  /**
   * Verified sessions reused without reading the session and the user again; built by the app
   * with `revocationAware` around the store, so a logout here takes effect at once. Without one
   * every request reads PostgreSQL twice.
   */
  sessionCache?: SessionPrincipalCache;
}

/**
 * Signed-in principals by the digest of their session token, for a few seconds: the console
 * sends a request per action and a burst on every live event, and each used to cost two
 * PostgreSQL reads. Revocation is honoured: a session ended through this API's store (logout,
 * `revokeAllOf` on a password change) is forgotten at once, one ended elsewhere (the CLI, another
 * instance, a disabled account) within `ttlMs`. The session's hard end is checked on every hit.
 */
export class SessionPrincipalCache {
  private readonly entries = new Map<string, { at: number; expiresAtMs: number; principal: SignedIn }>();
  /** Lookups under way, by digest: the requests that miss meanwhile wait for the same one. */
  private readonly inFlight = new Map<string, Promise<SignedIn | null>>();
  /** Counts revocations heard: a lookup that began before one is answered but not remembered. */
  private revocations = 0;

  constructor(
    /** Default 2 s in the app: a revocation elsewhere takes at most that long; 0 turns the cache off. */
    private readonly ttlMs: number,
    private readonly maxEntries = 5000,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  find(digest: string, nowMs: number): SignedIn | null {
    const hit = this.entries.get(digest);
    if (!hit) return null;
    if (nowMs - hit.at < this.ttlMs && nowMs < hit.expiresAtMs) return hit.principal;
    this.entries.delete(digest);
    return null;
  }

  remember(digest: string, session: Pick<StoredSession, 'expiresAt'>, principal: SignedIn, nowMs: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(digest);
    this.entries.set(digest, { at: nowMs, expiresAtMs: session.expiresAt.getTime(), principal });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /**
   * After a miss: the session looked up once however many requests with the same cookie ask
   * while it is read (a console's burst on a live event, every open tab when the entry runs out),
   * and remembered unless a revocation was heard meanwhile: a logout that lands while its own
   * session is being read must not be undone by that read putting the principal back.
   */
  load(digest: string, nowMs: number, lookup: () => Promise<{ session: Pick<StoredSession, 'expiresAt'>; principal: SignedIn } | null>): Promise<SignedIn | null> {
    const running = this.inFlight.get(digest);
    if (running) return running;
    const revocations = this.revocations;
    const pending: Promise<SignedIn | null> = lookup()
      .then((found) => {
        if (!found) return null;
        if (revocations === this.revocations) this.remember(digest, found.session, found.principal, nowMs);
        return found.principal;
      })
      .finally(() => {
        if (this.inFlight.get(digest) === pending) this.inFlight.delete(digest);
      });
    this.inFlight.set(digest, pending);
    return pending;
  }

  forget(digest: string): void {
    this.revocations++;
    this.entries.delete(digest);
    // A request after the revocation reads the session anew instead of joining a read from before it.
    this.inFlight.delete(digest);
  }

  forgetUser(userId: string): void {
    this.revocations++;
    for (const [digest, entry] of this.entries) if (entry.principal.id === userId) this.entries.delete(digest);
    // Whose sessions are being read is not known until they are: none is joined any more.
    this.inFlight.clear();
  }
}

/** The session store, with every revocation through it also forgetting the cached principal. */
export function revocationAware(store: SessionStore, cache: SessionPrincipalCache): SessionStore {
  return {
    create: (session) => store.create(session),
    find: (digest) => store.find(digest),
    touch: (digest, at) => store.touch(digest, at),
    revoke: async (digest) => {
      cache.forget(digest);
      await store.revoke(digest);
    },
    revokeAllOf: async (userId) => {
      cache.forgetUser(userId);
      return store.revokeAllOf(userId);
    },
    purgeExpired: (now) => store.purgeExpired(now),
  };
}

/**
 * Verified API keys by the SHA-256 of the whole presented key (the key itself is never kept).
 * Only successes are kept, so a new key works at once and guessed keys cannot fill it.
 */
export class ApiKeyPrincipalCache {
  private readonly entries = new Map<string, { at: number; principal: Principal }>();
  /** Verifications under way, by digest (single flight). */
  private readonly inFlight = new Map<string, Promise<Principal | null>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
  ) {}

  async resolve(presented: string, verify: (key: string) => Promise<Principal | null>, nowMs = Date.now()): Promise<Principal | null> {
    if (this.ttlMs <= 0) return verify(presented);
    // One-shot: a Hash object per request was a visible part of the request's event-loop time.
    const digest = hash('sha256', presented, 'base64url');
    const hit = this.entries.get(digest);
    if (hit && nowMs - hit.at < this.ttlMs) return hit.principal;
    // One verification per key at a time: when the entry runs out under load, every request
    // arriving during the database read used to start a read of its own.
    const running = this.inFlight.get(digest);
    if (running) return running;
    const pending: Promise<Principal | null> = verify(presented)
      .then((principal) => {
        if (principal) {
          this.entries.delete(digest);
          this.entries.set(digest, { at: nowMs, principal });
          if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        } else this.entries.delete(digest);
        return principal;
      })
      .finally(() => {
        if (this.inFlight.get(digest) === pending) this.inFlight.delete(digest);
      });
    this.inFlight.set(digest, pending);
    return pending;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves `request.principal` for every request (never refuses by itself: each route says what
 * it needs through `authorize`), and refuses a state-changing request that relies on the cookie
 * without the console's header: with SameSite=Strict that closes cross-site request forgery.
 */
export function installAuthentication(app: FastifyInstance, options: AuthenticationOptions): void {
  const policy = options.sessionPolicy ?? DEFAULT_SESSION_POLICY;
  const apiKeyCache = new ApiKeyPrincipalCache(options.apiKeyCacheMs ?? 5000);
  const verifyApiKey = (key: string) => authenticateApiKey(options.apiKeys, key);
  const sessionCache = options.sessionCache;
  app.decorateRequest('principal', null);
  app.decorateRequest('authVia', null);
  app.decorateRequest('sessionToken', null);

  app.addHook('onRequest', async (request) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer) {
      const principal = await apiKeyCache.resolve(bearer, verifyApiKey);
      if (principal && principal.active) {
        request.principal = { ...principal, username: `api-key:${principal.id}`, displayName: principal.id };
        request.authVia = 'api_key';
      }
      return;
    }
    const cookieToken = request.cookies[SESSION_COOKIE];
    // Login itself is state-changing and cookie-less: it needs the header too (login CSRF).
    const cookieBound = cookieToken !== undefined || request.url.startsWith('/api/auth/');
    if (cookieBound && !SAFE_METHODS.has(request.method) && request.url.startsWith('/api/') && request.headers[CSRF_HEADER] !== CSRF_VALUE) {
      throw new ApiError('csrf');
    }
    if (!cookieToken) return;
    const now = options.now();
    const digest = sessionCache?.enabled && cookieToken.length <= 200 ? tokenDigest(cookieToken) : null;
    const lookup = async () => {
      const session = await resumeSession(options.sessions, cookieToken, now, policy);
      if (!session) return null;
      const user = await options.users.findById(session.userId);
      if (!user || !user.active) return null;
      const principal: SignedIn = {
        id: user.id,
        roles: user.roles,
        departments: user.departments,
        active: user.active,
        username: user.username,
        displayName: user.displayName,
      };
      return { session, principal };
    };
    const principal = digest
      ? (sessionCache!.find(digest, now.getTime()) ?? (await sessionCache!.load(digest, now.getTime(), lookup)))
      : ((await lookup())?.principal ?? null);
    if (!principal) return;
    request.principal = principal;
    request.authVia = 'session';
    request.sessionToken = cookieToken;
  });
}

/** The signed-in principal, or 401. */
export function signedIn(request: FastifyRequest): SignedIn {
  if (!request.principal) throw new ApiError('not_signed_in');
  return request.principal;
}

/**
 * The check every route makes: signed in (401), then `can()` for the action and the resource
 * (403 with the policy's reason, which names no data the caller could not already see).
 */
export function authorize<A extends Action>(request: FastifyRequest, action: A, resource: ActionResources[A]): SignedIn {
  const principal = signedIn(request);
  const decision = decide(principal, action, resource);
  if (!decision.allowed) throw new ApiError('forbidden', { reason: decision.reason });
  return principal;
}

/** Whether the caller may read an incident with these departments (list filtering, live feed). */
export const mayRead = (principal: Principal, departments: readonly string[]) =>
  can(principal, 'incident.read', { kind: 'incident', departments });
