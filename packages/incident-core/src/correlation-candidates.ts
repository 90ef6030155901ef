import type { Classification, Post } from '@huiying/contracts';
import type { Queryable } from '@huiying/outbox';
import { incidentKindOf, openIncidentView, repostFingerprint, type CorrelationPolicy, type OpenIncident } from './correlation';
import { INCIDENT_COLUMNS, toIso, type IncidentRow } from './incident-repository';

/**
 * Most candidates one post is compared with. The query only returns incidents that could win
 * (see `findCandidateIds`) and ranks the strongest signals first, so a storm of unrelated open
 * incidents cannot push the right one past the limit: it would take more than this many open
 * incidents sharing the post's fingerprint, or its county, within the window.
 */
export const DEFAULT_CANDIDATE_LIMIT = 500;

/** What the candidate query knows of one post. */
export interface CandidateProbe {
  idx: number;
  kind: string;
  /** Only for an emergency with a subtype: other subtypes cannot be the same event. */
  subtype: string | null;
  since: string;
  until: string;
  counties: string[];
  terms: string[];
  fps: string[];
}

export function candidateProbe(
  idx: number,
  post: Pick<Post, 'publishedAt' | 'text'>,
  classification: Classification,
  policy: CorrelationPolicy,
  /** The post's `repostFingerprint`, when the caller already has it. */
  known?: { fingerprint: string | null },
): CandidateProbe | null {
  const kind = incidentKindOf(classification);
  if (!kind) return null;
  const at = Date.parse(post.publishedAt);
  const fingerprint = known ? known.fingerprint : repostFingerprint(post.text, policy.fingerprintMinChars);
  return {
    idx,
    kind,
    subtype: kind === 'emergency' ? classification.emergency.subtype : null,
    since: new Date(at - policy.windowMs).toISOString(),
    until: new Date(at + policy.windowMs).toISOString(),
    counties: classification.counties,
    terms: classification.keyTerms,
    fps: fingerprint ? [fingerprint] : [],
  };
}

/**
 * For each probe, the ids of open incidents it could join. The WHERE clause is what `correlate`
 * needs for any match: same kind, a compatible subtype, the newest post within the window, and a
 * shared county, key term or fingerprint (every signal needs one of those), without the county
 * conflict that vetoes a match. Ranked fingerprint first, then county, then recency.
 * Requires `minTermOverlap > 0`, which is what makes a shared key term necessary.
 */
export async function findCandidateIds(db: Queryable, probes: readonly CandidateProbe[], limit: number): Promise<Map<number, string[]>> {
  const result = new Map<number, string[]>();
  if (probes.length === 0) return result;
  const { rows } = await db.query<{ idx: number; id: string }>(
    `SELECT p.idx, c.id
       FROM jsonb_to_recordset($1::jsonb) AS p(idx int, kind text, subtype text, since timestamptz, until timestamptz,
                                               counties text[], terms text[], fps text[])
       CROSS JOIN LATERAL (
         SELECT i.id FROM incidents i
          WHERE i.kind = p.kind AND i.status IN ('detected', 'confirmed', 'responding') AND i.merged_into IS NULL
            AND i.last_post_at >= p.since AND i.last_post_at <= p.until
            AND (p.subtype IS NULL OR i.subtype IS NULL OR i.subtype = p.subtype)
            AND (i.counties && p.counties OR i.key_terms && p.terms OR i.text_fingerprints && p.fps)
            AND (cardinality(p.counties) = 0 OR cardinality(i.counties) = 0 OR i.counties && p.counties)
          ORDER BY i.text_fingerprints && p.fps DESC, i.counties && p.counties DESC, i.last_post_at DESC
          LIMIT $2) c`,
    [JSON.stringify(probes), limit],
  );
  for (const row of rows) {
    const list = result.get(row.idx);
    if (list) list.push(row.id);
    else result.set(row.idx, [row.id]);
  }
  return result;
}

/** An incident row with the columns correlation keeps beside the snapshot. */
export interface CorrelationRow extends IncidentRow {
  text_fingerprints: string[];
  last_post_at: unknown;
  t0_set_by_person: boolean;
  merged_into: string | null;
}

export async function loadIncidentRows(db: Queryable, ids: readonly string[], forUpdate = false): Promise<CorrelationRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<CorrelationRow>(
    `SELECT ${INCIDENT_COLUMNS}, text_fingerprints, last_post_at, t0_set_by_person, merged_into FROM incidents WHERE id = ANY($1)${forUpdate ? ' FOR UPDATE' : ''}`,
    [ids],
  );
  return rows;
}

export function openIncidentOf(row: CorrelationRow): OpenIncident {
  return openIncidentView({
    id: row.id,
    kind: row.kind,
    subtype: row.subtype,
    category: row.category,
    counties: row.counties,
    keyTerms: row.key_terms,
    lastPostAt: toIso(row.last_post_at ?? row.t0),
    fingerprints: row.text_fingerprints,
  });
}


