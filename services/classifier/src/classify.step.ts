import { createHash } from 'node:crypto';
import type { Delivery, HandlerOutcome } from '@huiying/bus';
import { ClassifierInputError, type RegistryClaim } from '@huiying/classifier-core';
import { Classification, type Post, type PostIngestedMessage } from '@huiying/contracts';

export interface PostClassifier {
  version: string;
  classify(input: { id: string; text: string; title?: string; author?: string; sourceId?: string }): Classification;
  /** Replaces the debunked claims and published statements posts are compared with. */
  setRegistry?(claims: RegistryClaim[]): void;
}

export type ClassifyResult =
  | { outcome: 'classified'; post: Post; classification: Classification; messageId: string }
  | Exclude<HandlerOutcome, { outcome: 'ok' }>;

/**
 * One ingested post → its classification. Pure apart from the classifier itself. The outgoing
 * message id is derived from the incoming one and the classifier version, so a post classified
 * twice (a redelivery after a crash) yields the same message and the incident service skips it.
 */
export function classifyStep(
  classifier: PostClassifier,
  delivery: Delivery<PostIngestedMessage['payload']>,
): ClassifyResult {
  const post = delivery.envelope.payload;
  let classification: Classification;
  try {
    classification = classifier.classify({
      id: post.id,
      text: post.text,
      ...(post.title !== undefined && { title: post.title }),
      ...(post.author !== undefined && { author: post.author }),
      sourceId: post.sourceId,
    });
  } catch (error) {
    // An empty or binary post is the post's fault: dropped with the reason, nothing to retry
    // or inspect. Anything else is the classifier's own failure on a readable post: retrying
    // would fail the same way, so it goes to the dead-letter topic, where someone looks.
    if (error instanceof ClassifierInputError)
      return { outcome: 'drop', reason: `post not classifiable: ${error.reason}: ${error.message}` };
    return {
      outcome: 'dead-letter',
      reason: `classifier failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const checked = Classification.safeParse(classification);
  if (!checked.success) {
    return { outcome: 'dead-letter', reason: `classifier output breaks the contract: ${checked.error.message}` };
  }
  const messageId = createHash('sha256')
    .update(`${delivery.envelope.id}|${classifier.version}`)
    .digest('hex')
    .slice(0, 32);
  return { outcome: 'classified', post, classification: checked.data, messageId };
}
