/** Binary metrics for the positive class, in the shape `huiying eval --json` prints. */
export interface BinaryMetrics {
  task: string;
  n: number;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  confusion: { tp: number; fp: number; fn: number; tn: number };
}

export function binaryMetrics(task: string, pairs: ReadonlyArray<{ gold: boolean; predicted: boolean }>): BinaryMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const { gold, predicted } of pairs) {
    if (gold && predicted) tp++;
    else if (!gold && predicted) fp++;
    else if (gold && !predicted) fn++;
    else tn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const n = pairs.length;
  const round = (x: number) => Math.round(x * 10000) / 10000;
  return {
    task,
    n,
    precision: round(precision),
    recall: round(recall),
    f1: round(f1),
    accuracy: round(n === 0 ? 0 : (tp + tn) / n),
    confusion: { tp, fp, fn, tn },
  };
}

/** Wilson score interval: recall on ~50 positives needs its uncertainty stated. */
export function wilsonInterval(successes: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const d = 1 + (z * z) / n;
  const c = p + (z * z) / (2 * n);
  const m = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, (c - m) / d), Math.min(1, (c + m) / d)];
}
