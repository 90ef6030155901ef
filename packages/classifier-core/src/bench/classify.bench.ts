import nodejieba from 'nodejieba';
import { createClassifier } from '../classifier';
import { ClassifierInputError, normalizeText } from '../input';
import { evalDir, readJsonl } from '../training/dataset';
import { expandDataPaths } from '../training/dataset';
import path from 'node:path';

// Classifies every dev text (both tasks) REPEAT times, then segments the same posts with bare
// nodejieba (same user dictionary, loaded by the classifier). Last line: one JSON object.
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const texts = expandDataPaths([path.join(evalDir(), 'dev')]).flatMap((f) => readJsonl(f).map((p) => p.text));
const classifier = createClassifier();

// Warm up both paths so the JIT does not count against whichever runs first.
for (const t of texts.slice(0, 2000)) {
  classifier.classify({ id: 'w', text: t });
  nodejieba.cut(normalizeText(t), true);
}

const latencies = new Float64Array(texts.length * REPEAT);
let k = 0;
const start = process.hrtime.bigint();
for (let r = 0; r < REPEAT; r++) {
  for (const text of texts) {
    const t0 = process.hrtime.bigint();
    try {
      classifier.classify({ id: String(k), text });
    } catch (err) {
      if (!(err instanceof ClassifierInputError)) throw err;
    }
    latencies[k++] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
}
const classifySeconds = Number(process.hrtime.bigint() - start) / 1e9;

const segStart = process.hrtime.bigint();
let tokens = 0;
for (let r = 0; r < REPEAT; r++) for (const text of texts) tokens += nodejieba.cut(text, true).length;
const segmentSeconds = Number(process.hrtime.bigint() - segStart) / 1e9;

const sorted = Array.from(latencies).sort((a, b) => a - b);
const n = texts.length * REPEAT;
const postsPerSec = n / classifySeconds;
const segmentOnlyPostsPerSec = n / segmentSeconds;
console.error(`${texts.length} posts × ${REPEAT}; ${tokens} tokens; classifier ${classifier.version}`);
console.log(
  JSON.stringify({
    postsPerSec: Math.round(postsPerSec),
    segmentOnlyPostsPerSec: Math.round(segmentOnlyPostsPerSec),
    ratio: Math.round((postsPerSec / segmentOnlyPostsPerSec) * 1000) / 1000,
    p99Ms: Math.round(sorted[Math.floor(n * 0.99)]! * 1000) / 1000,
    rssMb: Math.round(process.memoryUsage().rss / 1e6),
  }),
);
