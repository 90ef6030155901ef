import type { Db, Tx } from './db';
import { DEFAULT_MIGRATIONS_DIR, readMigrations, type MigrationFile } from './migration-files';

export interface MigrateOptions {
  /** Where the `NNNN_name.sql` files are. Default `packages/store/migrations`. */
  directory?: string;
}

export interface MigrationReport {
  /** Applied by this call, in order. */
  applied: Array<{ version: number; name: string; durationMs: number }>;
  /** Files found already applied (and unchanged). */
  alreadyApplied: number;
}

/** An applied migration's file changed since: the database no longer matches what the files say. */
export class MigrationChangedError extends Error {
  constructor(
    readonly file: string,
    readonly recorded: { name: string; checksum: string },
    readonly current: { name: string; checksum: string },
  ) {
    super(
      `store: migration ${file} was changed after it was applied (recorded ${recorded.name} ` +
        `sha256 ${recorded.checksum.slice(0, 12)}…, file now ${current.name} sha256 ` +
        `${current.checksum.slice(0, 12)}…). Restore the file and put the change in a new migration.`,
    );
    this.name = 'MigrationChangedError';
  }
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

// Two migrators on one schema (two services starting at once) take turns on this lock; the second
// then sees the first one's rows. Keyed by schema, so tests in different schemas do not wait on
// each other. Transaction-scoped: released by COMMIT or ROLLBACK, never leaked by a crash.
const LOCK_NAMESPACE = 0x68790001;
async function lockMigrations(tx: Tx): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, [
    LOCK_NAMESPACE,
  ]);
  await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
}

function assertUnchanged(recorded: AppliedRow, file: MigrationFile): void {
  if (recorded.checksum !== file.checksum || recorded.name !== file.name) {
    throw new MigrationChangedError(file.file, recorded, file);
  }
}

/**
 * Applies the migrations not applied yet, in version order, each in its own transaction together
 * with its `schema_migrations` row. Refuses, before applying anything, when an applied file
 * changed. A migration must therefore be transactional (no `CREATE INDEX CONCURRENTLY`).
 */
export async function migrate(db: Db, options: MigrateOptions = {}): Promise<MigrationReport> {
  const files = readMigrations(options.directory ?? DEFAULT_MIGRATIONS_DIR);

  const recorded = await db.transaction(async (tx) => {
    await lockMigrations(tx);
    const { rows } = await tx.query<AppliedRow>(`SELECT version, name, checksum FROM schema_migrations`);
    return new Map(rows.map((row) => [row.version, row]));
  });
  for (const file of files) {
    const row = recorded.get(file.version);
    if (row) assertUnchanged(row, file);
  }

  const report: MigrationReport = { applied: [], alreadyApplied: 0 };
  for (const file of files) {
    if (recorded.has(file.version)) {
      report.alreadyApplied++;
      continue;
    }
    const started = performance.now();
    // Looked up again under the lock: another migrator may have applied it meanwhile.
    const appliedNow = await db.transaction(async (tx) => {
      await lockMigrations(tx);
      const { rows } = await tx.query<AppliedRow>(
        `SELECT version, name, checksum FROM schema_migrations WHERE version = $1`,
        [file.version],
      );
      if (rows[0]) {
        assertUnchanged(rows[0], file);
        return false;
      }
      await tx.exec(file.sql);
      await tx.query(`INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`, [
        file.version,
        file.name,
        file.checksum,
      ]);
      return true;
    });
    if (appliedNow) {
      report.applied.push({
        version: file.version,
        name: file.name,
        durationMs: Math.round(performance.now() - started),
      });
    } else {
      report.alreadyApplied++;
    }
  }
  return report;
}
