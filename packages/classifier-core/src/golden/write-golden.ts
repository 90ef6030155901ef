import { writeFileSync } from 'node:fs';
import { createClassifier } from '../classifier';
import { GOLDEN_FILE, goldenPosts } from './golden-posts';

// Run only when an output change is intended (a new rules revision or model): the golden test
// then shows the diff in review. A speed-up must leave this file untouched.
const classifier = createClassifier();
const lines = goldenPosts().map((p) => JSON.stringify({ id: p.id, classification: classifier.classify(p) }));
writeFileSync(GOLDEN_FILE, `${lines.join('\n')}\n`);
console.error(`${lines.length} classifications written to ${GOLDEN_FILE}`);
