import {
  DEFAULT_SCRYPT_PARAMS,
  DEFAULT_SESSION_POLICY,
  decoyPasswordHash,
  endSession,
  hashPassword,
  needsRehash,
  startSession,
  verifyPassword,
  type ScryptParams,
  type SessionPolicy,
  type SessionStore,
} from '@huiying/access';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SESSION_COOKIE, signedIn, type SignedIn } from '../access/authentication';
import type { UserDirectory } from '../access/user-directory';
import { ApiError } from '../errors';
import { ErrorResponse, LoginBody, UserResponse } from '../http-schemas';
import { z } from 'zod';

export interface AuthRoutesOptions {
  users: UserDirectory;
  sessions: SessionStore;
  sessionPolicy?: SessionPolicy;
  /** scrypt cost of new hashes and of the decoy; tests pass a cheap one. */
  passwordParams?: ScryptParams;
  /** `Secure` on the cookie: on in production, off on plain-HTTP localhost. */
  secureCookie: boolean;
  /** Login attempts per client address and minute. */
  loginPerMinute: number;
  now: () => Date;
}

export const userOf = (p: SignedIn) => ({
  id: p.id,
  username: p.username,
  displayName: p.displayName,
  roles: [...p.roles],
  departments: [...p.departments],
});

/** Password login into an HttpOnly SameSite=Strict session cookie, who-am-I, and logout. */
export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, options) => {
  const policy = options.sessionPolicy ?? DEFAULT_SESSION_POLICY;
  const params = options.passwordParams ?? DEFAULT_SCRYPT_PARAMS;
  const cookie = {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: options.secureCookie,
  };

  app.post(
    '/api/auth/login',
    {
      schema: { tags: ['auth'], body: LoginBody, response: { 200: UserResponse, 401: ErrorResponse, 429: ErrorResponse } },
      config: { rateLimit: { max: options.loginPerMinute, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const user = await options.users.findByUsername(username);
      // Unknown users verify against a decoy hash: same answer, same time, so names cannot be probed.
      const stored = user?.passwordHash ?? (await decoyPasswordHash(params));
      const matches = await verifyPassword(password, stored);
      if (!user || !matches || !user.active) {
        request.log.info({ username: username.slice(0, 100) }, 'login refused');
        throw new ApiError('bad_credentials');
      }
      const now = options.now();
      if (needsRehash(user.passwordHash, params)) {
        await options.users.setPasswordHash(user.id, await hashPassword(password, params), now);
      }
      const { token } = await startSession(options.sessions, {
        userId: user.id,
        now,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        policy,
      });
      reply.setCookie(SESSION_COOKIE, token, { ...cookie, maxAge: Math.floor(policy.maxAgeMs / 1000) });
      return { user: userOf({ ...user, username: user.username, displayName: user.displayName }) };
    },
  );

  app.get('/api/auth/me', { schema: { tags: ['auth'], response: { 200: UserResponse, 401: ErrorResponse } } }, async (request) => ({
    user: userOf(signedIn(request)),
  }));

  app.post(
    '/api/auth/logout',
    { schema: { tags: ['auth'], body: z.object({}).loose().optional(), response: { 200: z.object({ ok: z.literal(true) }) } } },
    async (request, reply) => {
      if (request.sessionToken) await endSession(options.sessions, request.sessionToken);
      reply.clearCookie(SESSION_COOKIE, cookie);
      return { ok: true as const };
    },
  );
};
