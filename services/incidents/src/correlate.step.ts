import type { Db } from '@huiying/store';
import { markProcessed } from '@huiying/store';
import {
  correlate,
  findCorrelationCandidates,
  findIncident,
  incidentKindOf,
  incidentOfPost,
  joinIncident,
  openIncident,
  saveIncidentChange,
  upsertPost,
  type CorrelationPolicy,
} from '@huiying/incident-core';
import type { PostClassifiedMessage } from '@huiying/contracts';

export const CONSUMER = 'incidents';

/**
 * Correlation is serialised across instances by one transaction-scoped advisory lock, so two
 * instances can never both decide "no open incident yet" for the same event. The key is fixed:
 * a number no other part of the product uses.
 */
const CORRELATION_LOCK = 7_420_001;

export type CorrelateOutcome =
  | { outcome: 'duplicate' }
  | { outcome: 'stored' }
  | { outcome: 'already-linked'; incidentId: string }
  | { outcome: 'opened' | 'joined'; incidentId: string; because: string };

/** Stores a classified post and, when it is flagged, puts it in exactly one incident. */
export async function correlateClassifiedPost(
  db: Db,
  message: PostClassifiedMessage,
  policy: CorrelationPolicy,
  now: Date,
): Promise<CorrelateOutcome> {
  const { post, classification } = message.payload;
  return db.transaction(async (tx) => {
    const kind = incidentKindOf(classification);
    if (kind) await tx.query('SELECT pg_advisory_xact_lock($1)', [CORRELATION_LOCK]);
    if (!(await markProcessed(tx, CONSUMER, message.id))) return { outcome: 'duplicate' as const };
    await upsertPost(tx, post, classification, message.traceId);
    if (!kind) return { outcome: 'stored' as const };
    const linked = await incidentOfPost(tx, post.id);
    if (linked) return { outcome: 'already-linked' as const, incidentId: linked };

    const since = new Date(Date.parse(post.publishedAt) - policy.windowMs);
    const candidates = await findCorrelationCandidates(tx, kind, since);
    const decision = correlate(post, classification, candidates, policy);
    const context = {
      actor: 'system:incidents',
      postId: post.id,
      postAt: post.publishedAt,
      keyTerms: classification.keyTerms,
      traceId: message.traceId,
      reason: decision.because,
    };
    if (decision.action === 'join') {
      const current = await findIncident(tx, decision.incidentId, true);
      if (current) {
        await saveIncidentChange(tx, joinIncident(current, post, classification, now), context);
        return { outcome: 'joined' as const, incidentId: decision.incidentId, because: decision.because };
      }
    }
    await saveIncidentChange(tx, openIncident(decision.incidentId, post, classification, now), context);
    return { outcome: 'opened' as const, incidentId: decision.incidentId, because: decision.because };
  });
}
