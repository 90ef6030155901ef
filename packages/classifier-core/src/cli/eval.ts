import fs from 'node:fs';
import { createClassifier } from '../classifier';
import { ClassifierInputError } from '../input';
import { loadModelFile } from '../model-file';
import { expandDataPaths, isHeldOut, POSITIVE_LABEL, readJsonl, type Task } from '../training/dataset';
import { binaryMetrics, wilsonInterval } from '../training/metrics';
import { SENTIMENTS, sentimentMetrics } from '../training/sentiment-metrics';
import type { Sentiment } from '@huiying/contracts';
import { one, parseArgs } from './args';

// Usage: tsx eval.ts --task emergency|rumor|sentiment --data F.jsonl [--data DIR ...] [--json]
//                    [--split heldout|train --holdout 0.25] [--model FILE] [--errors]
// Last line printed: {"task","n","precision","recall","f1","accuracy","confusion"}; for
// sentiment (labels negative|neutral|positive): {"task","n","accuracy","macroF1","perClass","confusion"}.
const args = parseArgs(process.argv.slice(2));
const requested = one(args, 'task');
const dataPaths = args.get('data');
if (!dataPaths || dataPaths.length === 0) throw new Error('--data FILE.jsonl (or a directory) is required');
if (requested === 'sentiment') {
  const classifier = createClassifier();
  const pairs: Array<{ gold: Sentiment; predicted: Sentiment }> = [];
  for (const file of expandDataPaths(dataPaths)) {
    for (const post of readJsonl(file)) {
      if (!SENTIMENTS.includes(post.label as Sentiment)) continue;
      const predicted = classifier.classify({ id: post.id, text: post.text }).sentiment;
      if (args.has('errors') && predicted !== post.label) console.log(`${post.label} → ${predicted} ${post.id} ${post.text}`);
      pairs.push({ gold: post.label as Sentiment, predicted });
    }
  }
  fs.writeSync(1, JSON.stringify(sentimentMetrics(pairs)) + '\n');
  process.exit(0);
}
const task = requested as Task | undefined;
if (task !== 'emergency' && task !== 'rumor') throw new Error('--task emergency|rumor|sentiment is required');
const split = one(args, 'split');
const holdout = Number(one(args, 'holdout') ?? 0.25);
const modelPath = one(args, 'model');
const classifier = createClassifier(modelPath ? { models: loadModelFile(modelPath) } : {});
const showErrors = args.has('errors');

const pairs: Array<{ gold: boolean; predicted: boolean }> = [];
const perFile: Record<string, Array<{ gold: boolean; predicted: boolean }>> = {};
let rejected = 0;
for (const file of expandDataPaths(dataPaths)) {
  for (const post of readJsonl(file)) {
    if ((post.task !== undefined && post.task !== task) || typeof post.label !== 'string') continue;
    if (split === 'heldout' && !isHeldOut(post, holdout)) continue;
    if (split === 'train' && isHeldOut(post, holdout)) continue;
    const gold = post.label === POSITIVE_LABEL[task];
    let predicted = false;
    try {
      const c = classifier.classify({ id: post.id, text: post.text, ...(post.title !== undefined && { title: post.title }) });
      predicted = task === 'emergency' ? c.emergency.flagged : c.rumor.flagged;
      if (showErrors && predicted !== gold) {
        const score = task === 'emergency' ? c.emergency.score : c.rumor.score;
        console.log(`${gold ? 'FN' : 'FP'} ${score} ${post.id} ${post.text.slice(0, 90).replace(/\n/g, ' ')}`);
      }
    } catch (err) {
      if (!(err instanceof ClassifierInputError)) throw err;
      rejected++;
    }
    pairs.push({ gold, predicted });
    (perFile[file] ??= []).push({ gold, predicted });
  }
}
const metrics = binaryMetrics(task, pairs);
if (!args.has('json') || args.has('verbose')) {
  for (const [file, p] of Object.entries(perFile)) console.log(file, JSON.stringify(binaryMetrics(task, p)));
  const [lo, hi] = wilsonInterval(metrics.confusion.tp, metrics.confusion.tp + metrics.confusion.fn);
  console.log(`classifier ${classifier.version}; recall 95% CI [${lo.toFixed(3)}, ${hi.toFixed(3)}]; rejected inputs ${rejected}`);
}
fs.writeSync(1, JSON.stringify(metrics) + '\n');
