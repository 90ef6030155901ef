import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** One labelled line of ../shared/eval (or any file in that format). */
export interface LabelledPost {
  id: string;
  text: string;
  label: string;
  title?: string;
  author?: string;
  sourceId?: string;
  dup_group?: string;
  [key: string]: unknown;
}

export type Task = 'emergency' | 'rumor';

export const POSITIVE_LABEL: Record<Task, string> = { emergency: 'emergency', rumor: 'rumor' };

/** Where the labelled data lives: HUIYING_EVAL_DIR, else ../shared/eval beside the repo. */
export function evalDir(repoRoot: string = path.resolve(__dirname, '../../../..')): string {
  return process.env.HUIYING_EVAL_DIR ?? path.resolve(repoRoot, '../shared/eval');
}

/** Expands files and directories (every *.jsonl in it, sorted) into a list of files. */
export function expandDataPaths(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    if (fs.statSync(p).isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) {
        if (name.endsWith('.jsonl')) files.push(path.join(p, name));
      }
    } else files.push(p);
  }
  return files;
}

export function readJsonl(file: string): LabelledPost[] {
  const out: LabelledPost[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as LabelledPost);
    } catch (err) {
      throw new Error(`${file}:${i + 1}: not JSON: ${(err as Error).message}`);
    }
  });
  return out;
}

/** The dev files of one task, by the `emergency_` / `rumor_` prefix the eval README uses. */
export function taskFiles(dir: string, task: Task): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${task}_`) && f.endsWith('.jsonl'))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Our own tuning split of dev: a near-duplicate group goes wholly to one side (as the eval's
 * dev/holdout split does), chosen by a seeded hash so the split never changes between runs.
 */
export const TUNE_SPLIT_SEED = process.env.HUIYING_SPLIT_SEED ?? 'huiying-tune-v1';
export function isHeldOut(post: LabelledPost, fraction: number, seed: string = TUNE_SPLIT_SEED): boolean {
  if (fraction <= 0) return false;
  const key = post.dup_group ?? post.id;
  const h = createHash('sha256').update(`${seed}:${key}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < fraction;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
