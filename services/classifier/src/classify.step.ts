import { createHash } from 'node:crypto';
import type { Delivery, HandlerOutcome } from '@huiying/bus';
import { Classification, type Post, type PostIngestedMessage } from '@huiying/contracts';

export interface PostClassifier {
  version: string;
  classify(input: { id: string; text: string; title?: string; author?: string; sourceId?: string }): Classification;
}

export type ClassifyResult =
  | { outcome: 'classified'; post: Post; classification: Classification; messageId: string }
  | Exclude<HandlerOutcome, { outcome: 'ok' }>;

/**
 * One ingested post → its classification. Pure apart from the classifier itself. The outgoing
 * message id is derived from the incoming one and the classifier version, so a post classified
 * twice (a redelivery after a crash) yields the same message and the incident service skips it.
 */
export function classifyStep(classifier: PostClassifier, delivery: Delivery<PostIngestedMessage['payload']>): ClassifyResult {
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
    // A text the classifier cannot take is a property of the message, not a passing fault:
    // retrying would fail the same way, so it goes to the dead-letter topic with the reason.
    return { outcome: 'dead-letter', reason: `classifier refused the post: ${(error as Error).message}` };
  }
  const checked = Classification.safeParse(classification);
  if (!checked.success) {
    return { outcome: 'dead-letter', reason: `classifier output breaks the contract: ${checked.error.message}` };
  }
  const messageId = createHash('sha256').update(`${delivery.envelope.id}|${classifier.version}`).digest('hex').slice(0, 32);
  return { outcome: 'classified', post, classification: checked.data, messageId };
}
