import type { Classification, IncidentEventKind, IncidentSnapshot } from '@huiying/contracts';
import type { Queryable } from '@huiying/outbox';
import type { Db } from '@huiying/store';
import { boundedFingerprints, incidentIdFor, repostFingerprint } from './correlation';
import { loadIncidentRows, type CorrelationRow } from './correlation-candidates';
import { recordCorrelationChange } from './correlation-cache';
import { CORRELATION_LOCK, enqueueIncidentEvents } from './correlation-repository';
import { snapshotOf, toIso } from './incident-repository';
import { isOpen, IncidentTransitionError } from './lifecycle';
import { IncidentEditError, mergeIncidents, splitIncident, type IncidentPost } from './merge-split';

/**
 * A duty officer's edits as transactions: merge, split, t0 correction. Each locks what it
 * changes, takes the correlation lock (so no batch of posts joins an incident mid-edit), writes
 * the rows, moves the post links, records history with the actor and reason, and enqueues the
 * events; the caller flushes the outbox relay after it returns.
 */

export class IncidentNotFoundError extends Error {
  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} not found`);
    this.name = 'IncidentNotFoundError';
  }
}

export interface EditInput {
  /** The duty officer's user id. */
  actor: string;
  reason: string;
  now: Date;
}

export interface MergeOutcome {
  survivor: IncidentSnapshot;
  absorbed: IncidentSnapshot & { mergedInto: string };
  /** The absorbed incident's posts, now the survivor's. */
  movedPostIds: string[];
}

export interface SplitOutcome {
  source: IncidentSnapshot;
  split: IncidentSnapshot;
  movedPostIds: string[];
}

async function lockedRows(tx: Queryable, ids: readonly string[]): Promise<Map<string, CorrelationRow & { trace_id: string }>> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CORRELATION_LOCK]);
  // Sorted, so two edits locking the same pair cannot deadlock.
  const rows = await loadIncidentRows(tx, [...ids].sort(), true);
  const { rows: traces } = await tx.query<{ id: string; trace_id: string; merged_into: string | null }>(
    `SELECT id, trace_id, merged_into FROM incidents WHERE id = ANY($1)`,
    [ids],
  );
  const found = new Map(rows.map((r) => [r.id, { ...r, trace_id: traces.find((t) => t.id === r.id)?.trace_id ?? r.id }]));
  for (const id of ids) {
    if (!found.has(id)) throw new IncidentNotFoundError(id);
    const mergedInto = traces.find((t) => t.id === id)?.merged_into;
    if (mergedInto) throw new IncidentEditError(`incident ${id} was merged into ${mergedInto}`);
  }
  return found;
}

async function history(tx: Queryable, incidentId: string, at: string, edit: EditInput, kinds: readonly string[], detail: unknown): Promise<void> {
  await tx.query(
    `INSERT INTO incident_history (incident_id, at, actor, action, reason, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
    [incidentId, at, edit.actor, kinds.join(','), edit.reason, JSON.stringify(detail)],
  );
}

/** Writes a snapshot's fields onto its row, with the correlation columns given. */
async function writeSnapshot(
  tx: Queryable,
  s: IncidentSnapshot,
  extra: { keyTerms: string[]; fingerprints: string[]; lastPostAt: string; traceId: string; t0SetByPerson: boolean },
): Promise<void> {
  await tx.query(
    `INSERT INTO incidents (id, kind, status, title, category, subtype, level, level_confirmed, level_confidence,
                            important_opinion, t0, departments, counties, key_terms, text_fingerprints, post_count, drill,
                            opened_at, updated_at, last_post_at, trace_id, t0_set_by_person)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, title = EXCLUDED.title, category = EXCLUDED.category,
       subtype = EXCLUDED.subtype, level = EXCLUDED.level, level_confirmed = EXCLUDED.level_confirmed,
       level_confidence = EXCLUDED.level_confidence, important_opinion = EXCLUDED.important_opinion, t0 = EXCLUDED.t0,
       departments = EXCLUDED.departments, counties = EXCLUDED.counties, key_terms = EXCLUDED.key_terms,
       text_fingerprints = EXCLUDED.text_fingerprints, post_count = EXCLUDED.post_count, drill = EXCLUDED.drill,
       updated_at = EXCLUDED.updated_at, last_post_at = EXCLUDED.last_post_at, t0_set_by_person = EXCLUDED.t0_set_by_person`,
    [
      s.id, s.kind, s.status, s.title, s.category, s.subtype, s.level, s.levelConfirmed, s.levelConfidence,
      s.importantOpinion, s.t0, s.departments, s.counties, extra.keyTerms, extra.fingerprints, s.postCount, s.drill,
      s.openedAt, s.updatedAt, extra.lastPostAt, extra.traceId, extra.t0SetByPerson,
    ],
  );
}

