import { toIso } from '@huiying/incident-core';
import type { Queryable } from '@huiying/store';

/**
 * A claim as the classifier's registry takes it (classifier-core `RegistryClaim`): posts that
 * repeat a debunked claim get `rumor.claimId` set and a higher rumour score.
 */
export interface RegistryClaim {
  id: string;
  kind: 'debunked' | 'statement';
  text: string;
}

/** Every debunked claim, for `createClassifier({ registry })`. */
export async function listClaims(db: Queryable): Promise<RegistryClaim[]> {
  const { rows } = await db.query<{ id: string; text: string }>(
    `SELECT id, text FROM claims WHERE status = 'debunked' ORDER BY debunked_at, id`,
  );
  return rows.map((r) => ({ id: r.id, kind: 'debunked' as const, text: r.text }));
}

export interface ClaimRecord {
  id: string;
  text: string;
  status: 'circulating' | 'debunked';
  statementId: string | null;
  incidentId: string | null;
  createdAt: string;
  debunkedAt: string | null;
  repeatingPosts: number;
}

export async function claimRecords(db: Queryable): Promise<ClaimRecord[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT c.*, (SELECT count(*) FROM claim_posts cp WHERE cp.claim_id = c.id) AS repeating_posts
       FROM claims c ORDER BY c.created_at DESC LIMIT 500`,
  );
  return rows.map((r) => ({
    id: String(r.id), text: String(r.text), status: r.status as ClaimRecord['status'],
    statementId: (r.statement_id as string | null) ?? null, incidentId: (r.incident_id as string | null) ?? null,
    createdAt: toIso(r.created_at), debunkedAt: r.debunked_at ? toIso(r.debunked_at) : null,
    repeatingPosts: Number(r.repeating_posts),
  }));
}

function bigrams(text: string): Set<string> {
  const chars = [...text.replace(/[\s\p{P}\p{S}]/gu, '')];
  const grams = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i]! + chars[i + 1]!);
  return grams;
}

/**
 * Whether a post repeats a claim: the share of the claim's character bigrams the post contains,
 * as the classifier measures it (Chinese reposts reword little but add a lot around the claim).
 */
export function repeatsClaim(claimText: string, postText: string, threshold = 0.6): boolean {
  const claim = bigrams(claimText);
  if (claim.size === 0) return false;
  const post = bigrams(postText);
  let shared = 0;
  for (const g of claim) if (post.has(g)) shared++;
  return shared / claim.size >= threshold;
}

/**
 * Links to the claim the posts that repeat it: those the classifier tagged with the claim's id,
 * and those of the claim's incident whose wording contains the claim (posts classified before the
 * claim was in the registry). Idempotent; returns how many links are new.
 */
export async function linkRepeatingPosts(tx: Queryable, claimId: string, now: Date): Promise<number> {
  const tagged = await tx.query(
    `INSERT INTO claim_posts (claim_id, post_id, linked_at)
     SELECT $1, p.id, $2 FROM posts p WHERE p.classification->'rumor'->>'claimId' = $1
     ON CONFLICT DO NOTHING`,
    [claimId, now.toISOString()],
  );
  const { rows: claim } = await tx.query<{ text: string; incident_id: string | null }>('SELECT text, incident_id FROM claims WHERE id = $1', [claimId]);
  let linked = tagged.rowCount;
  if (!claim[0]?.incident_id) return linked;
  const { rows: posts } = await tx.query<{ id: string; text: string }>(
    `SELECT p.id, p.text FROM incident_posts ip JOIN posts p ON p.id = ip.post_id
      WHERE ip.incident_id = $1 AND NOT EXISTS (SELECT 1 FROM claim_posts cp WHERE cp.claim_id = $2 AND cp.post_id = p.id)`,
    [claim[0].incident_id, claimId],
  );
  for (const post of posts) {
    if (!repeatsClaim(claim[0].text, post.text)) continue;
    const r = await tx.query(`INSERT INTO claim_posts (claim_id, post_id, linked_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [claimId, post.id, now.toISOString()]);
    linked += r.rowCount;
  }
  return linked;
}

/** The sweep over every debunked claim, for a periodic worker: later posts join their claim. */
export async function linkAllRepeatingPosts(tx: Queryable, now: Date): Promise<number> {
  const { rows } = await tx.query<{ id: string }>(`SELECT id FROM claims WHERE status = 'debunked'`);
  let linked = 0;
  for (const row of rows) linked += await linkRepeatingPosts(tx, row.id, now);
  return linked;
}

export interface ClaimVolume {
  claimId: string;
  text: string;
  statementId: string | null;
  publishedAt: string | null;
  /** Posts of the incident repeating the claim published before the rebuttal (all of them while none is out). */
  before: number;
  after: number;
}

/** For each claim on the incident: how many of its posts repeated it before and after the rebuttal. */
export async function claimVolumeOfIncident(db: Queryable, incidentId: string): Promise<ClaimVolume[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT c.id, c.text, c.statement_id, s.published_at,
            count(p.id) FILTER (WHERE s.published_at IS NULL OR p.published_at < s.published_at) AS before,
            count(p.id) FILTER (WHERE s.published_at IS NOT NULL AND p.published_at >= s.published_at) AS after
       FROM claims c
       LEFT JOIN statements s ON s.id = c.statement_id
       LEFT JOIN claim_posts cp ON cp.claim_id = c.id
       LEFT JOIN incident_posts ip ON ip.post_id = cp.post_id AND ip.incident_id = $1
       LEFT JOIN posts p ON p.id = ip.post_id
      WHERE c.incident_id = $1 OR ip.incident_id = $1
      GROUP BY c.id, c.text, c.statement_id, s.published_at
      ORDER BY c.id`,
    [incidentId],
  );
  return rows.map((r) => ({
    claimId: String(r.id), text: String(r.text), statementId: (r.statement_id as string | null) ?? null,
    publishedAt: r.published_at ? toIso(r.published_at) : null, before: Number(r.before), after: Number(r.after),
  }));
}
