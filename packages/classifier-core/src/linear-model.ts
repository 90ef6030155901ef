import type { FeatureSet } from './features';

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

/** mulberry32: a tiny seeded PRNG; Math.random would make the committed model unreproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
