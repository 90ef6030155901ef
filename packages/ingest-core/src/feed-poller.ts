import type { Post } from '@huiying/contracts';
import { feedItemToDraft, parseFeed } from './feed-parse';
import { httpGet, type HttpFetchOptions } from './http-fetch';
import { normalisePost } from './normalise';
import { formatInstant } from './published-at';
import type { PollBatch, PollSource, RejectedItem } from './source-poller';

/** What an RSS/Atom poller persists between polls: the validators for a conditional GET. */
export interface FeedCursor {
  etag?: string;
  lastModified?: string;
}

export interface FeedSourceConfig {
  sourceId: string;
  url: string;
  fetch?: Omit<HttpFetchOptions, 'etag' | 'lastModified' | 'signal'>;
  /** Offset for zone-less dates; Beijing unless configured. */
  defaultOffsetMinutes?: number;
  trackingParams?: readonly string[];
}

/**
 * An RSS 2.0 / RSS 1.0 / Atom source. One fetch per poll; a 304 yields no batch. A truncated
 * body yields its complete items but no validators, so the next poll fetches it whole again
 * instead of being told "not modified".
 */
export function feedSource(config: FeedSourceConfig): PollSource<FeedCursor> {
  return {
    async *poll(cursor, { signal, now }) {
      const response = await httpGet(config.url, {
        ...config.fetch,
        etag: cursor?.etag,
        lastModified: cursor?.lastModified,
        signal,
      });
      if (!('body' in response)) return;
      const feed = parseFeed(response.body, response.contentType);
      const collectedAt = formatInstant(now(), 0);
      const posts: Post[] = [];
      const rejected: RejectedItem[] = [];
      const warnings = [...feed.warnings];
      for (const item of feed.items) {
        const result = normalisePost(feedItemToDraft(item), {
          sourceId: config.sourceId,
          sourceKind: 'rss',
          collectedAt,
          urlBase: feed.link ?? response.finalUrl,
          defaultOffsetMinutes: config.defaultOffsetMinutes,
          trackingParams: config.trackingParams,
        });
        if (result.ok) posts.push(result.post);
        else rejected.push({ issues: result.issues, raw: { xml: item.xml } });
      }
      const next: FeedCursor = feed.truncated ? {} : { etag: response.etag, lastModified: response.lastModified };
      const batch: PollBatch<FeedCursor> = { posts, rejected, cursor: next, warnings };
      yield batch;
    },
  };
}
