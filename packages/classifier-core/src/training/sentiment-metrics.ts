import type { Sentiment } from '@huiying/contracts';

export const SENTIMENTS: readonly Sentiment[] = ['negative', 'neutral', 'positive'];

/** Three-class figures: accuracy, macro-F1, per-class P/R/F1 and the confusion matrix (gold → predicted). */
export interface SentimentMetrics {
  task: 'sentiment';
  n: number;
  accuracy: number;
  macroF1: number;
  perClass: Record<Sentiment, { precision: number; recall: number; f1: number; n: number }>;
  confusion: Record<Sentiment, Record<Sentiment, number>>;
}

export function sentimentMetrics(pairs: ReadonlyArray<{ gold: Sentiment; predicted: Sentiment }>): SentimentMetrics {
  const confusion = Object.fromEntries(
    SENTIMENTS.map((g) => [g, Object.fromEntries(SENTIMENTS.map((p) => [p, 0]))]),
  ) as SentimentMetrics['confusion'];
  for (const { gold, predicted } of pairs) confusion[gold][predicted]++;
  const round = (x: number) => Math.round(x * 10000) / 10000;
  const perClass = {} as SentimentMetrics['perClass'];
  for (const c of SENTIMENTS) {
    const tp = confusion[c][c];
    const predicted = SENTIMENTS.reduce((s, g) => s + confusion[g][c], 0);
    const gold = SENTIMENTS.reduce((s, p) => s + confusion[c][p], 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = gold === 0 ? 0 : tp / gold;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[c] = { precision: round(precision), recall: round(recall), f1: round(f1), n: gold };
  }
  const correct = SENTIMENTS.reduce((s, c) => s + confusion[c][c], 0);
  return {
    task: 'sentiment',
    n: pairs.length,
    accuracy: round(pairs.length === 0 ? 0 : correct / pairs.length),
    macroF1: round(SENTIMENTS.reduce((s, c) => s + perClass[c].f1, 0) / SENTIMENTS.length),
    perClass,
    confusion,
  };
}
