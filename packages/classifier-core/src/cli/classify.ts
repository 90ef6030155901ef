import fs from 'node:fs';
import readline from 'node:readline';
import { createClassifier } from '../classifier';
import { ClassifierInputError } from '../input';
import { loadModelFile } from '../model-file';
import { one, parseArgs } from './args';

// Usage: tsx classify.ts --in F.jsonl --out F.jsonl [--model FILE]
// Each output line is the input plus `classification`, or plus `rejected: {reason, message}`
// when the post cannot be classified (empty, binary): one bad line never stops the run.
async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const inPath = one(args, 'in');
  const outPath = one(args, 'out');
  if (!inPath || !outPath) throw new Error('usage: classify --in FILE.jsonl --out FILE.jsonl');
  const modelPath = one(args, 'model');
  const classifier = createClassifier(modelPath ? { models: loadModelFile(modelPath) } : {});
  const out = fs.createWriteStream(outPath);
  const lines = readline.createInterface({ input: fs.createReadStream(inPath), crlfDelay: Infinity });
  let n = 0;
  let flagged = 0;
  let rejected = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    n++;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      rejected++;
      out.write(JSON.stringify({ line: n, rejected: { reason: 'not_json', message: (err as Error).message } }) + '\n');
      continue;
    }
    try {
      const classification = classifier.classify({
        id: String(record.id ?? n),
        text: record.text as string,
        ...(typeof record.title === 'string' && { title: record.title }),
        ...(typeof record.author === 'string' && { author: record.author }),
        ...(typeof record.sourceId === 'string' && { sourceId: record.sourceId }),
      });
      if (classification.emergency.flagged || classification.rumor.flagged) flagged++;
      out.write(JSON.stringify({ ...record, classification }) + '\n');
    } catch (err) {
      if (!(err instanceof ClassifierInputError)) throw err;
      rejected++;
      out.write(JSON.stringify({ ...record, rejected: { reason: err.reason, message: err.message } }) + '\n');
    }
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  console.log(JSON.stringify({ in: inPath, out: outPath, n, flagged, rejected, version: classifier.version }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
