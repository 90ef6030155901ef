import { featureLabel, type FeatureScratch } from './features';
import type { TopFeatures } from './linear-model';

/**
 * The tokens and bigrams that pushed model `m`'s score up the most: the "why" of a model flag.
 * The top features were kept while the score was summed; only those few become strings.
 */
export function topContributions(
  top: TopFeatures,
  m: 0 | 1,
  textLength: number,
  scratch: FeatureScratch,
  text: string,
  tokens: readonly string[],
): string[] {
  const scale = textLength > 0 ? 1 / Math.sqrt(textLength) : 0;
  const out: string[] = [];
  for (let j = 0; j < top.count[m]!; j++) {
    const w = top.weight[m * top.k + j]! * scale;
    out.push(
      `${featureLabel(scratch, top.feature[m * top.k + j]!, text, tokens)} +${thousandths(Math.round(w * 1000))}`,
    );
  }
  return out;
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
