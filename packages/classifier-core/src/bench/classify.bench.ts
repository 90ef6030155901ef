import nodejieba from 'nodejieba';
import path from 'node:path';
import { createClassifier } from '../classifier';
import { ClassifierInputError, normalizeText } from '../input';
import { evalDir, expandDataPaths, readJsonl } from '../training/dataset';

// Classifies every dev text (both tasks) REPEAT times and segments the same posts with bare
// nodejieba (same user dictionary, loaded by the classifier), in alternating blocks of BLOCK
// posts: on a shared machine the load drifts, and alternating lets both sides see the same
// drift; which loop of a block runs first alternates too. Both loops are timed the same way
// (one performance.now() pair per post), so the timer's own cost is not charged to one side
// only. The bare loop cuts what the classifier hands jieba: the normalised text (77 % of dev
// posts change in normalising, mostly full-width punctuation), normalised before timing.
// Last line: one JSON object.
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const BLOCK = 500;
const texts = expandDataPaths([path.join(evalDir(), 'dev')]).flatMap((f) => readJsonl(f).map((p) => p.text));
const classifier = createClassifier();
// What the classifier segments (no dev post is refused; a refused one would be cut as it came).
const segmented = texts.map((t) => {
  try {
    return normalizeText(t);
  } catch (err) {
    if (!(err instanceof ClassifierInputError)) throw err;
    return t;
  }
});

// Warm up both paths so the JIT does not count against whichever runs first.
for (const t of texts.slice(0, 2000)) {
  classifier.classify({ id: 'w', text: t });
  nodejieba.cut(normalizeText(t), true);
}

function classifyBlock(r: number, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const t0 = performance.now();
    try {
      classifier.classify({ id: String(i), text: texts[i]! });
    } catch (err) {
      if (!(err instanceof ClassifierInputError)) throw err;
    }
    classifyMs[r * texts.length + i] = performance.now() - t0;
  }
}

function segmentBlock(r: number, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const t0 = performance.now();
    tokens += nodejieba.cut(segmented[i]!, true).length;
    segmentMs[r * texts.length + i] = performance.now() - t0;
  }
}

const n = texts.length * REPEAT;
const classifyMs = new Float64Array(n);
const segmentMs = new Float64Array(n);
let tokens = 0;
let block = 0;
for (let r = 0; r < REPEAT; r++) {
  for (let from = 0; from < texts.length; from += BLOCK, block++) {
    const to = Math.min(texts.length, from + BLOCK);
    if (block % 2 === 0) {
      classifyBlock(r, from, to);
      segmentBlock(r, from, to);
    } else {
      segmentBlock(r, from, to);
      classifyBlock(r, from, to);
    }
  }
}

const total = (a: Float64Array) => a.reduce((s, x) => s + x, 0) / 1000;
const p99 = (a: Float64Array) => Array.from(a).sort((x, y) => x - y)[Math.floor(a.length * 0.99)]!;
const postsPerSec = n / total(classifyMs);
const segmentOnlyPostsPerSec = n / total(segmentMs);
console.error(`${texts.length} posts × ${REPEAT}; ${tokens} tokens; classifier ${classifier.version}`);
console.log(
  JSON.stringify({
    postsPerSec: Math.round(postsPerSec),
    segmentOnlyPostsPerSec: Math.round(segmentOnlyPostsPerSec),
    ratio: Math.round((postsPerSec / segmentOnlyPostsPerSec) * 1000) / 1000,
    p99Ms: Math.round(p99(classifyMs) * 1000) / 1000,
    segmentOnlyP99Ms: Math.round(p99(segmentMs) * 1000) / 1000,
    rssMb: Math.round(process.memoryUsage().rss / 1e6),
  }),
);
