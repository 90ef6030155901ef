import type { Bus, RejectedInput } from '@huiying/bus';
import { PostIngestedMessage, type Post } from '@huiying/contracts';
import { checkDuplicates, type DedupOptions, type DedupStore, type DedupVerdict } from '@huiying/ingest-core';
import type { IngestMetrics } from './ingest-metrics';
import type { RepostCounter } from './repost-counter';

/** An item refused before it became a post: its raw bytes and every reason. */
export interface RefusedItem {
  raw: Buffer;
  reason: string;
  key?: string;
}

export interface AdmissionOptions {
  bus: Bus;
  metrics: IngestMetrics;
  /** Without it every post is emitted (the embedded mode's sample source). */
  dedup?: { store: DedupStore; options: DedupOptions };
  reposts?: RepostCounter;
  now?: () => Date;
}

export interface AdmissionResult {
  /** Published and acknowledged by the bus. */
  accepted: Post[];
  /** Copies of earlier posts: counted on `of`, not emitted. */
  duplicates: { id: string; of: string; kind: 'exact' | 'near' }[];
  refused: number;
}

/**
 * The last step of every connector: deduplicate, publish what is new, dead-letter what is
 * malformed. Resolves only once the bus acknowledged both, so a caller may then answer 202 or
 * advance its cursor. Throws when the bus fails: nothing is acknowledged, the caller retries,
 * and the retried posts come back from dedup as `repeat` (same id), which is emitted again.
 */
export function createPostAdmission(options: AdmissionOptions) {
  const now = options.now ?? (() => new Date());
  return async function admit(sourceId: string, posts: readonly Post[], refused: readonly RefusedItem[] = [], fetched = posts.length + refused.length): Promise<AdmissionResult> {
    // The whole batch in two store round trips; the first of two copies in the batch wins, and
    // the store's conditional commit keeps "first wins" between instances.
    const verdicts: DedupVerdict[] = options.dedup
      ? await checkDuplicates(posts, options.dedup.store, options.dedup.options)
      : posts.map(() => ({ kind: 'new' }));
    const fresh: Post[] = [];
    const duplicates: AdmissionResult['duplicates'] = [];
    posts.forEach((post, i) => {
      const verdict = verdicts[i]!;
      if (verdict.kind === 'exact' || verdict.kind === 'near') duplicates.push({ id: post.id, of: verdict.of, kind: verdict.kind });
      else fresh.push(post);
    });

    const letters: RejectedInput[] = refused.map((item) => ({
      value: item.raw,
      key: item.key ?? null,
      reason: item.reason,
      rejectedBy: `ingest:${sourceId}`,
      headers: { 'x-source-id': sourceId },
    }));
    await Promise.all([
      options.bus.publishBatch(
        PostIngestedMessage,
        // Every connector builds its posts with normalisePost, whose output post-contract.test.ts
        // holds against the contract for any draft: no second schema pass on the way out.
        fresh.map((post) => ({ payload: post, options: { key: post.id, occurredAt: new Date(post.publishedAt), prevalidated: true } })),
      ),
      options.bus.publishDeadLetters(PostIngestedMessage, letters),
    ]);
    await options.reposts?.record(duplicates);

    const at = now();
    let newest: string | undefined;
    let newestMs = -Infinity;
    for (const post of fresh) {
      const ms = Date.parse(post.publishedAt);
      if (ms > newestMs) [newest, newestMs] = [post.publishedAt, ms];
    }
    options.metrics.batch(sourceId, { fetched, accepted: fresh.length, duplicates: duplicates.length, rejected: refused.length, ...(newest && { newestPublishedAt: newest }) }, at);
    return { accepted: fresh, duplicates, refused: refused.length };
  };
}
export type PostAdmission = ReturnType<typeof createPostAdmission>;
