import { logit, type TrainingExample } from '../linear-model';
import { calibrated, combine, fitCalibration, idfTable, trainSvm } from './learners';

const BITS = 6;

/** Text features [0, textLength), then rule features: the layout the classifier builds. */
function example(text: number[], rules: number[], label: 0 | 1, weight = 1): TrainingExample {
  return { indices: Int32Array.from([...text, ...rules]), textLength: text.length, label, weight };
}

const featureSet = (ex: TrainingExample) => ({ indices: ex.indices, textLength: ex.textLength, length: ex.indices.length });

// Bucket 1 marks the positives, 2 the negatives; 3 and 4 are on every post; 10 is a rule.
const examples: TrainingExample[] = [
  example([1, 3, 4], [], 1),
  example([1, 3], [10], 1),
  example([1, 4, 5], [], 1),
  example([2, 3, 4], [], 0),
  example([2, 3], [], 0),
  example([2, 4, 6], [10], 0),
];

describe('idf table', () => {
  it('weights rare text features up, common ones down, and leaves rule buckets at 1', () => {
    const idf = idfTable(examples, BITS);
    expect(idf[5]!).toBeGreaterThan(idf[1]!);
    expect(idf[1]!).toBeGreaterThan(idf[3]!);
    expect(idf[10]).toBe(1);
  });
});

describe('SVM', () => {
  it('separates the training posts, with the runtime features giving the margins', () => {
    const model = trainSvm(examples, BITS, 1, 100, 7);
    for (const ex of examples) expect(Math.sign(logit(model, featureSet(ex)))).toBe(ex.label === 1 ? 1 : -1);
    // An unseen post with only the positive marker reads positive.
    expect(logit(model, featureSet(example([1], [], 1)))).toBeGreaterThan(0);
  });

  it('a sample weight makes a post count more', () => {
    // One post contradicts the marker; given weight it pulls the model towards itself.
    const contrary = example([1, 5], [], 0);
    const light = trainSvm([...examples, { ...contrary, weight: 0.01 }], BITS, 1, 200, 7);
    const heavy = trainSvm([...examples, { ...contrary, weight: 100 }], BITS, 1, 200, 7);
    expect(logit(heavy, featureSet(contrary))).toBeLessThan(logit(light, featureSet(contrary)));
  });
});

describe('calibration and combination', () => {
  it('recovers the slope and intercept of a logistic relation', () => {
    // Labels drawn deterministically so that P(y=1 | m) = sigmoid(2m − 1).
    const margins: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const m = -3 + (6 * i) / 4000;
      const p = 1 / (1 + Math.exp(-(2 * m - 1)));
      const u = ((i * 0.6180339887) % 1 + 1) % 1;
      margins.push([m]);
      labels.push(u < p ? 1 : 0);
    }
    const c = fitCalibration(margins, labels);
    expect(c.coef[0]!).toBeCloseTo(2, 0);
    expect(c.intercept).toBeCloseTo(-1, 0);
  });

  it('folds the calibrated sum of two learners into one linear model', () => {
    const a = trainSvm(examples, BITS, 1, 100, 7);
    const b = trainSvm(examples, BITS, 0.1, 100, 8);
    const c = { coef: [0.7, 1.9], intercept: -0.4 };
    const one = combine([a, b], c);
    for (const ex of examples) {
      const f = featureSet(ex);
      const expected = calibrated(c, [logit(a, f), logit(b, f)]);
      expect(1 / (1 + Math.exp(-logit(one, f)))).toBeCloseTo(expected, 5);
    }
  });
});
