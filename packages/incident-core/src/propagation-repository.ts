import type { Engagement } from '@huiying/contracts';
import type { Queryable } from '@huiying/outbox';
import { toIso } from './incident-repository';
import { propagationOf, type Propagation, type PropagationOptions } from './propagation';

/**
 * How an incident spread, from its posts as stored (merged incidents' posts included: their
 * links moved to the survivor). Null when there is no such incident.
 */
export async function propagationOfIncident(
  db: Queryable,
  incidentId: string,
  options: Partial<PropagationOptions> = {},
): Promise<Propagation | null> {
  const { rows: found } = await db.query(`SELECT 1 FROM incidents WHERE id = $1`, [incidentId]);
  if (found.length === 0) return null;
  const { rows } = await db.query<{
    id: string; published_at: unknown; source_id: string; author: string | null; url: string | null; title: string | null;
    engagement: Engagement | null; counties: string[] | null;
  }>(
    `SELECT p.id, p.published_at, p.source_id, p.author, p.url, p.title, p.engagement,
            ARRAY(SELECT jsonb_array_elements_text(COALESCE(p.classification -> 'counties', '[]'::jsonb))) AS counties
       FROM incident_posts ip JOIN posts p ON p.id = ip.post_id
      WHERE ip.incident_id = $1`,
    [incidentId],
  );
  return propagationOf(
    rows.map((r) => ({
      post: {
        id: r.id,
        publishedAt: toIso(r.published_at),
        sourceId: r.source_id,
        ...(r.author !== null && { author: r.author }),
        ...(r.url !== null && { url: r.url }),
        ...(r.title !== null && { title: r.title }),
        ...(r.engagement !== null && { engagement: r.engagement }),
      },
      classification: { counties: r.counties ?? [] },
    })),
    options,
  );
}
