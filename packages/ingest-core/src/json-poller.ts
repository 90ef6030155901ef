import type { Post } from '@huiying/contracts';
import { decodeDocument } from './encoding';
import { MappingError } from './errors';
import { httpGet, type HttpFetchOptions } from './http-fetch';
import { CursorStrategy, nextCursor, urlWithCursor } from './json-cursor';
import { mapJsonBatch, type JsonMapping } from './json-mapping';
import { normalisePost } from './normalise';
import { formatInstant } from './published-at';
import type { PollSource, RejectedItem } from './source-poller';

export interface JsonSourceConfig {
  sourceId: string;
  /** The endpoint without the cursor parameter (it is added per request). */
  url: string;
  mapping: JsonMapping;
  cursor: CursorStrategy;
  /** Pages fetched in one poll at most, so a long backlog does not starve the next poll's timer. Default 10. */
  maxPagesPerPoll?: number;
  fetch?: Omit<HttpFetchOptions, 'etag' | 'lastModified' | 'signal'>;
  defaultOffsetMinutes?: number;
  trackingParams?: readonly string[];
}

/** Parses a JSON body in whatever charset it came in (some Chinese vendors still answer in GBK). */
export function parseJsonBody(body: Buffer, contentType?: string): unknown {
  const text = decodeDocument(body, contentType).text;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MappingError(`response is not JSON: ${(error as Error).message}`);
  }
}

/** Maps and normalises one page. Pure apart from hashing; used by the poller and the conformance tests. */
export function jsonPageToPosts(
  body: unknown,
  config: Pick<JsonSourceConfig, 'sourceId' | 'mapping' | 'defaultOffsetMinutes' | 'trackingParams'>,
  collectedAt: string,
): { posts: Post[]; rejected: RejectedItem[]; skipped: number } {
  const { drafts, skipped } = mapJsonBatch(body, config.mapping);
  const posts: Post[] = [];
  const rejected: RejectedItem[] = [];
  for (const draft of drafts) {
    const result = normalisePost(draft, {
      sourceId: config.sourceId,
      sourceKind: 'json',
      collectedAt,
      defaultOffsetMinutes: config.defaultOffsetMinutes,
      trackingParams: config.trackingParams,
    });
    if (result.ok) posts.push(result.post);
    else rejected.push({ issues: result.issues, raw: draft.raw });
  }
  return { posts, rejected, skipped };
}

/**
 * A platform or vendor JSON API. Each page is one batch carrying the cursor after it, so the
 * poller persists progress page by page and a restart resumes at the page it had not handed off.
 */
export function jsonSource(config: JsonSourceConfig): PollSource<string | undefined> {
  const strategy = CursorStrategy.parse(config.cursor);
  const maxPages = config.maxPagesPerPoll ?? 10;
  return {
    async *poll(cursor, { signal, now }) {
      let current = cursor;
      for (let page = 0; page < maxPages; page++) {
        const response = await httpGet(urlWithCursor(config.url, strategy, current), {
          ...config.fetch,
          headers: { accept: 'application/json', ...config.fetch?.headers },
          signal,
        });
        if (!('body' in response)) return;
        const body = parseJsonBody(response.body, response.contentType);
        const { posts, rejected, skipped } = jsonPageToPosts(body, config, formatInstant(now(), 0));
        const step = nextCursor(strategy, current, body, posts);
        yield {
          posts,
          rejected,
          cursor: step.cursor,
          warnings: skipped > 0 ? [`skipped ${skipped} items by skipWhen`] : [],
        };
        current = step.cursor;
        if (!step.more) return;
      }
    },
  };
}
