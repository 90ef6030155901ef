import { featureBucket } from './features';
import type { LinearModel } from './linear-model';

/**
 * The tokens and bigrams that pushed a model's score up the most: the "why" of a model flag.
 * Only run for flagged posts, so its string building does not cost on the common path.
 */
export function topContributions(
  model: LinearModel,
  text: string,
  tokens: readonly string[],
  textLength: number,
  bits: number,
  k: number,
): string[] {
  const scale = textLength > 0 ? 1 / Math.sqrt(textLength) : 0;
  const seen = new Map<number, { label: string; w: number }>();
  const add = (label: string, bucket: number) => {
    if (!seen.has(bucket)) seen.set(bucket, { label, w: model.weights[bucket]! * scale });
  };
  for (const t of tokens) if (t.trim() !== '') add(t, featureBucket('w', t, bits));
  const compact = text.replace(/[\s\u3000]+/g, '');
  for (let i = 0; i + 1 < compact.length; i++) {
    const g = compact.slice(i, i + 2);
    add(g, featureBucket('c2', g, bits));
  }
  return [...seen.values()]
    .filter((x) => x.w > 0)
    .sort((a, b) => b.w - a.w)
    .slice(0, k)
    .map((x) => `${x.label} +${Math.round(x.w * 1000) / 1000}`);
}
