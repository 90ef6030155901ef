import type { Queryable } from '@huiying/outbox';
import { validateWatchScheme, type WatchScheme, type WatchSchemeIssue } from '@huiying/watch-schemes';
import { toIso } from './incident-repository';

/** A scheme as stored: the validated scheme with who saved it and when. */
export interface StoredWatchScheme extends WatchScheme {
  revision: number;
  updatedAt: string;
  updatedBy: string;
}

export type SaveWatchSchemeResult = { ok: true; scheme: StoredWatchScheme } | { ok: false; issues: WatchSchemeIssue[] };

interface SchemeRow {
  id: string;
  department: string;
  name: string;
  enabled: boolean;
  region_words: string[];
  event_words: string[];
  exclusion_words: string[];
  expressions: string[];
  revision: number;
  updated_at: unknown;
  updated_by: string;
}

const COLUMNS = 'id, department, name, enabled, region_words, event_words, exclusion_words, expressions, revision, updated_at, updated_by';

function schemeOf(row: SchemeRow): StoredWatchScheme {
  return {
    id: row.id,
    department: row.department,
    name: row.name,
    enabled: row.enabled,
    regionWords: row.region_words,
    eventWords: row.event_words,
    exclusionWords: row.exclusion_words,
    expressions: row.expressions,
    revision: Number(row.revision),
    updatedAt: toIso(row.updated_at),
    updatedBy: row.updated_by,
  };
}

/**
 * Validates and saves (creates or replaces) a watch scheme. A bad scheme is refused with its
 * issues — for an expression, the character offset of the error and what was expected there —
 * and nothing is written. The incidents service picks the change up at its next reload.
 */
export async function saveWatchScheme(
  db: Queryable,
  input: unknown,
  edit: { actor: string; now: Date },
): Promise<SaveWatchSchemeResult> {
  const validation = validateWatchScheme(input);
  if (!validation.ok) return validation;
  const s = validation.scheme;
  const { rows } = await db.query<SchemeRow>(
    `INSERT INTO watch_schemes (id, department, name, enabled, region_words, event_words, exclusion_words, expressions,
                                revision, updated_at, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)
     ON CONFLICT (id) DO UPDATE SET department = EXCLUDED.department, name = EXCLUDED.name, enabled = EXCLUDED.enabled,
       region_words = EXCLUDED.region_words, event_words = EXCLUDED.event_words,
       exclusion_words = EXCLUDED.exclusion_words, expressions = EXCLUDED.expressions,
       revision = watch_schemes.revision + 1, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
     RETURNING ${COLUMNS}`,
    [s.id, s.department, s.name, s.enabled, s.regionWords, s.eventWords, s.exclusionWords, s.expressions, edit.now.toISOString(), edit.actor],
  );
  return { ok: true, scheme: schemeOf(rows[0]!) };
}

export async function listWatchSchemes(db: Queryable, filter: { department?: string; enabledOnly?: boolean } = {}): Promise<StoredWatchScheme[]> {
  const { rows } = await db.query<SchemeRow>(
    `SELECT ${COLUMNS} FROM watch_schemes
      WHERE ($1::text IS NULL OR department = $1) AND (NOT $2 OR enabled)
      ORDER BY department, id`,
    [filter.department ?? null, filter.enabledOnly ?? false],
  );
  return rows.map(schemeOf);
}

export async function findWatchScheme(db: Queryable, id: string): Promise<StoredWatchScheme | null> {
  const { rows } = await db.query<SchemeRow>(`SELECT ${COLUMNS} FROM watch_schemes WHERE id = $1`, [id]);
  return rows[0] ? schemeOf(rows[0]) : null;
}

/**
 * A value that changes whenever any scheme is saved: the service compares it before each batch
 * and recompiles its matcher only when it moved.
 */
export async function watchSchemesRevision(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ n: unknown; total: unknown }>(`SELECT count(*) AS n, coalesce(sum(revision), 0) AS total FROM watch_schemes`);
  return `${String(rows[0]?.n ?? 0)}:${String(rows[0]?.total ?? 0)}`;
}

/** Posts a scheme routed, newest first: the department's evidence of why it was asked. */
export async function postsRoutedByScheme(db: Queryable, schemeId: string, limit = 100): Promise<Array<{ postId: string; matchedTerms: string[]; publishedAt: string }>> {
  const { rows } = await db.query<{ post_id: string; matched_terms: string[]; published_at: unknown }>(
    `SELECT post_id, matched_terms, published_at FROM watch_scheme_matches WHERE scheme_id = $1 ORDER BY published_at DESC LIMIT $2`,
    [schemeId, limit],
  );
  return rows.map((r) => ({ postId: r.post_id, matchedTerms: r.matched_terms, publishedAt: toIso(r.published_at) }));
}
