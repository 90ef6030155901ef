import type { Readable } from 'node:stream';
import type { Post } from '@huiying/contracts';
import { formatIssues, paced, readImportFile, type ImportFormat, type ImportRecord, type ReplayPace } from '@huiying/ingest-core';
import type { PostAdmission, RefusedItem } from './admission/post-admission';

export interface ReplaySummary {
  read: number;
  accepted: number;
  duplicates: number;
  rejected: { line: number; reason: string }[];
  elapsedMs: number;
}

export interface FileReplayOptions {
  input: Readable;
  format: ImportFormat;
  sourceId: string;
  pace: ReplayPace;
  admit: PostAdmission;
  /** Posts per Kafka round trip when replaying as fast as possible. Default 1000. */
  batchSize?: number;
  /** When paced, a held post waits at most this long for others to share its round trip. Default 20 ms. */
  maxHoldMs?: number;
  onProgress?: (summary: ReplaySummary) => void;
}

/**
 * Replays an import file through admission (dedup, Kafka, dead letters): as fast as possible in
 * batches, or paced (a rate, or the posts' original spacing for drills) with short batches so
 * no post waits on the next one. Resolves once Kafka acknowledged everything.
 */
export async function replayFile(options: FileReplayOptions): Promise<ReplaySummary> {
  const started = performance.now();
  const summary: ReplaySummary = { read: 0, accepted: 0, duplicates: 0, rejected: [], elapsedMs: 0 };
  const batchSize = options.batchSize ?? 1000;
  const maxHoldMs = options.maxHoldMs ?? 20;
  let posts: Post[] = [];
  let refused: RefusedItem[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (posts.length === 0 && refused.length === 0) return chain;
    const batch = posts;
    const letters = refused;
    posts = [];
    refused = [];
    // Serialised: batches reach Kafka in file order.
    chain = chain.then(async () => {
      const result = await options.admit(options.sourceId, batch, letters);
      summary.accepted += result.accepted.length;
      summary.duplicates += result.duplicates.length;
      summary.elapsedMs = performance.now() - started;
      options.onProgress?.(summary);
    });
    chain.catch((error: unknown) => (failure ??= error));
    return chain;
  };

  const records = readImportFile(options.input, { format: options.format, sourceId: options.sourceId });
  const timeOf = (record: ImportRecord) => (record.kind === 'post' ? Date.parse(record.post.publishedAt) : undefined);
  const stream = options.pace.kind === 'asap' ? records : paced(records, options.pace, timeOf);
  for await (const record of stream) {
    if (failure) break;
    summary.read++;
    if (record.kind === 'post') posts.push(record.post);
    else {
      const reason = formatIssues(record.issues);
      summary.rejected.push({ line: record.line, reason });
      refused.push({ raw: Buffer.from(record.raw), reason: `line ${record.line}: ${reason}` });
    }
    if (posts.length + refused.length >= batchSize) {
      // One batch on the wire while the next is read; beyond that, wait: as fast as possible
      // means as fast as Kafka acknowledges.
      const previous = chain;
      void flush();
      await previous.catch(() => undefined);
    } else if (options.pace.kind !== 'asap' && !timer) {
      timer = setTimeout(() => void flush(), maxHoldMs);
    }
  }
  await flush();
  if (failure) throw failure;
  summary.elapsedMs = performance.now() - started;
  return summary;
}
