import { readFileSync } from 'node:fs';
import { createClassifier } from '../classifier';
import { GOLDEN_FILE, goldenPosts } from './golden-posts';

// The committed classifications of the project's posts: a speed-up that changes any score,
// term or evidence order fails here. Rewritten (write-golden.ts) only with a new rules revision.
const golden = new Map(
  readFileSync(GOLDEN_FILE, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { id: string; classification: unknown })
    .map((g) => [g.id, g.classification]),
);
const classifier = createClassifier();

describe('classifications of the golden posts', () => {
  const posts = goldenPosts();

  it('covers every golden post', () => {
    expect(posts.map((p) => p.id).sort()).toEqual([...golden.keys()].sort());
  });

  it.each(posts.map((p) => [p.id, p] as const))('%s is classified as committed', (id, post) => {
    expect(JSON.parse(JSON.stringify(classifier.classify(post)))).toEqual(golden.get(id));
  });

  it('gives the same answers when the posts come again in another order (no state leaks between posts)', () => {
    for (const post of [...posts].reverse())
      expect(JSON.parse(JSON.stringify(classifier.classify(post)))).toEqual(golden.get(post.id));
  });
});
