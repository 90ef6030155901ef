import path from 'node:path';
import { createClassifier, isLocalEvent, RULES_REVISION } from '../classifier';
import { binaryMetrics, type BinaryMetrics } from './metrics';
import { isHeldOut, POSITIVE_LABEL, readJsonl, sha256File, type Task, taskFiles, TUNE_SPLIT_SEED } from './dataset';
import {
  logit,
  serializeModel,
  sigmoid,
  trainLogistic,
  type TrainingExample,
  type TrainingOptions,
} from '../linear-model';
import type { ModelFile } from '../model-file';

export interface TrainOptions {
  evalDir: string;
  /** Share of dev (by dup_group) kept out of training for honest figures; 0 trains on all. */
  holdoutFraction: number;
  bits: number;
  epochs: number;
  learningRate: number;
  l2: number;
  folds: number;
  /** Emergency: the threshold is the lowest whose cross-validated precision stays above this. */
  emergencyMinPrecision: number;
  log: (line: string) => void;
  /** Print every threshold's cross-validated P/R/F1 (stderr). */
  showSweep?: boolean;
}

export const DEFAULT_TRAIN_OPTIONS: Omit<TrainOptions, 'evalDir' | 'log'> = {
  holdoutFraction: 0,
  bits: 18,
  epochs: 10,
  learningRate: 0.5,
  l2: 1e-6,
  folds: 4,
  emergencyMinPrecision: 0.95,
};

interface Row {
  example: TrainingExample;
  group: string;
  /** Emergency: the local-event rule fires whatever the model says. */
  forced: boolean;
  /** Emergency: a drill/forecast/negation/… veto applies whatever the model says. */
  vetoed: boolean;
}

function foldOf(group: string, folds: number): number {
  let h = 0;
  for (let i = 0; i < group.length; i++) h = (Math.imul(h, 31) + group.charCodeAt(i)) >>> 0;
  return h % folds;
}

/** Out-of-fold probabilities by dup_group, so the threshold is chosen on unseen groups. */
function crossValidated(rows: Row[], folds: number, t: TrainingOptions): number[] {
  const probs = new Array<number>(rows.length).fill(0);
  for (let k = 0; k < folds; k++) {
    const train = rows.filter((r) => foldOf(r.group, folds) !== k).map((r) => r.example);
    const model = trainLogistic(train, t);
    rows.forEach((r, i) => {
      if (foldOf(r.group, folds) === k) {
        probs[i] = sigmoid(
          logit(model, {
            indices: r.example.indices,
            textLength: r.example.textLength,
            length: r.example.indices.length,
          }),
        );
      }
    });
  }
  return probs;
}

function chooseThreshold(
  task: Task,
  rows: Row[],
  probs: number[],
  minPrecision: number,
): { threshold: number; cv: BinaryMetrics; sweep: string[] } {
  let best: { threshold: number; cv: BinaryMetrics } | null = null;
  const sweep: string[] = [];
  for (let th = 0.05; th <= 0.951; th += 0.025) {
    // The decision `classify` makes: the model at this threshold, plus the rules around it.
    const m = binaryMetrics(
      task,
      rows.map((r, i) => ({ gold: r.example.label === 1, predicted: (probs[i]! >= th || r.forced) && !r.vetoed })),
    );
    sweep.push(`${th.toFixed(3)} P${m.precision.toFixed(3)} R${m.recall.toFixed(3)} F${m.f1.toFixed(3)}`);
    if (task === 'emergency') {
      // Recall first (a missed landslide is the worst failure), within a precision floor.
      if (m.precision >= minPrecision && (best === null || m.recall > best.cv.recall)) best = { threshold: th, cv: m };
    } else if (best === null || m.f1 > best.cv.f1) best = { threshold: th, cv: m };
  }
  if (best === null) throw new Error(`${task}: no threshold reaches precision ${minPrecision} in cross-validation`);
  return { threshold: Math.round(best.threshold * 1000) / 1000, cv: best.cv, sweep };
}

export function trainModels(opts: TrainOptions): ModelFile {
  // Rules only while extracting features: the rule findings are features, not verdicts.
  // Features hashed into the model's own number of buckets (`--bits`).
  const classifier = createClassifier({ models: null, featureBits: opts.bits });
  const t: TrainingOptions = {
    bits: opts.bits,
    epochs: opts.epochs,
    learningRate: opts.learningRate,
    l2: opts.l2,
    seed: 20171,
  };
  const dev = path.join(opts.evalDir, 'dev');
  const out: Partial<ModelFile> = { format: 1, featureBits: opts.bits };
  const dataFiles: Record<string, string> = {};
  const cvFigures: Record<string, unknown> = {};
  for (const task of ['emergency', 'rumor'] as const) {
    const rows: Row[] = [];
    let heldOut = 0;
    for (const file of taskFiles(dev, task)) {
      dataFiles[path.basename(file)] = sha256File(file);
      for (const post of readJsonl(file)) {
        if (isHeldOut(post, opts.holdoutFraction)) {
          heldOut++;
          continue;
        }
        const a = classifier.analyze({ id: post.id, text: post.text });
        const indices = task === 'emergency' ? a.emergencyFeatures : a.rumorFeatures;
        const textLength = task === 'emergency' ? a.emergencyTextLength : a.rumorTextLength;
        rows.push({
          example: { indices, textLength, label: post.label === POSITIVE_LABEL[task] ? 1 : 0, weight: 1 },
          group: post.dup_group ?? post.id,
          forced: task === 'emergency' && isLocalEvent(a.emergency, a.counties),
          vetoed: task === 'emergency' && a.emergency.vetoes.size > 0,
        });
      }
    }
    opts.log(`${task}: ${rows.length} training posts, ${heldOut} held out`);
    const probs = crossValidated(rows, opts.folds, t);
    const { threshold, cv, sweep } = chooseThreshold(task, rows, probs, opts.emergencyMinPrecision);
    if (opts.showSweep) opts.log(`${task}: cross-validated decisions by threshold:\n${sweep.join('\n')}`);
    opts.log(`${task}: threshold ${threshold}, ${opts.folds}-fold CV ${JSON.stringify(cv)}`);
    cvFigures[task] = cv;
    const model = trainLogistic(
      rows.map((r) => r.example),
      t,
    );
    out[task] = { ...serializeModel(model), threshold };
  }
  out.provenance = {
    command: `npm run train:classifier${opts.holdoutFraction > 0 ? ` -- --holdout ${opts.holdoutFraction}` : ''}`,
    data: { dir: 'HUIYING_EVAL_DIR or ../shared/eval (dev/)', files: dataFiles },
    split: { seed: TUNE_SPLIT_SEED, holdoutFraction: opts.holdoutFraction, by: 'dup_group' },
    rulesRevision: RULES_REVISION,
    thresholds:
      'out-of-fold probabilities by dup_group; emergency decisions scored as classify makes them (model, local_event rule, vetoes): highest recall with precision >= emergencyMinPrecision; rumour: best F1',
    options: {
      bits: opts.bits,
      epochs: opts.epochs,
      learningRate: opts.learningRate,
      l2: opts.l2,
      folds: opts.folds,
      emergencyMinPrecision: opts.emergencyMinPrecision,
    },
    crossValidation: cvFigures,
  };
  return out as ModelFile;
}
