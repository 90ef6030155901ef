import type { Queryable } from '@huiying/store';
import { chainEntry, verifyChain, type AuditEntry, type AuditFacts, type ChainVerdict } from './audit-chain';

/** Where a request came from, as the HTTP layer saw it. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

interface AuditRow {
  seq: string | number;
  at: unknown;
  actor: string;
  action: string;
  subject_kind: AuditFacts['subjectKind'];
  subject_id: string;
  ip: string | null;
  user_agent: string | null;
  detail: unknown;
  prev_hash: string;
  hash: string;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

function entryOf(row: AuditRow): AuditEntry {
  return {
    seq: Number(row.seq), at: iso(row.at), actor: row.actor, action: row.action, subjectKind: row.subject_kind,
    subjectId: row.subject_id, ip: row.ip, userAgent: row.user_agent,
    detail: (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as Record<string, unknown>,
    prevHash: row.prev_hash, hash: row.hash,
  };
}

// One key for the whole chain: appends are serialised so each entry links to the true last one.
const CHAIN_LOCK = 7_342_001;

/**
 * Appends one entry in the caller's transaction, so the action and its record commit together.
 * The transaction-scoped advisory lock is released at commit or rollback.
 */
export async function appendAudit(tx: Queryable, facts: AuditFacts): Promise<AuditEntry> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
  const { rows } = await tx.query<{ seq: string | number; hash: string }>(
    'SELECT seq, hash FROM statement_audit ORDER BY seq DESC LIMIT 1',
  );
  const last = rows[0];
  const entry = chainEntry({ ...facts, at: new Date(facts.at).toISOString() }, last ? { seq: Number(last.seq), hash: last.hash } : null);
  await tx.query(
    `INSERT INTO statement_audit (seq, at, actor, action, subject_kind, subject_id, ip, user_agent, detail, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [entry.seq, entry.at, entry.actor, entry.action, entry.subjectKind, entry.subjectId, entry.ip, entry.userAgent,
      JSON.stringify(entry.detail), entry.prevHash, entry.hash],
  );
  return entry;
}

/** The trail of one draft or statement, oldest first. */
export async function auditOf(db: Queryable, subjectKind: AuditFacts['subjectKind'], subjectId: string): Promise<AuditEntry[]> {
  const { rows } = await db.query<AuditRow>(
    'SELECT * FROM statement_audit WHERE subject_kind = $1 AND subject_id = $2 ORDER BY seq',
    [subjectKind, subjectId],
  );
  return rows.map(entryOf);
}

/** Verifies the whole chain page by page, so a long trail never sits in memory at once. */
export async function verifyAuditTrail(db: Queryable, pageSize = 5_000): Promise<ChainVerdict> {
  let checkpoint: { seq: number; hash: string } | null = null;
  let checked = 0;
  for (;;) {
    const { rows }: { rows: AuditRow[] } = await db.query<AuditRow>(
      'SELECT * FROM statement_audit WHERE seq > $1 ORDER BY seq LIMIT $2',
      [checkpoint?.seq ?? 0, pageSize],
    );
    if (rows.length === 0) return { ok: true, checked };
    const entries: AuditEntry[] = rows.map(entryOf);
    const verdict = verifyChain(entries, checkpoint);
    if (!verdict.ok) return { ...verdict, checked: checked + verdict.checked };
    checked += verdict.checked;
    const last: AuditEntry = entries[entries.length - 1]!;
    checkpoint = { seq: last.seq, hash: last.hash };
  }
}
