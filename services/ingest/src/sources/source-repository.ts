import type { Queryable } from '@huiying/store';
import { SourceDefinition } from './source-definition';

export interface StoredSource {
  definition: SourceDefinition;
  origin: 'file' | 'api';
  paused: boolean;
  /** The poller's persisted cursor (feed validators, a JSON cursor), undefined before the first batch. */
  cursor: unknown;
  lastSuccessAt: string | null;
}

interface SourceRow {
  definition: unknown;
  origin: 'file' | 'api';
  paused: boolean;
  cursor: unknown;
  last_success_at: string | null;
}

const SELECT_SOURCES = `
  SELECT s.definition, s.origin, s.paused, p.cursor, p.last_success_at
    FROM ingest_sources s LEFT JOIN ingest_source_progress p ON p.source_id = s.id`;

function toStored(row: SourceRow): StoredSource {
  return {
    // Parsed again on the way out: a row written by an older version gets today's defaults.
    definition: SourceDefinition.parse(row.definition),
    origin: row.origin,
    paused: row.paused,
    cursor: row.cursor ?? undefined,
    lastSuccessAt: row.last_success_at,
  };
}

/** SQL for sources and their progress. Every function takes the Db or a transaction. */
export const sourceRepository = {
  /** The configuration file's sources: inserted or replaced; an operator's pause is kept. */
  async upsertFromFile(db: Queryable, sources: readonly SourceDefinition[]): Promise<void> {
    for (const source of sources) {
      await db.query(
        `INSERT INTO ingest_sources (id, kind, definition, origin) VALUES ($1, $2, $3, 'file')
         ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, definition = EXCLUDED.definition, origin = 'file', updated_at = now()`,
        [source.id, source.kind, JSON.stringify(source)],
      );
    }
  },

  /** Adds a source through the API; false when the id is taken. */
  async add(db: Queryable, source: SourceDefinition): Promise<boolean> {
    const result = await db.query(
      `INSERT INTO ingest_sources (id, kind, definition, origin) VALUES ($1, $2, $3, 'api') ON CONFLICT (id) DO NOTHING`,
      [source.id, source.kind, JSON.stringify(source)],
    );
    return result.rowCount === 1;
  },

  async list(db: Queryable): Promise<StoredSource[]> {
    const result = await db.query<SourceRow>(`${SELECT_SOURCES} ORDER BY s.id`);
    return result.rows.map(toStored);
  },

  async get(db: Queryable, id: string): Promise<StoredSource | undefined> {
    const result = await db.query<SourceRow>(`${SELECT_SOURCES} WHERE s.id = $1`, [id]);
    const row = result.rows[0];
    return row ? toStored(row) : undefined;
  },

  /** False when there is no such source. */
  async setPaused(db: Queryable, id: string, paused: boolean): Promise<boolean> {
    const result = await db.query(`UPDATE ingest_sources SET paused = $2, updated_at = now() WHERE id = $1`, [id, paused]);
    return result.rowCount === 1;
  },

  /** Call only after Kafka acknowledged what came before `cursor`: a restart resumes here. */
  async saveProgress(db: Queryable, id: string, cursor: unknown, at: Date): Promise<void> {
    await db.query(
      `INSERT INTO ingest_source_progress (source_id, cursor, last_success_at, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (source_id) DO UPDATE SET cursor = EXCLUDED.cursor, last_success_at = EXCLUDED.last_success_at, updated_at = now()`,
      [id, cursor === undefined ? null : JSON.stringify(cursor), at.toISOString()],
    );
  },

  /** Adds counted reposts to first posts. */
  async addRepostCounts(db: Queryable, counts: ReadonlyArray<{ postId: string; reposts: number }>, at: Date): Promise<void> {
    if (counts.length === 0) return;
    await db.query(
      `INSERT INTO post_repost_counts (post_id, reposts, last_repost_at)
       SELECT c.post_id, c.reposts, $2 FROM jsonb_to_recordset($1::jsonb) AS c(post_id text, reposts integer)
       ON CONFLICT (post_id) DO UPDATE SET reposts = post_repost_counts.reposts + EXCLUDED.reposts, last_repost_at = EXCLUDED.last_repost_at`,
      [JSON.stringify(counts.map((c) => ({ post_id: c.postId, reposts: c.reposts }))), at.toISOString()],
    );
  },

  async repostCount(db: Queryable, postId: string): Promise<number> {
    const result = await db.query<{ reposts: number }>(`SELECT reposts FROM post_repost_counts WHERE post_id = $1`, [postId]);
    return result.rows[0]?.reposts ?? 0;
  },
};