const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

/**
 * Merges `absorbedId` into `survivorId`: the survivor takes the absorbed one's posts (links
 * moved), places, departments, key terms and fingerprints, the earlier t0 (unless a person set
 * the survivor's) and the graver or confirmed level; the absorbed row keeps its history and gets
 * `merged_into`. Events: the absorbed one's `merged` (with `mergedInto`), then the survivor's
 * `updated` (+ `t0_corrected`, `level_changed`). The SLA timer stops the absorbed incident's
 * clocks on `merged` and re-bases the survivor's.
 */
export async function mergeIncidentsInDb(db: Db, input: { survivorId: string; absorbedId: string } & EditInput): Promise<MergeOutcome> {
  return db.transaction(async (tx) => {
    const rows = await lockedRows(tx, [input.survivorId, input.absorbedId]);
    const survivorRow = rows.get(input.survivorId)!;
    const absorbedRow = rows.get(input.absorbedId)!;
    const result = mergeIncidents(snapshotOf(survivorRow), snapshotOf(absorbedRow), input, { survivorT0SetByPerson: survivorRow.t0_set_by_person });
    const at = input.now.toISOString();
    const { rows: moved } = await tx.query<{ post_id: string }>(
      `UPDATE incident_posts SET incident_id = $1 WHERE incident_id = $2 RETURNING post_id`,
      [input.survivorId, input.absorbedId],
    );
    const movedPostIds = moved.map((r) => r.post_id).sort();
    const survivor = { ...result.survivor.snapshot };
    await writeSnapshot(tx, survivor, {
      keyTerms: [...new Set([...survivorRow.key_terms, ...absorbedRow.key_terms])],
      fingerprints: boundedFingerprints([...survivorRow.text_fingerprints, ...absorbedRow.text_fingerprints]),
      lastPostAt: later(toIso(survivorRow.last_post_at ?? survivorRow.t0), toIso(absorbedRow.last_post_at ?? absorbedRow.t0)),
      traceId: survivorRow.trace_id,
      t0SetByPerson: survivorRow.t0_set_by_person,
    });
    await tx.query(`UPDATE incidents SET merged_into = $1, updated_at = $2 WHERE id = $3`, [input.survivorId, at, input.absorbedId]);
    await history(tx, input.absorbedId, at, input, ['merged'], { mergedInto: input.survivorId, movedPostIds });
    await history(tx, input.survivorId, at, input, result.survivor.events, { absorbed: input.absorbedId, movedPostIds, t0: survivor.t0, level: survivor.level });
    await enqueueIncidentEvents(
      tx,
      result.events.map((event) => ({ event, traceId: event.incident.id === input.absorbedId ? absorbedRow.trace_id : survivorRow.trace_id })),
      input.now,
    );
    await recordCorrelationChange(tx, [input.survivorId, input.absorbedId]);
    return { survivor, absorbed: { ...result.absorbed.snapshot, mergedInto: input.survivorId }, movedPostIds };
  });
}

/**
 * Moves `postIds` out of `incidentId` into a new incident (status detected, t0 from its earliest
 * post). The source keeps its other posts; its t0 and unconfirmed level are recomputed from them
 * unless a person set them. Events: the source's `updated` (+ `t0_corrected`, `level_changed`),
 * the new incident's `opened` (its clocks start from its own t0).
 */
