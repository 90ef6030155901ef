import { seededRandom } from '@huiying/seeded-random';
import { trainLogistic, type LinearModel, type TrainingExample } from '../linear-model';

/**
 * The learners behind the committed models, and how their decisions are combined. Every learner
 * ends as one weight per bucket over the runtime's feature values (1/√n per text feature, 1 per
 * rule feature), so a calibrated sum of learners is again one linear model and inference is
 * unchanged: idf weighting and the combination are folded into the weights here, offline.
 */

export type LearnerSpec =
  | { kind: 'logistic'; epochs: number; learningRate: number; l2: number }
  /** L2-regularised squared-hinge SVM on idf-weighted features (liblinear's dual coordinate descent). */
  | { kind: 'svm'; C: number; maxEpochs: number };

/**
 * Inverse document frequency of every bucket over the training rows' text features; 1 for the
 * buckets rule features use (a rule is not a word: its weight is learnt as it is).
 */
export function idfTable(examples: readonly TrainingExample[], bits: number): Float32Array {
  const size = 1 << bits;
  const df = new Float32Array(size);
  const rule = new Uint8Array(size);
  for (const ex of examples) {
    for (let i = 0; i < ex.textLength; i++) df[ex.indices[i]!]!++;
    for (let i = ex.textLength; i < ex.indices.length; i++) rule[ex.indices[i]!] = 1;
  }
  const n = examples.length;
  const idf = new Float32Array(size);
  for (let b = 0; b < size; b++) idf[b] = rule[b] ? 1 : Math.log((1 + n) / (1 + df[b]!)) + 1;
  return idf;
}

/**
 * Dual coordinate descent for min ½‖w‖² + C Σ max(0, 1 − y·w·x)² (Hsieh et al. 2008), bias as a
 * feature of value 1. Text feature values are idf[b]/√n; the returned weights have idf folded in,
 * so the runtime's presence/√n features give the same margin.
 */
export function trainSvm(examples: readonly TrainingExample[], bits: number, C: number, maxEpochs: number, seed: number): LinearModel {
  const idf = idfTable(examples, bits);
  const w = new Float32Array(1 << bits);
  let bias = 0;
  const values = examples.map((ex) => {
    const v = new Float32Array(ex.indices.length);
    const s = ex.textLength > 0 ? 1 / Math.sqrt(ex.textLength) : 0;
    for (let i = 0; i < v.length; i++) v[i] = i < ex.textLength ? idf[ex.indices[i]!]! * s : 1;
    return v;
  });
  // A sample weight scales the example's C: its loss counts `weight` times.
  const diags = examples.map((ex) => 1 / (2 * C * ex.weight));
  const qii = values.map((v, k) => v.reduce((a, x) => a + x * x, 1) + diags[k]!);
  const alpha = new Float64Array(examples.length);
  const random = seededRandom(seed);
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < maxEpochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let maxViolation = 0;
    for (const k of order) {
      const ex = examples[k]!;
      const v = values[k]!;
      const y = ex.label === 1 ? 1 : -1;
      let z = bias;
      for (let i = 0; i < v.length; i++) z += w[ex.indices[i]!]! * v[i]!;
      const g = y * z - 1 + diags[k]! * alpha[k]!;
      const pg = alpha[k] === 0 ? Math.min(g, 0) : g;
      maxViolation = Math.max(maxViolation, Math.abs(pg));
      if (pg === 0) continue;
      const old = alpha[k]!;
      alpha[k] = Math.max(old - g / qii[k]!, 0);
      const d = (alpha[k]! - old) * y;
      for (let i = 0; i < v.length; i++) w[ex.indices[i]!]! += d * v[i]!;
      bias += d;
    }
    if (maxViolation < 1e-3) break;
  }
  for (let b = 0; b < w.length; b++) w[b]! *= idf[b]!;
  return { bits, bias, weights: w };
}

export function trainLearner(spec: LearnerSpec, examples: readonly TrainingExample[], bits: number, seed: number): LinearModel {
  if (spec.kind === 'svm') return trainSvm(examples, bits, spec.C, spec.maxEpochs, seed);
  return trainLogistic(examples, { bits, epochs: spec.epochs, learningRate: spec.learningRate, l2: spec.l2, seed });
}

/**
 * Platt-style calibration of k learners' margins: a logistic regression z = b + Σ a_k·m_k fitted
 * on out-of-fold margins (Newton's method, a small ridge so separable data stays finite). The
 * result is a probability, so the registry's and credibility's stated logit weights mean what
 * they say.
 */
export interface Calibration {
  coef: number[];
  intercept: number;
}

export function fitCalibration(margins: ReadonlyArray<readonly number[]>, labels: readonly number[], ridge = 1e-3): Calibration {
  const k = margins[0]?.length ?? 0;
  const p = k + 1;
  const beta = new Array<number>(p).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const grad = new Array<number>(p).fill(0);
    const hess = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    margins.forEach((m, n) => {
      const x = [...m, 1];
      let z = 0;
      for (let i = 0; i < p; i++) z += beta[i]! * x[i]!;
      const q = 1 / (1 + Math.exp(-z));
      const r = q * (1 - q);
      for (let i = 0; i < p; i++) {
        grad[i]! += (q - labels[n]!) * x[i]!;
        for (let j = 0; j < p; j++) hess[i]![j]! += r * x[i]! * x[j]!;
      }
    });
    for (let i = 0; i < k; i++) {
      grad[i]! += ridge * beta[i]!;
      hess[i]![i]! += ridge;
    }
    const step = solve(hess, grad);
    let size = 0;
    for (let i = 0; i < p; i++) {
      beta[i]! -= step[i]!;
      size = Math.max(size, Math.abs(step[i]!));
    }
    if (size < 1e-9) break;
  }
  return { coef: beta.slice(0, k), intercept: beta[k]! };
}

export function calibrated(c: Calibration, margins: readonly number[]): number {
  let z = c.intercept;
  for (let i = 0; i < margins.length; i++) z += c.coef[i]! * margins[i]!;
  return 1 / (1 + Math.exp(-z));
}

/** One linear model: Σ a_k·(learner k) + b, the calibrated combination folded into the weights. */
export function combine(models: readonly LinearModel[], c: Calibration): LinearModel {
  const bits = models[0]!.bits;
  const weights = new Float32Array(1 << bits);
  let bias = c.intercept;
  models.forEach((m, k) => {
    const a = c.coef[k]!;
    bias += a * m.bias;
    for (let b = 0; b < weights.length; b++) weights[b]! += a * m.weights[b]!;
  });
  return { bits, bias, weights };
}

/** Gaussian elimination with partial pivoting for the small Newton systems above. */
function solve(a: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const m = a.map((row, i) => [...row, rhs[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const d = m[col]![col]! || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / d;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / (row[i]! || 1e-12));
}
