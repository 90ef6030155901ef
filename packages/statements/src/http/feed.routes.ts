import type { Db } from '@huiying/store';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { departmentStatements, findStatement, type PublishedStatement } from '../drafting/draft-store';
import { buildJsonFeed, buildRss, type FeedStatement } from '../publishing/public-feed';
import type { TemplateCatalog } from '../templates/template-catalog';

export interface FeedRoutesOptions {
  db: Db;
  publicBaseUrl: string;
  cityName: string;
  templates: TemplateCatalog;
}

const DepartmentParams = z.object({ department: z.string().min(1).max(100) });
const StatementParams = z.object({ id: z.string().min(1).max(100) });

/**
 * The public side: each department's feed at a stable URL (RSS 2.0 and JSON Feed 1.1), and each
 * published statement at `/statements/:id`. No authentication: everything here is published.
 */
export async function feedRoutes(app: FastifyInstance, options: FeedRoutesOptions): Promise<void> {
  const feedItem = (s: PublishedStatement): FeedStatement => ({ ...s, kindName: options.templates.get(s.kind)?.name ?? s.kind });
  const context = (department: string) => ({ department, baseUrl: options.publicBaseUrl.replace(/\/$/, ''), cityName: options.cityName, now: new Date() });

  app.get('/feeds/:department/rss.xml', async (request, reply) => {
    const params = DepartmentParams.safeParse(request.params);
    if (!params.success) return reply.code(400).send({ error: 'bad_request' });
    const statements = await departmentStatements(options.db, params.data.department);
    return reply
      .type('application/rss+xml; charset=utf-8')
      .header('cache-control', 'public, max-age=60')
      .send(buildRss(statements.map(feedItem), context(params.data.department)));
  });

  app.get('/feeds/:department/feed.json', async (request, reply) => {
    const params = DepartmentParams.safeParse(request.params);
    if (!params.success) return reply.code(400).send({ error: 'bad_request' });
    const statements = await departmentStatements(options.db, params.data.department);
    return reply
      .type('application/feed+json; charset=utf-8')
      .header('cache-control', 'public, max-age=60')
      .send(JSON.stringify(buildJsonFeed(statements.map(feedItem), context(params.data.department))));
  });

  app.get('/statements/:id', async (request, reply) => {
    const params = StatementParams.safeParse(request.params);
    if (!params.success) return reply.code(400).send({ error: 'bad_request' });
    const statement = await findStatement(options.db, params.data.id);
    if (!statement) return reply.code(404).send({ error: 'statement_not_found' });
    const { publishedBy: _who, draftId: _draft, ...published } = statement;
    return { ...published, kindName: options.templates.get(statement.kind)?.name ?? statement.kind };
  });
}
