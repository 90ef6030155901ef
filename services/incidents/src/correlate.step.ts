import type { Db } from '@huiying/store';
import {
  correlatePostsInTx,
  type ClassifiedPost,
  type CorrelationCache,
  type CorrelationOutcome,
  type CorrelationPolicy,
  type RoutedMatch,
} from '@huiying/incident-core';
import type { Classification, Post, PostClassifiedMessage } from '@huiying/contracts';

export const CONSUMER = 'incidents';
export const SYSTEM_ACTOR = 'system:incidents';

export type CorrelateOutcome = CorrelationOutcome;

export interface CorrelateOptions {
  policy: CorrelationPolicy;
  now: Date;
  route?: (post: Post, classification: Classification) => RoutedMatch[];
  /** The instance's open incidents between batches; its staged changes apply only after commit. */
  cache?: CorrelationCache;
}

/**
 * Stores classified posts and puts each flagged one in exactly one incident: the whole batch in
 * one transaction under the correlation lock (see `correlatePostsInTx`).
 */
export async function correlateClassifiedPosts(
  db: Db,
  messages: readonly PostClassifiedMessage[],
  options: CorrelateOptions,
): Promise<CorrelateOutcome[]> {
  const items: ClassifiedPost[] = messages.map((m) => ({
    messageId: m.id,
    traceId: m.traceId,
    post: m.payload.post,
    classification: m.payload.classification,
  }));
  try {
    const outcomes = await db.transaction((tx) =>
      correlatePostsInTx(tx, items, {
        policy: options.policy,
        now: options.now,
        consumer: CONSUMER,
        actor: SYSTEM_ACTOR,
        ...(options.route && { route: options.route }),
        ...(options.cache && { cache: options.cache }),
      }),
    );
    options.cache?.commit();
    return outcomes;
  } catch (error) {
    // Rolled back: whatever the cache read or staged in it may not be the committed state.
    options.cache?.invalidate();
    throw error;
  }
}

/** One post: the same path with a batch of one. */
export async function correlateClassifiedPost(
  db: Db,
  message: PostClassifiedMessage,
  policy: CorrelationPolicy,
  now: Date,
): Promise<CorrelateOutcome> {
  const [outcome] = await correlateClassifiedPosts(db, [message], { policy, now });
  return outcome!;
}
