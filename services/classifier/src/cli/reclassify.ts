import { createClassifier, loadModelFile } from '@huiying/classifier-core';
import { env, parseConfig } from '@huiying/config';
import { DEFAULT_PGLITE_DIR, openDatabase } from '@huiying/store';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadRegistry } from '../claims-registry';
import { reclassifyPosts } from '../reclassify/reclassify-posts';

// Usage: huiying reclassify --since ISO --until ISO [--apply] [--model FILE] [--json]
// Re-runs the stored posts published in [since, until) with the current classifier and prints
// each post whose flags change, then one JSON summary line. Shadow mode: writes nothing unless
// --apply. Reads DATABASE_URL, else the embedded PGlite database.
const Config = z.object({
  DATABASE_URL: env.url().optional(),
  PGLITE_DIR: z.string().min(1).default(DEFAULT_PGLITE_DIR),
  DATABASE_SCHEMA: z.string().optional(),
});

function instant(name: string, value: string | undefined): Date {
  const d = value === undefined ? new Date(NaN) : new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error(`--${name} needs a date or ISO instant (got ${value ?? 'nothing'})`);
  return d;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      apply: { type: 'boolean', default: false },
      model: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const since = instant('since', values.since);
  const until = values.until === undefined ? new Date() : instant('until', values.until);
  const config = parseConfig('reclassify', Config);
  const db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.PGLITE_DIR,
    schema: config.DATABASE_SCHEMA,
  });
  try {
    const classifier = createClassifier({
      ...(values.model !== undefined && { models: loadModelFile(values.model) }),
      registry: await loadRegistry(db),
    });
    const summary = await reclassifyPosts({
      db,
      classifier,
      since,
      until,
      apply: values.apply,
      now: () => new Date(),
      onChange: (c) => {
        if (values.json) return void console.log(JSON.stringify(c));
        const what = c.changes
          .map((x) => `${x.field}: ${JSON.stringify(x.before)} → ${JSON.stringify(x.after)}`)
          .join('; ');
        console.log(`${c.postId} (${c.publishedAt}, was ${c.previousVersion ?? 'unclassified'}): ${what}`);
      },
    });
    console.log(JSON.stringify(summary));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const hint = /relation "posts" does not exist/.test(message)
    ? ' (is this the right database? `huiying migrate` creates it)'
    : '';
  process.stderr.write(`reclassify: ${message}${hint}\n`);
  process.exit(1);
});
