import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../migrate';
import { openDatabase } from '../open-database';
import { PGLITE_MEMORY } from '../pglite-adapter';

// How long the embedded mode waits for its database at `npm start`: PGlite opened (first start:
// initdb in WebAssembly; later starts: an existing data directory) and migrated. Prints JSON last.

async function timeOpenAndMigrate(dataDir: string) {
  const started = performance.now();
  const db = await openDatabase({ dataDir });
  const opened = performance.now();
  const report = await migrate(db);
  const migrated = performance.now();
  await db.close();
  return {
    openMs: Math.round(opened - started),
    migrateMs: Math.round(migrated - opened),
    totalMs: Math.round(migrated - started),
    applied: report.applied.length,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'huiying-bench-pglite-'));
  try {
    // In this order: the first open in a process also compiles the WebAssembly module.
    const firstStart = await timeOpenAndMigrate(dir);
    const laterStart = await timeOpenAndMigrate(dir);
    const inMemory = await timeOpenAndMigrate(PGLITE_MEMORY);
    console.log(JSON.stringify({ bench: 'store-open-pglite', firstStart, laterStart, inMemory }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
