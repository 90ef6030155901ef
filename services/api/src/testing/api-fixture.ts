import { randomUUID } from 'node:crypto';
import { issueApiKey, PostgresApiKeyStore, type Principal, type Role } from '@huiying/access';
import type { Bus } from '@huiying/bus';
import type { IncidentSnapshot } from '@huiying/contracts';
import { saveIncidentChange } from '@huiying/incident-core';
import { migrate, openDatabase, type Db } from '@huiying/store';
import { createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { buildApiApp, type ApiApp, type ApiAppOptions } from '../api-app';
import { CSRF_HEADER, CSRF_VALUE } from '../access/authentication';
import { addUser } from '../access/user-accounts';

/** Integration tests run on the machine's PostgreSQL, one fresh schema per test file. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The cheapest scrypt the access package accepts: tests log in dozens of times. */
export const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };
export const PASSWORD = 'correct horse battery';

export interface TestUser {
  username: string;
  roles: Role[];
  departments: string[];
}

/** One user per role, two of them scoped to 市安监局 and one leader scoped to 市财政局. */
export const TEST_USERS: Record<string, TestUser> = {
  duty: { username: 'duty', roles: ['duty_officer'], departments: ['市政府新闻办'] },
  spokesperson: { username: 'spokesperson', roles: ['spokesperson'], departments: ['市安监局'] },
  approver: { username: 'approver', roles: ['approver'], departments: ['市安监局'] },
  leader: { username: 'leader', roles: ['leader'], departments: ['市安监局'] },
  financeLeader: { username: 'finance-leader', roles: ['leader'], departments: ['市财政局'] },
  cityLeader: { username: 'city-leader', roles: ['leader'], departments: ['*'] },
  admin: { username: 'admin', roles: ['admin'], departments: ['*'] },
};

export interface ApiFixture {
  db: Db;
  /** The fixture's own PostgreSQL schema (on TEST_DATABASE_URL). */
  schema: string;
  app: ApiApp;
  ids: Record<string, string>;
  /** Logs in through the API and returns the Cookie header value. */
  login(name: keyof typeof TEST_USERS | string): Promise<string>;
  /** Headers of a signed-in console request. */
  as(name: string): Promise<{ cookie: string; 'x-requested-with': string }>;
  apiKey(principal: Omit<Principal, 'active'>): Promise<string>;
  close(): Promise<void>;
}

export async function startApiFixture(overrides: Partial<ApiAppOptions> & { bus?: Bus } = {}): Promise<ApiFixture> {
  const schema = `t_api_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const db = await openDatabase({ url: TEST_DATABASE_URL, schema, maxConnections: 4 });
  await migrate(db);
  const now = new Date();
  const ids: Record<string, string> = {};
  for (const [name, user] of Object.entries(TEST_USERS)) {
    ids[name] = await addUser(db, { ...user, displayName: `${name} 测试`, password: PASSWORD }, now, CHEAP_SCRYPT);
  }
  const app = await buildApiApp({
    db,
    logger: createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    registry: createMetricsRegistry('api-test', false),
    checks: [],
    passwordParams: CHEAP_SCRYPT,
    secureCookie: false,
    consoleDir: null,
    // Tests seed rows behind the API's back, so nothing may be served from the list cache.
    listCacheMs: 0,
    // Reports computed on their worker thread, as the API runs them.
    reportDatabase: { url: TEST_DATABASE_URL, schema },
    ...overrides,
  });
  await app.ready();
  const cookies = new Map<string, string>();
  const login = async (name: string) => {
    const user = TEST_USERS[name];
    if (!user) throw new Error(`no test user ${name}`);
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { [CSRF_HEADER]: CSRF_VALUE },
      // One address per user, so the login rate limit under test is not spent by the fixture.
      remoteAddress: `10.0.0.${Object.keys(TEST_USERS).indexOf(name) + 1}`,
      payload: { username: user.username, password: PASSWORD },
    });
    if (response.statusCode !== 200) throw new Error(`login ${name}: ${response.statusCode} ${response.body}`);
    const cookie = response.cookies.find((c) => c.name === 'hy_session');
    return `hy_session=${cookie!.value}`;
  };
  return {
    db,
    schema,
    app,
    ids,
    login,
    async as(name) {
      if (!cookies.has(name)) cookies.set(name, await login(name));
      return { cookie: cookies.get(name)!, [CSRF_HEADER]: CSRF_VALUE } as { cookie: string; 'x-requested-with': string };
    },
    async apiKey(principal) {
      const { key, stored } = issueApiKey('test', { ...principal, active: true }, new Date());
      await new PostgresApiKeyStore(db).create(stored);
      return key;
    },
    async close() {
      await app.close();
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.close();
    },
  };
}

/** An incident as the incident service would have stored it (row, history, outbox event). */
export async function seedIncident(db: Db, overrides: Partial<IncidentSnapshot> = {}): Promise<IncidentSnapshot> {
  const at = new Date(Date.now() - 60_000).toISOString();
  const snapshot: IncidentSnapshot = {
    id: `inc-${randomUUID().slice(0, 8)}`,
    kind: 'emergency',
    status: 'detected',
    title: '文县碧口镇山体滑坡',
    category: 'natural_disaster',
    subtype: 'landslide',
    level: 'II',
    levelConfirmed: false,
    levelConfidence: 0.8,
    importantOpinion: false,
    t0: at,
    departments: ['市安监局'],
    counties: ['文县'],
    postCount: 1,
    drill: false,
    openedAt: at,
    updatedAt: at,
    ...overrides,
  };
  await db.transaction((tx) =>
    saveIncidentChange(tx, { snapshot, events: ['opened'] }, {
      actor: 'system:test',
      traceId: randomUUID(),
      // saveIncidentChange's key_terms merge yields NULL when both sides are empty (reported).
      keyTerms: ['滑坡'],
    }),
  );
  return snapshot;
}
