import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `packages/store/migrations`. */
export const DEFAULT_MIGRATIONS_DIR = resolve(__dirname, '../migrations');

export interface MigrationFile {
  version: number;
  /** The part after the number: `0001_foundation.sql` → `foundation`. */
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function parseMigrationFileName(file: string): { version: number; name: string } | undefined {
  const m = FILE_NAME.exec(file);
  if (!m) return undefined;
  return { version: Number(m[1]), name: m[2]! };
}

/** sha256 of the text with line endings normalised, so a CRLF checkout is not a changed file. */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** The directory's `NNNN_name.sql` files in version order. Any other `.sql` file is an error. */
export function readMigrations(directory: string = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  const migrations: MigrationFile[] = [];
  for (const file of readdirSync(directory).filter((f) => f.endsWith('.sql'))) {
    const parsed = parseMigrationFileName(file);
    if (!parsed) {
      throw new Error(`store: migration file ${file} is not named NNNN_lower_case_name.sql`);
    }
    const sql = readFileSync(join(directory, file), 'utf8');
    migrations.push({ ...parsed, file, sql, checksum: checksumOf(sql) });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new Error(
        `store: migrations ${migrations[i - 1]!.file} and ${migrations[i]!.file} share version ${migrations[i]!.version}`,
      );
    }
  }
  return migrations;
}
