import { ClassifierInputError } from '@huiying/classifier-core';
import type { Classification } from '@huiying/contracts';
import type { Queryable } from '@huiying/store';
import type { PostClassifier } from '../classify.step';
import { type FlagChange, flagChanges } from './flag-changes';

export interface ReclassifyOptions {
  db: Queryable;
  classifier: PostClassifier;
  /** Posts published in [since, until). */
  since: Date;
  until: Date;
  /** Write the new classification back; without it nothing is written (shadow mode). */
  apply: boolean;
  /** Now, for `classified_at` when applying. */
  now: () => Date;
  /** Posts read per query. Default 500. */
  pageSize?: number;
  onChange: (change: PostChange) => void;
}

export interface PostChange {
  postId: string;
  publishedAt: string;
  previousVersion: string | null;
  changes: FlagChange[];
}

export interface ReclassifySummary {
  version: string;
  since: string;
  until: string;
  posts: number;
  changed: number;
  /** Field → number of posts where it changed. */
  byField: Record<string, number>;
  /** Posts the classifier refuses (empty, binary), by reason. */
  rejected: Record<string, number>;
  applied: boolean;
}

interface PostRow {
  id: string;
  title: string | null;
  text: string;
  author: string | null;
  source_id: string;
  published_at: string;
  classification: Classification | string | null;
  classifier_version: string | null;
}

/**
 * Re-runs stored posts through the current classifier and reports what the duty officer would
 * see change. Pages by (published_at, id) so a large window never sits in memory at once.
 */
export async function reclassifyPosts(options: ReclassifyOptions): Promise<ReclassifySummary> {
  const pageSize = options.pageSize ?? 500;
  const summary: ReclassifySummary = {
    version: options.classifier.version,
    since: options.since.toISOString(),
    until: options.until.toISOString(),
    posts: 0,
    changed: 0,
    byField: {},
    rejected: {},
    applied: options.apply,
  };
  let after: { publishedAt: string; id: string } | null = null;
  for (;;) {
    const cursor: [string | null, string] = [after?.publishedAt ?? null, after?.id ?? ''];
    const result = await options.db.query<PostRow>(
      `SELECT id, title, text, author, source_id, published_at, classification, classifier_version
         FROM posts
        WHERE published_at >= $1 AND published_at < $2
          AND ($3::timestamptz IS NULL OR (published_at, id) > ($3::timestamptz, $4::text))
        ORDER BY published_at, id
        LIMIT ${Number(pageSize)}`,
      [summary.since, summary.until, ...cursor],
    );
    const rows: PostRow[] = result.rows;
    if (rows.length === 0) break;
    for (const row of rows) {
      summary.posts++;
      let next: Classification;
      try {
        next = options.classifier.classify({
          id: row.id,
          text: row.text,
          ...(row.title !== null && { title: row.title }),
          ...(row.author !== null && { author: row.author }),
          sourceId: row.source_id,
        });
      } catch (error) {
        if (!(error instanceof ClassifierInputError)) throw error;
        summary.rejected[error.reason] = (summary.rejected[error.reason] ?? 0) + 1;
        continue;
      }
      const before =
        typeof row.classification === 'string'
          ? (JSON.parse(row.classification) as Classification)
          : row.classification;
      const changes = flagChanges(before, next);
      if (changes.length > 0) {
        summary.changed++;
        for (const c of changes) summary.byField[c.field] = (summary.byField[c.field] ?? 0) + 1;
        options.onChange({
          postId: row.id,
          publishedAt: row.published_at,
          previousVersion: row.classifier_version,
          changes,
        });
      }
      if (options.apply && (changes.length > 0 || row.classifier_version !== next.version)) {
        await options.db.query(
          `UPDATE posts SET classification = $2::jsonb, classifier_version = $3, classified_at = $4 WHERE id = $1`,
          [row.id, JSON.stringify(next), next.version, options.now().toISOString()],
        );
      }
    }
    const last: PostRow = rows[rows.length - 1]!;
    after = { publishedAt: last.published_at, id: last.id };
  }
  return summary;
}
