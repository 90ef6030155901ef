import { XMLBuilder } from 'fast-xml-parser';
import { z } from 'zod';

/** A published statement as the public feeds show it. */
export interface FeedStatement {
  id: string;
  kind: string;
  kindName: string;
  department: string;
  title: string;
  body: string;
  publishedAt: string;
  supersedes: string | null;
  supersededBy: string | null;
}

export interface FeedContext {
  department: string;
  /** The product's public origin, e.g. `https://huiying.example.gov.cn`; no trailing slash. */
  baseUrl: string;
  /** Names the feed: `陇南市 市安监局 权威发布`. */
  cityName: string;
  now: Date;
}

const encode = (s: string) => encodeURIComponent(s);
export const feedPaths = (department: string) => ({
  rss: `/feeds/${encode(department)}/rss.xml`,
  json: `/feeds/${encode(department)}/feed.json`,
});
export const statementUrl = (baseUrl: string, id: string) => `${baseUrl}/statements/${encode(id)}`;

/** A correction says so in its headline; a superseded text says it was corrected. */
function headline(s: FeedStatement): string {
  if (s.supersededBy) return `${s.title}（已更正）`;
  if (s.supersedes) return `【更正】${s.title}`;
  return s.title;
}

function bodyWithNotes(s: FeedStatement, baseUrl: string): string {
  const notes: string[] = [];
  if (s.supersedes) notes.push(`本文更正此前发布的内容：${statementUrl(baseUrl, s.supersedes)}`);
  if (s.supersededBy) notes.push(`本文已被更正，请以更正后的内容为准：${statementUrl(baseUrl, s.supersededBy)}`);
  return notes.length > 0 ? `${notes.join('\n')}\n\n${s.body}` : s.body;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });

/** RSS 2.0, newest first; escaping is the builder's (titles carry quotes and ampersands). */
export function buildRss(statements: readonly FeedStatement[], ctx: FeedContext): string {
  const paths = feedPaths(ctx.department);
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    rss: {
      '@_version': '2.0',
      '@_xmlns:atom': 'http://www.w3.org/2005/Atom',
      channel: {
        title: `${ctx.cityName}${ctx.department}权威发布`,
        link: `${ctx.baseUrl}${paths.rss}`,
        description: `${ctx.department}发布的情况通报、辟谣、新闻发布会通知和政策解读`,
        language: 'zh-CN',
        lastBuildDate: ctx.now.toUTCString(),
        'atom:link': { '@_href': `${ctx.baseUrl}${paths.rss}`, '@_rel': 'self', '@_type': 'application/rss+xml' },
        item: statements.map((s) => ({
          title: headline(s),
          link: statementUrl(ctx.baseUrl, s.id),
          description: bodyWithNotes(s, ctx.baseUrl),
          category: s.kindName,
          guid: { '@_isPermaLink': 'false', '#text': s.id },
          pubDate: new Date(s.publishedAt).toUTCString(),
        })),
      },
    },
  };
  return builder.build(doc) as string;
}

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), the fields this feed uses. */
export const JsonFeedSchema = z.looseObject({
  version: z.literal('https://jsonfeed.org/version/1.1'),
  title: z.string().min(1),
  home_page_url: z.url().optional(),
  feed_url: z.url().optional(),
  description: z.string().optional(),
  language: z.string().optional(),
  items: z.array(
    z.looseObject({
      id: z.string().min(1),
      url: z.url().optional(),
      title: z.string().optional(),
      content_text: z.string().optional(),
      content_html: z.string().optional(),
      date_published: z.iso.datetime({ offset: true }).optional(),
      date_modified: z.iso.datetime({ offset: true }).optional(),
      tags: z.array(z.string()).optional(),
    }).refine((item) => item.content_text !== undefined || item.content_html !== undefined, 'an item needs content_text or content_html'),
  ),
});
export type JsonFeed = z.infer<typeof JsonFeedSchema>;

export function buildJsonFeed(statements: readonly FeedStatement[], ctx: FeedContext) {
  const paths = feedPaths(ctx.department);
  return {
    version: 'https://jsonfeed.org/version/1.1' as const,
    title: `${ctx.cityName}${ctx.department}权威发布`,
    home_page_url: `${ctx.baseUrl}/`,
    feed_url: `${ctx.baseUrl}${paths.json}`,
    description: `${ctx.department}发布的情况通报、辟谣、新闻发布会通知和政策解读`,
    language: 'zh-CN',
    items: statements.map((s) => ({
      id: s.id,
      url: statementUrl(ctx.baseUrl, s.id),
      title: headline(s),
      content_text: bodyWithNotes(s, ctx.baseUrl),
      date_published: s.publishedAt,
      tags: [s.kindName],
      // JSON Feed extensions start with an underscore; readers that do not know them ignore them.
      _huiying: { kind: s.kind, supersedes: s.supersedes, superseded_by: s.supersededBy },
    })),
  };
}
