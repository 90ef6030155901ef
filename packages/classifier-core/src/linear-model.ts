import type { FeatureSet } from './features';
import { seededRandom } from '@huiying/seeded-random';

/**
 * A logistic regression over hashed features, each occurrence weighted 1/√n so long articles and
 * short titles land on the same scale. Small enough to write here; no runtime dependency.
 */
export interface LinearModel {
  bits: number;
  bias: number;
  weights: Float32Array;
}

export function logit(model: LinearModel, f: FeatureSet): number {
  const w = model.weights;
  const idx = f.indices;
  let text = 0;
  for (let i = 0; i < f.textLength; i++) text += w[idx[i]!]!;
  let rules = 0;
  for (let i = f.textLength; i < f.length; i++) rules += w[idx[i]!]!;
  return model.bias + (f.textLength > 0 ? text / Math.sqrt(f.textLength) : 0) + rules;
}

/**
 * Both tasks' weights side by side ([emergency, rumour] per bucket), so one pass over a post's
 * text features reads one cache line per feature instead of two far-apart ones.
 */
export interface InterleavedWeights {
  /** Weights quantised to int16 (as the model file stores them): half the bytes of float32. */
  q: Int16Array;
  scale: [number, number];
}

export function interleaveWeights(a: LinearModel, b: LinearModel): InterleavedWeights {
  if (a.bits !== b.bits) throw new Error(`models disagree on feature bits: ${a.bits} vs ${b.bits}`);
  const scaleOf = (m: LinearModel) => {
    let max = 0;
    for (const w of m.weights) max = Math.max(max, Math.abs(w));
    return max > 0 ? max / 32767 : 1;
  };
  const scale: [number, number] = [scaleOf(a), scaleOf(b)];
  const q = new Int16Array(a.weights.length * 2);
  for (let i = 0; i < a.weights.length; i++) {
    q[2 * i] = Math.round(a.weights[i]! / scale[0]);
    q[2 * i + 1] = Math.round(b.weights[i]! / scale[1]);
  }
  return { q, scale };
}

/**
 * The k text features with the largest positive weight, per model: what an explanation shows.
 * Kept while summing, since the weights are in hand then; `count[m]` entries of model m sit at
 * [m·k, m·k + count[m]), largest first.
 */
export interface TopFeatures {
  k: number;
  feature: Int32Array;
  weight: Float64Array;
  count: Int32Array;
}

export function createTopFeatures(k: number): TopFeatures {
  return { k, feature: new Int32Array(2 * k), weight: new Float64Array(2 * k), count: new Int32Array(2) };
}

/** Sums of both models' weights over the text features [0, textLength), into `out`. */
export function pairedTextSums(
  weights: InterleavedWeights,
  indices: Int32Array,
  textLength: number,
  out: Float64Array,
): void {
  const q = weights.q;
  let a = 0;
  let b = 0;
  for (let i = 0; i < textLength; i++) {
    const k = indices[i]! << 1;
    a += q[k]!;
    b += q[k + 1]!;
  }
  out[0] = a * weights.scale[0];
  out[1] = b * weights.scale[1];
}

/** The rumour model's weight sum over indices [from, to): its own text features (the opening ones). */
export function openingSum(weights: InterleavedWeights, indices: Int32Array, from: number, to: number): number {
  const q = weights.q;
  let b = 0;
  for (let i = from; i < to; i++) b += q[(indices[i]! << 1) + 1]!;
  return b * weights.scale[1];
}

/**
 * The top text features of model `m` (0 emergency, 1 rumour), for a flagged post only: most
 * posts are not flagged, and the second pass reads weights the sum just brought into cache.
 */
