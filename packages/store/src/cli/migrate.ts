import { env, exitOnConfigError, parseConfig } from '@huiying/config';
import { z } from 'zod';
import { DEFAULT_PGLITE_DIR, openDatabase } from '../open-database';
import { migrate } from '../migrate';

// Applies pending migrations to DATABASE_URL, or to the embedded PGlite database when it is unset.
const Config = z.object({
  DATABASE_URL: env.url().optional(),
  /** Where the embedded database lives when DATABASE_URL is unset. */
  PGLITE_DIR: z.string().min(1).default(DEFAULT_PGLITE_DIR),
  /** Unset: the connection's default search_path (normally `public`). */
  DATABASE_SCHEMA: z.string().optional(),
});

async function main(): Promise<void> {
  const config = parseConfig('migrate', Config);
  const started = performance.now();
  const db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.PGLITE_DIR,
    schema: config.DATABASE_SCHEMA,
  });
  const where =
    (db.kind === 'postgres' ? redact(config.DATABASE_URL ?? '') : `PGlite at ${config.PGLITE_DIR}`) +
    (config.DATABASE_SCHEMA ? ` schema ${config.DATABASE_SCHEMA}` : '');
  const opened = performance.now();
  try {
    const report = await migrate(db);
    for (const m of report.applied) {
      console.log(`applied ${String(m.version).padStart(4, '0')}_${m.name} (${m.durationMs} ms)`);
    }
    console.log(
      `${where}: ${report.applied.length} applied, ${report.alreadyApplied} already applied ` +
        `(open ${Math.round(opened - started)} ms, migrate ${Math.round(performance.now() - opened)} ms)`,
    );
  } finally {
    await db.close();
  }
}

/** The URL without its password, for the log. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'PostgreSQL';
  }
}

main().catch((error: unknown) => {
  try {
    exitOnConfigError(error);
  } catch {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
});
