import { featureLabel, type FeatureScratch } from './features';
import type { TopFeatures } from './linear-model';

/**
 * The tokens and bigrams that pushed model `m`'s score up the most: the "why" of a model flag.
 * The top features were kept while the score was summed; only those few become strings. A word
 * is often both a jieba token and a character bigram (网传 twice, r8): its lines are merged into
 * one with the summed weight: each term appears once, with what it contributed.
 */
export function topContributions(
  top: TopFeatures,
  m: 0 | 1,
  textLength: number,
  scratch: FeatureScratch,
  text: string,
  tokens: readonly string[],
  show: number = top.k,
): string[] {
  const scale = textLength > 0 ? 1 / Math.sqrt(textLength) : 0;
  const labels: string[] = [];
  const weights: number[] = [];
  for (let j = 0; j < top.count[m]!; j++) {
    const label = featureLabel(scratch, top.feature[m * top.k + j]!, text, tokens);
    const w = top.weight[m * top.k + j]! * scale;
    const at = labels.indexOf(label);
    if (at >= 0) weights[at]! += w;
    else {
      labels.push(label);
      weights.push(w);
    }
  }
  const order = labels.map((_, i) => i).sort((a, b) => weights[b]! - weights[a]! || a - b);
  return order.slice(0, show).map((i) => `${labels[i]!} +${thousandths(Math.round(weights[i]! * 1000))}`);
}

/** '', '.001', …, '.5', …, '.999': the fraction part of a weight in thousandths, as String() prints it. */
const FRACTIONS: readonly string[] = Array.from({ length: 1000 }, (_, f) =>
  f === 0 ? '' : `.${String(f).padStart(3, '0').replace(/0+$/, '')}`,
);

/**
 * `String(r / 1000)` for an integer r ≥ 0 (what `Math.round(w * 1000) / 1000` prints), from
 * integers: a double's shortest form costs more than the rest of an explanation line.
 */
export function thousandths(r: number): string {
  const whole = Math.floor(r / 1000);
  return String(whole) + FRACTIONS[r - whole * 1000]!;
}