export function findTopFeatures(
  weights: InterleavedWeights,
  m: 0 | 1,
  indices: Int32Array,
  textLength: number,
  top: TopFeatures,
): void {
  const q = weights.q;
  const k = top.k;
  const base = m * k;
  const weight = top.weight;
  const feature = top.feature;
  // Compared as the int16 weights (the scale is positive, so the order is the same); `floor` is
  // what a weight must beat: 0 until k are kept, then the kth largest. Ties keep the earlier one.
  let count = 0;
  let floor = 0;
  for (let i = 0; i < textLength; i++) {
    const w = q[(indices[i]! << 1) + m]!;
    if (w <= floor) continue;
    let at = count === k ? k - 1 : count++;
    while (at > 0 && weight[base + at - 1]! < w) {
      weight[base + at] = weight[base + at - 1]!;
      feature[base + at] = feature[base + at - 1]!;
      at--;
    }
    weight[base + at] = w;
    feature[base + at] = i;
    if (count === k) floor = weight[base + k - 1]!;
  }
  top.count[m] = count;
  const scale = weights.scale[m];
  for (let j = 0; j < count; j++) weight[base + j] = weight[base + j]! * scale;
}

/** `logit` given the text features' weight sum already taken (see `pairedTextSums`). */
export function logitWithTextSum(model: LinearModel, textSum: number, f: FeatureSet): number {
  const w = model.weights;
  let rules = 0;
  for (let i = f.textLength; i < f.length; i++) rules += w[f.indices[i]!]!;
  return model.bias + (f.textLength > 0 ? textSum / Math.sqrt(f.textLength) : 0) + rules;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export interface TrainingExample {
  indices: Int32Array;
  textLength: number;
  label: 0 | 1;
  /** Sample weight: collapses a near-duplicate group so reposts do not count many times. */
  weight: number;
}

export interface TrainingOptions {
  bits: number;
  epochs: number;
  /** AdaGrad base learning rate. */
  learningRate: number;
  /** L2 penalty per update, scaled by the learning rate. */
  l2: number;
  /** Seed of the shuffling, so training is reproducible. */
  seed: number;
}

export function trainLogistic(examples: readonly TrainingExample[], opts: TrainingOptions): LinearModel {
  const size = 1 << opts.bits;
  const weights = new Float32Array(size);
  const g2 = new Float32Array(size).fill(1e-6);
  let bias = 0;
  let biasG2 = 1e-6;
  const random = seededRandom(opts.seed);
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const k of order) {
      const ex = examples[k]!;
      const n = ex.indices.length;
      const scale = ex.textLength > 0 ? 1 / Math.sqrt(ex.textLength) : 0;
      let z = bias;
      for (let i = 0; i < n; i++) z += weights[ex.indices[i]!]! * (i < ex.textLength ? scale : 1);
      const grad = (sigmoid(z) - ex.label) * ex.weight;
      for (let i = 0; i < n; i++) {
        const b = ex.indices[i]!;
        const g = grad * (i < ex.textLength ? scale : 1) + opts.l2 * weights[b]!;
        g2[b]! += g * g;
        weights[b]! -= (opts.learningRate * g) / Math.sqrt(g2[b]!);
      }
      biasG2 += grad * grad;
      bias -= (opts.learningRate * grad) / Math.sqrt(biasG2);
    }
  }
  return { bits: opts.bits, bias, weights };
}

/** Weights quantised to int16 with one scale: 2 bytes a bucket keeps the committed file small. */
export interface SerializedModel {
  bits: number;
  bias: number;
  scale: number;
  /** base64 of the little-endian Int16Array */
  weights: string;
}

export function serializeModel(model: LinearModel): SerializedModel {
  let max = 0;
  for (const w of model.weights) max = Math.max(max, Math.abs(w));
  const scale = max > 0 ? max / 32767 : 1;
  const q = new Int16Array(model.weights.length);
  for (let i = 0; i < q.length; i++) q[i] = Math.round(model.weights[i]! / scale);
  return {
    bits: model.bits,
    bias: model.bias,
    scale,
    weights: Buffer.from(q.buffer, q.byteOffset, q.byteLength).toString('base64'),
  };
}

export function deserializeModel(s: SerializedModel): LinearModel {
  const bytes = Buffer.from(s.weights, 'base64');
  const size = 1 << s.bits;
  if (bytes.length !== size * 2) {
    throw new Error(`model weights: expected ${size * 2} bytes, got ${bytes.length}`);
  }
  const weights = new Float32Array(size);
  for (let i = 0; i < size; i++) weights[i] = bytes.readInt16LE(i * 2) * s.scale;
  return { bits: s.bits, bias: s.bias, weights };
}
