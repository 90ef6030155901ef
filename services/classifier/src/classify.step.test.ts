import { buildEnvelope, type Delivery } from '@huiying/bus';
import { createClassifier } from '@huiying/classifier-core';
import { PostIngestedMessage, type Post } from '@huiying/contracts';
import { classifyStep, type PostClassifier } from './classify.step';

// The real classifier: committed dictionary, model and tables.
const classifier = createClassifier({
  registry: [{ id: 'debunk-1', kind: 'debunked', text: '康县阳坝镇水库溃坝，下游村庄全部被淹' }],
});

function delivery(text: string, id = 'env-1'): Delivery<Post> {
  const post: Post = {
    id: 'weibo:1',
    sourceId: 'weibo',
    sourceKind: 'sample',
    text,
    publishedAt: '2026-06-12T02:00:00.000Z',
    collectedAt: '2026-06-12T02:01:00.000Z',
  };
  const envelope = buildEnvelope<Post>(
    PostIngestedMessage,
    post,
    { id, key: post.id },
    'test',
    new Date('2026-06-12T02:01:00Z'),
  );
  return { envelope, topic: 'posts.ingested', partition: 0, offset: '0', key: post.id, attempt: 1 };
}

/** A classifier that fails on a readable post: a bug of ours, not of the post. */
const broken: PostClassifier = {
  version: 'broken',
  classify: () => {
    throw new TypeError("Cannot read properties of undefined (reading 'weights')");
  },
};

describe('classifyStep', () => {
  it.each([
    ['陇南市文县发生山体滑坡，已造成3人死亡', true, false],
    // A rumoured emergency is both: the duty officer checks it either way.
    ['网传康县阳坝镇水库溃坝，下游村庄全部被淹，紧急扩散！', true, true],
    ['今天天气不错，去万象洞玩了一天', false, false],
  ])('%s → classified (emergency %s, rumour %s)', (text, emergency, rumor) => {
    const result = classifyStep(classifier, delivery(text));
    expect(result.outcome).toBe('classified');
    if (result.outcome !== 'classified') return;
    expect(result.classification.emergency.flagged).toBe(emergency);
    expect(result.classification.rumor.flagged).toBe(rumor);
    expect(result.classification.version).toBe(classifier.version);
  });

  it.each([
    ['', 'empty'],
    ['   \n\t ', 'empty'],
    ['\u0000\u0001\u0002\ufffd\ufffd\u0003\u0004abc\u0005\u0006', 'binary'],
  ])('%j is dropped with the reason %s, not dead-lettered', (text, reason) => {
    const result = classifyStep(classifier, delivery(text));
    expect(result).toEqual({ outcome: 'drop', reason: expect.stringContaining(reason) });
  });

  it('a failure of the classifier itself dead-letters with the error', () => {
    const result = classifyStep(broken, delivery('陇南市文县发生山体滑坡'));
    expect(result).toEqual({
      outcome: 'dead-letter',
      reason: expect.stringContaining('classifier failed: Cannot read properties'),
    });
  });

  it('the outgoing id depends on the incoming message and the version only', () => {
    const a = classifyStep(classifier, delivery('文县发生泥石流', 'env-a'));
    const again = classifyStep(classifier, delivery('文县发生泥石流', 'env-a'));
    const other = classifyStep(classifier, delivery('文县发生泥石流', 'env-b'));
    expect(a.outcome === 'classified' && again.outcome === 'classified' && other.outcome === 'classified').toBe(true);
    if (a.outcome !== 'classified' || again.outcome !== 'classified' || other.outcome !== 'classified') return;
    expect(again.messageId).toBe(a.messageId);
    expect(other.messageId).not.toBe(a.messageId);
  });

  it('a registry set later applies to the next post', () => {
    const fresh = createClassifier();
    const text = '礼县盐官镇自来水厂被投毒，大家千万别喝自来水';
    const before = classifyStep(fresh, delivery(text));
    fresh.setRegistry([{ id: 'debunk-9', kind: 'debunked', text: '礼县盐官镇自来水厂被投毒' }]);
    const after = classifyStep(fresh, delivery(text));
    expect(before.outcome === 'classified' && before.classification.rumor.claimId).toBeNull();
    expect(after.outcome === 'classified' && after.classification.rumor.claimId).toBe('debunk-9');
  });
});
