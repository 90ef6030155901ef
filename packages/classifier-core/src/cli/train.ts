import fs from 'node:fs';
import { DEFAULT_MODEL_PATH } from '../model-file';
import { evalDir } from '../training/dataset';
import { DEFAULT_LEARNERS, DEFAULT_TRAIN_OPTIONS, learnersFor, trainModels } from '../training/train-models';
import { one, parseArgs } from './args';

// Usage: tsx train.ts [--holdout 0.2] [--out FILE] [--epochs N] [--bits N] [--min-precision P] [--sweep]
//                     [--emergency-learners logistic,svm] [--rumor-learners svm] [--own-weight W]
//                     [--oof FILE]  (out-of-fold probabilities of the training part, JSONL, for error analysis)
// Reads ${HUIYING_EVAL_DIR:-../shared/eval}/dev and writes the model file (default: the committed one).
const argv = process.argv.slice(2);
const args = parseArgs(argv);
const out = one(args, 'out') ?? DEFAULT_MODEL_PATH;
const epochs = Number(one(args, 'epochs') ?? DEFAULT_TRAIN_OPTIONS.epochs);
const learnerNames = (task: 'emergency' | 'rumor') => one(args, `${task}-learners`)?.split(',') ?? DEFAULT_LEARNERS[task];
const oofPath = one(args, 'oof');
const oof: string[] = [];
const model = trainModels({
  ...DEFAULT_TRAIN_OPTIONS,
  evalDir: one(args, 'eval-dir') ?? evalDir(),
  holdoutFraction: Number(one(args, 'holdout') ?? DEFAULT_TRAIN_OPTIONS.holdoutFraction),
  epochs,
  bits: Number(one(args, 'bits') ?? DEFAULT_TRAIN_OPTIONS.bits),
  emergencyMinPrecision: Number(one(args, 'min-precision') ?? DEFAULT_TRAIN_OPTIONS.emergencyMinPrecision),
  learners: learnersFor({ emergency: learnerNames('emergency'), rumor: learnerNames('rumor') }, { ...DEFAULT_TRAIN_OPTIONS, epochs }),
  ownNonRumors: { ...DEFAULT_TRAIN_OPTIONS.ownNonRumors, weight: Number(one(args, 'own-weight') ?? DEFAULT_TRAIN_OPTIONS.ownNonRumors.weight) },
  command: `npm run train:classifier${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
  log: (line) => console.error(line),
  showSweep: args.has('sweep'),
  ...(oofPath !== undefined && { outOfFold: (row) => oof.push(JSON.stringify(row)) }),
});
if (oofPath !== undefined) fs.writeFileSync(oofPath, oof.join('\n') + '\n');
fs.writeFileSync(out, JSON.stringify(model) + '\n');
console.log(JSON.stringify({ out, bytes: fs.statSync(out).size, provenance: model.provenance }));
