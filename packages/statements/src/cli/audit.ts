import { env, parseConfig } from '@huiying/config';
import { DEFAULT_PGLITE_DIR, openDatabase } from '@huiying/store';
import { z } from 'zod';
import { verifyAuditTrail } from '../audit/audit-trail';

const Config = z.object({
  DATABASE_URL: env.url().optional(),
  /** Where the embedded database lives when DATABASE_URL is unset. */
  PGLITE_DIR: z.string().min(1).default(DEFAULT_PGLITE_DIR),
  DATABASE_SCHEMA: z.string().optional(),
});

/**
 * `huiying audit verify`: walks the statements audit trail and checks every entry's hash and its
 * link to the previous one. Exit 0 when intact, 1 naming the first broken entry, 2 on bad usage.
 * DATABASE_URL (and DATABASE_SCHEMA) select the database; unset, the embedded PGlite (PGLITE_DIR).
 */
async function main(): Promise<number> {
  const [sub, ...rest] = process.argv.slice(2);
  if (sub !== 'verify' || rest.some((a) => a !== '--json')) {
    process.stderr.write('usage: huiying audit verify [--json]\n');
    return 2;
  }
  const config = parseConfig('audit', Config);
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.PGLITE_DIR, schema: config.DATABASE_SCHEMA });
  try {
    const verdict = await verifyAuditTrail(db);
    if (rest.includes('--json')) process.stdout.write(`${JSON.stringify(verdict)}\n`);
    else if (verdict.ok) process.stdout.write(`audit trail intact: ${verdict.checked} entries verified\n`);
    else process.stdout.write(`audit trail BROKEN at entry ${verdict.firstBroken.seq} (${verdict.firstBroken.reason}); ${verdict.checked} entries before it verified\n`);
    return verdict.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
