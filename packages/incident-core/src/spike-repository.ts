import { SpikeDetectedMessage, type SpikeDetected } from '@huiying/contracts';
import { enqueueEvent, type Queryable } from '@huiying/outbox';
import type { Db } from '@huiying/store';
import { assessSpike, DEFAULT_SPIKE_WINDOWS, type SpikeSubject, type SpikeWindow } from './spikes';

/** Only one instance sweeps at a time; the others skip the round. A number no other part uses. */
export const SPIKE_SWEEP_LOCK = 7_420_002;

interface SubjectInfo {
  subject: SpikeSubject;
  title: string;
  departments: string[];
  drill: boolean;
  traceId: string;
}

/** Where each kind of subject's posts are counted. */
const SOURCES = {
  incident: {
    counts: `SELECT ip.incident_id AS id, p.published_at AS at FROM incident_posts ip JOIN posts p ON p.id = ip.post_id
              JOIN incidents i ON i.id = ip.incident_id
             WHERE i.status IN ('detected', 'confirmed', 'responding') AND i.merged_into IS NULL`,
    info: `SELECT id, title, departments, drill, trace_id FROM incidents WHERE id = ANY($1)`,
  },
  watch_scheme: {
    counts: `SELECT m.scheme_id AS id, m.published_at AS at FROM watch_scheme_matches m
              JOIN watch_schemes s ON s.id = m.scheme_id WHERE s.enabled`,
    info: `SELECT id, name AS title, ARRAY[department] AS departments, false AS drill, 'watch-scheme:' || id AS trace_id
             FROM watch_schemes WHERE id = ANY($1)`,
  },
} as const;

/**
 * Bucketed post counts per subject, oldest bucket first, for the subjects with at least
 * `minCurrent` posts in the current window (the others cannot be a spike, so their baseline is
 * never read).
 */
async function countsOf(tx: Queryable, kind: SpikeSubject['kind'], window: SpikeWindow, now: Date): Promise<Map<string, number[]>> {
  const buckets = window.currentBuckets + window.baselineBuckets;
  const end = now.toISOString();
  const { rows } = await tx.query<{ id: string; back: number; n: unknown }>(
    `WITH posts_of AS (${SOURCES[kind].counts}),
          busy AS (SELECT id FROM posts_of WHERE at >= $1::timestamptz - make_interval(secs => $2::float8 / 1000) AND at < $1::timestamptz
                    GROUP BY id HAVING count(*) >= $3)
     SELECT id, floor(extract(epoch FROM ($1::timestamptz - at)) * 1000 / $4::float8)::int AS back, count(*) AS n
       FROM posts_of
      WHERE id IN (SELECT id FROM busy)
        AND at >= $1::timestamptz - make_interval(secs => $5::float8 / 1000) AND at < $1::timestamptz
      GROUP BY 1, 2`,
    [end, window.bucketMs * window.currentBuckets, window.minCurrent, window.bucketMs, window.bucketMs * buckets],
  );
  const counts = new Map<string, number[]>();
  for (const row of rows) {
    const list = counts.get(row.id) ?? new Array<number>(buckets).fill(0);
    const index = buckets - 1 - Number(row.back);
    if (index >= 0 && index < buckets) list[index] = (list[index] ?? 0) + Number(row.n);
    counts.set(row.id, list);
  }
  return counts;
}

/**
 * One spike sweep: the post volume of every open incident and every enabled watch scheme against
 * its own baseline, for each window ending at `now`. A spike is raised (a `spike.detected` event
 * in the outbox, and a row in spike_escalations) unless one was already raised for the same
 * subject and window whose window overlaps this one: the surge is escalated once, not every
 * minute it lasts. Returns the spikes raised; none when another instance holds the sweep.
 */
export async function sweepSpikesInDb(
  db: Db,
  options: { now: Date; windows?: readonly SpikeWindow[] },
): Promise<SpikeDetected[]> {
  const windows = options.windows ?? DEFAULT_SPIKE_WINDOWS;
  const now = options.now;
  return db.transaction(async (tx) => {
    const { rows: lock } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [SPIKE_SWEEP_LOCK]);
    if (!lock[0]?.ok) return [];
    const raised: SpikeDetected[] = [];
    for (const kind of ['incident', 'watch_scheme'] as const) {
      for (const window of windows) {
        const counts = await countsOf(tx, kind, window, now);
        const spiking = [...counts].map(([id, list]) => ({ id, assessment: assessSpike(list, window) })).filter((s) => s.assessment.spike);
        if (spiking.length === 0) continue;
        const infos = await subjectInfo(tx, kind, spiking.map((s) => s.id));
        const span = window.bucketMs * window.currentBuckets;
        const windowStart = new Date(now.getTime() - span).toISOString();
        for (const { id, assessment } of spiking) {
          const info = infos.get(id);
          if (!info) continue;
          const { rowCount } = await tx.query(
            `INSERT INTO spike_escalations (subject_kind, subject_id, window_name, window_slot, window_start, window_end, figures, raised_at)
             SELECT $1, $2, $3, $4, $5, $6, $7, $6
              WHERE NOT EXISTS (SELECT 1 FROM spike_escalations
                                 WHERE subject_kind = $1 AND subject_id = $2 AND window_name = $3 AND window_end > $5::timestamptz)
             ON CONFLICT DO NOTHING`,
            [kind, id, window.name, Math.floor(now.getTime() / span), windowStart, now.toISOString(), JSON.stringify(assessment)],
          );
          if (rowCount !== 1) continue;
          const spike: SpikeDetected = {
            subject: { kind, id, title: info.title, departments: info.departments, drill: info.drill },
            window: window.name,
            windowStart,
            windowEnd: now.toISOString(),
            current: assessment.current,
            baselineMean: assessment.baselineMean,
            baselineStddev: assessment.baselineStddev,
            ratio: assessment.ratio,
            z: assessment.z,
            because: assessment.because,
            detectedAt: now.toISOString(),
          };
          await enqueueEvent(tx, {
            def: SpikeDetectedMessage,
            payload: spike,
            key: id,
            traceId: info.traceId,
            occurredAt: now,
            // Redoing the same sweep gives the same event id: downstream sees one spike.
            id: `spike-${kind}-${id}-${window.name}-${Math.floor(now.getTime() / span)}`,
          });
          raised.push(spike);
        }
      }
    }
    return raised;
  });
}

async function subjectInfo(tx: Queryable, kind: SpikeSubject['kind'], ids: string[]): Promise<Map<string, SubjectInfo>> {
  const { rows } = await tx.query<{ id: string; title: string; departments: string[]; drill: boolean; trace_id: string }>(SOURCES[kind].info, [ids]);
  return new Map(rows.map((r) => [r.id, { subject: { kind, id: r.id }, title: r.title, departments: r.departments, drill: r.drill, traceId: r.trace_id }]));
}
