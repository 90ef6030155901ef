import fs from 'node:fs';
import { DEFAULT_MODEL_PATH } from '../model-file';
import { evalDir } from '../training/dataset';
import { DEFAULT_TRAIN_OPTIONS, trainModels } from '../training/train-models';
import { one, parseArgs } from './args';

// Usage: tsx train.ts [--holdout 0.2] [--out FILE] [--epochs N] [--bits N] [--min-precision P] [--sweep]
// Reads ${HUIYING_EVAL_DIR:-../shared/eval}/dev and writes the model file (default: the committed one).
const args = parseArgs(process.argv.slice(2));
const out = one(args, 'out') ?? DEFAULT_MODEL_PATH;
const model = trainModels({
  ...DEFAULT_TRAIN_OPTIONS,
  evalDir: one(args, 'eval-dir') ?? evalDir(),
  holdoutFraction: Number(one(args, 'holdout') ?? DEFAULT_TRAIN_OPTIONS.holdoutFraction),
  epochs: Number(one(args, 'epochs') ?? DEFAULT_TRAIN_OPTIONS.epochs),
  bits: Number(one(args, 'bits') ?? DEFAULT_TRAIN_OPTIONS.bits),
  emergencyMinPrecision: Number(one(args, 'min-precision') ?? DEFAULT_TRAIN_OPTIONS.emergencyMinPrecision),
  log: (line) => console.error(line),
  showSweep: args.has('sweep'),
});
fs.writeFileSync(out, JSON.stringify(model) + '\n');
console.log(JSON.stringify({ out, bytes: fs.statSync(out).size, provenance: model.provenance }));