export async function splitIncidentInDb(db: Db, input: { incidentId: string; postIds: readonly string[] } & EditInput): Promise<SplitOutcome> {
  return db.transaction(async (tx) => {
    const source = (await lockedRows(tx, [input.incidentId])).get(input.incidentId)!;
    const { rows: postRows } = await tx.query<{ id: string; published_at: unknown; text: string; title: string | null; classification: Classification }>(
      `SELECT p.id, p.published_at, p.text, p.title, p.classification
         FROM incident_posts ip JOIN posts p ON p.id = ip.post_id WHERE ip.incident_id = $1`,
      [input.incidentId],
    );
    const posts: IncidentPost[] = postRows.map((r) => ({
      post: { id: r.id, publishedAt: toIso(r.published_at), text: r.text, ...(r.title !== null && { title: r.title }) },
      classification: r.classification,
    }));
    const sorted = [...input.postIds].sort();
    let newIncidentId = incidentIdFor(`split:${input.incidentId}:${sorted.join(',')}`);
    const { rows: taken } = await tx.query(`SELECT 1 FROM incidents WHERE id = $1`, [newIncidentId]);
    // The same posts split out before (and merged back since): a new id for the new incident.
    if (taken.length > 0) newIncidentId = incidentIdFor(`split:${input.incidentId}:${sorted.join(',')}:${input.now.toISOString()}`);
    const result = splitIncident(snapshotOf(source), posts, input.postIds, input, { sourceT0SetByPerson: source.t0_set_by_person, newIncidentId });
    const at = input.now.toISOString();
    const sideOf = (ids: readonly string[]) => {
      // In post order, so the bound keeps the first and the newest, as joining did.
      const chosen = posts.filter((p) => ids.includes(p.post.id)).sort((a, b) => Date.parse(a.post.publishedAt) - Date.parse(b.post.publishedAt));
      return {
        keyTerms: [...new Set(chosen.flatMap((p) => p.classification.keyTerms))],
        fingerprints: boundedFingerprints(chosen.map((p) => repostFingerprint(p.post.text)).filter((f): f is string => f !== null)),
        lastPostAt: chosen.map((p) => p.post.publishedAt).reduce(later),
      };
    };
    await writeSnapshot(tx, result.split.snapshot, { ...sideOf(result.movedPostIds), traceId: source.trace_id, t0SetByPerson: false });
    await writeSnapshot(tx, result.source.snapshot, { ...sideOf(result.keptPostIds), traceId: source.trace_id, t0SetByPerson: source.t0_set_by_person });
    await tx.query(`UPDATE incident_posts SET incident_id = $1 WHERE post_id = ANY($2)`, [newIncidentId, result.movedPostIds]);
    await history(tx, input.incidentId, at, input, result.source.events, { splitInto: newIncidentId, movedPostIds: result.movedPostIds });
    await history(tx, newIncidentId, at, input, result.split.events, { splitFrom: input.incidentId, movedPostIds: result.movedPostIds });
    await enqueueIncidentEvents(tx, result.events.map((event) => ({ event, traceId: source.trace_id })), input.now);
    await recordCorrelationChange(tx, [input.incidentId, newIncidentId]);
    return { source: result.source.snapshot, split: result.split.snapshot, movedPostIds: [...result.movedPostIds].sort() };
  });
}

/**
 * A duty officer sets t0, the moment the clocks count from, with a reason. From then on posts
 * joining and merges leave it alone. Event: `t0_corrected` (the SLA timer re-bases the clocks).
 * A t0 after `now` is refused: clocks cannot count from the future.
 */
export async function correctT0InDb(db: Db, input: { incidentId: string; t0: string } & EditInput): Promise<IncidentSnapshot> {
  const t0Ms = Date.parse(input.t0);
  if (!input.actor.trim()) throw new IncidentEditError('an edit needs an actor');
  if (!input.reason.trim()) throw new IncidentEditError('an edit needs a reason');
  if (Number.isNaN(t0Ms)) throw new IncidentEditError(`t0 ${input.t0} is not an instant`);
  if (t0Ms > input.now.getTime()) throw new IncidentEditError(`t0 ${input.t0} is in the future`);
  return db.transaction(async (tx) => {
    const row = (await lockedRows(tx, [input.incidentId])).get(input.incidentId)!;
    const current = snapshotOf(row);
    if (!isOpen(current.status)) throw new IncidentTransitionError(current.id, current.status, 'correct t0');
    const at = input.now.toISOString();
    const next: IncidentSnapshot = { ...current, t0: new Date(t0Ms).toISOString(), updatedAt: at };
    const kinds: IncidentEventKind[] = ['t0_corrected'];
    await tx.query(`UPDATE incidents SET t0 = $1, t0_set_by_person = true, updated_at = $2 WHERE id = $3`, [next.t0, at, current.id]);
    await history(tx, current.id, at, input, kinds, { from: current.t0, to: next.t0 });
    await enqueueIncidentEvents(tx, kinds.map((kind) => ({ event: { kind, incident: next, actor: input.actor, reason: input.reason }, traceId: row.trace_id })), input.now);
    await recordCorrelationChange(tx, [current.id]);
    return next;
  });
}
