import type { Principal } from '@huiying/access';
import { createMemoryBus } from '@huiying/bus';
import type { Classification } from '@huiying/contracts';
import { isolatedDatabase, testLogger } from '@huiying/embedded/src/testing/real-services';
import { createOutboxRelay } from '@huiying/outbox';
import type { Db } from '@huiying/store';
import Fastify from 'fastify';
import { statementRoutes, type StatementRoutesOptions } from '../http/statements.routes';

/** The header a test puts its principal in; the real API authenticates instead. */
export const TEST_PRINCIPAL_HEADER = 'x-test-principal';

export const people = {
  author: { id: 'u-spokes-ajj', roles: ['spokesperson'], departments: ['市安监局'], active: true },
  otherSpokesperson: { id: 'u-spokes-2', roles: ['spokesperson'], departments: ['市安监局'], active: true },
  /** A spokesperson who is also an approver: still never signs off their own draft. */
  authorApprover: { id: 'u-spokes-head', roles: ['spokesperson', 'approver'], departments: ['市安监局'], active: true },
  departmentHead: { id: 'u-head-ajj', roles: ['approver'], departments: ['市安监局'], active: true },
  deputyHead: { id: 'u-deputy-ajj', roles: ['approver'], departments: ['市安监局'], active: true },
  newsOffice: { id: 'u-news-office', roles: ['approver'], departments: ['市政府新闻办'], active: true },
  otherDepartmentApprover: { id: 'u-head-edu', roles: ['approver'], departments: ['市教育局'], active: true },
  dutyOfficer: { id: 'u-duty', roles: ['duty_officer'], departments: ['*'], active: true },
  disabled: { id: 'u-gone', roles: ['spokesperson'], departments: ['市安监局'], active: false },
} satisfies Record<string, Principal>;

export function as(principal: Principal | null): Record<string, string> {
  return principal ? { [TEST_PRINCIPAL_HEADER]: JSON.stringify(principal), 'user-agent': 'jest-statements' } : {};
}

/** A fastify app with only the statement routes; its `authorize` reads the principal from a header. */
export async function statementsTestApp(name: string, extra: Partial<StatementRoutesOptions> = {}) {
  const database = await isolatedDatabase(name);
  const logger = testLogger();
  const bus = createMemoryBus({ logger, service: 'statements-test' });
  const relay = createOutboxRelay({ db: database.db, bus, logger });
  const app = Fastify();
  await app.register(statementRoutes, {
    db: database.db, relay, logger, publicBaseUrl: 'https://huiying.example.gov.cn', cityName: '陇南市',
    authorize: async (request) => {
      const header = request.headers[TEST_PRINCIPAL_HEADER];
      if (typeof header === 'string') (request as unknown as { principal: Principal }).principal = JSON.parse(header) as Principal;
    },
    ...extra,
  });
  await app.ready();
  return {
    app, db: database.db, relay, bus,
    async close() {
      await app.close();
      await relay.stop();
      await bus.close();
      await database.drop();
    },
  };
}

function classification(over: Partial<Classification['emergency']> & { rumor?: boolean; claimId?: string }): Classification {
  return {
    version: 'test',
    emergency: {
      flagged: true, category: 'accident_disaster', subtype: 'mine', level: 'II', score: 0.9,
      evidence: [
        { rule: 'event_term:mine', terms: ['透水'], weight: 1 },
        { rule: 'stated_consequences', terms: ['12人死亡'], weight: 0, note: 'deaths 12, injured 0 (serious 0), missing 4, loss ¥0 → level II' },
      ],
      ...over,
    },
    rumor: { flagged: over.rumor ?? false, score: over.rumor ? 0.8 : 0.1, evidence: [], ...(over.claimId && { claimId: over.claimId }) },
    departments: ['市安监局'], counties: ['宕昌县'], sentiment: 'negative', keyTerms: ['透水'],
  };
}

export interface SeedPost {
  id: string;
  text: string;
  publishedAt: string;
  rumor?: boolean;
  claimId?: string;
}

/** An incident of 市安监局 with its posts, written as the incident service writes them. */
export async function seedIncident(db: Db, id: string, posts: SeedPost[], t0 = posts[0]!.publishedAt): Promise<void> {
  await db.query(
    `INSERT INTO incidents (id, kind, status, title, category, subtype, level, level_confidence, t0, departments, counties,
                            post_count, opened_at, updated_at, last_post_at, trace_id)
     VALUES ($1, 'emergency', 'confirmed', $2, 'accident_disaster', 'mine', 'II', 0.9, $3, $4, $5, $6, $3, $3, $3, $1)`,
    [id, posts[0]!.text.slice(0, 60), t0, ['市安监局'], ['宕昌县'], posts.length],
  );
  for (const post of posts) await addPost(db, id, post);
}

export async function addPost(db: Db, incidentId: string, post: SeedPost): Promise<void> {
  await db.query(
    `INSERT INTO posts (id, source_id, source_kind, text, published_at, collected_at, trace_id, classification)
     VALUES ($1, 'weibo', 'webhook', $2, $3, $3, $1, $4)`,
    [post.id, post.text, post.publishedAt, JSON.stringify(classification({ ...(post.rumor && { rumor: true }), ...(post.claimId && { claimId: post.claimId }) }))],
  );
  await db.query(`INSERT INTO incident_posts (post_id, incident_id, joined_at) VALUES ($1, $2, $3)`, [post.id, incidentId, post.publishedAt]);
}
