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
} from '@huiying/access';
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
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves `request.principal` for every request (never refuses by itself: each route says what
 * it needs through `authorize`), and refuses a state-changing request that relies on the cookie
 * without the console's header: with SameSite=Strict that closes cross-site request forgery.
 */
export function installAuthentication(app: FastifyInstance, options: AuthenticationOptions): void {
  const policy = options.sessionPolicy ?? DEFAULT_SESSION_POLICY;
  app.decorateRequest('principal', null);
  app.decorateRequest('authVia', null);
  app.decorateRequest('sessionToken', null);

  app.addHook('onRequest', async (request) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer) {
      const principal = await authenticateApiKey(options.apiKeys, bearer);
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
    const session = await resumeSession(options.sessions, cookieToken, options.now(), policy);
    if (!session) return;
    const user = await options.users.findById(session.userId);
    if (!user || !user.active) return;
    request.principal = {
      id: user.id,
      roles: user.roles,
      departments: user.departments,
      active: user.active,
      username: user.username,
      displayName: user.displayName,
    };
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
