import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import type { Post } from '@huiying/contracts';
import type { FieldIssue } from './errors';
import { normalisePost } from './normalise';
import { formatInstant } from './published-at';
import { WebhookPost } from './webhook';

export type ImportFormat = 'jsonl' | 'csv';

/** One record of an import file: a post, or the reasons it was refused, with its line number. */
export type ImportRecord =
  | { kind: 'post'; line: number; post: Post; warnings: FieldIssue[] }
  | { kind: 'rejected'; line: number; issues: FieldIssue[]; raw: string };

export interface FileImportOptions {
  format: ImportFormat;
  sourceId: string;
  /** Collection time of each record (the fallback for a missing publication time). */
  now?: () => number;
  defaultOffsetMinutes?: number;
}

/** CSV columns read; others are ignored. Engagement counts are columns of their own. */
export const CSV_COLUMNS = [
  'nativeId',
  'url',
  'author',
  'title',
  'text',
  'publishedAt',
  'reposts',
  'comments',
  'likes',
] as const;

export function formatFromPath(path: string): ImportFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  return undefined;
}

let lastMs = NaN;
let lastInstant = '';
/** The collection time of a record; formatted once per millisecond, not once per line. */
function collectedAtOf(ms: number): string {
  if (ms !== lastMs) [lastMs, lastInstant] = [ms, formatInstant(ms, 0)];
  return lastInstant;
}

function toRecord(candidate: unknown, line: number, raw: string, options: FileImportOptions): ImportRecord {
  const checked = WebhookPost.safeParse(candidate);
  if (!checked.success) {
    return {
      kind: 'rejected',
      line,
      raw,
      issues: checked.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        reason: i.message,
      })),
    };
  }
  const result = normalisePost(checked.data, {
    sourceId: options.sourceId,
    sourceKind: 'file',
    collectedAt: collectedAtOf((options.now ?? Date.now)()),
    defaultOffsetMinutes: options.defaultOffsetMinutes,
  });
  return result.ok
    ? { kind: 'post', line, post: result.post, warnings: result.warnings }
    : { kind: 'rejected', line, raw, issues: result.issues };
}

async function* readJsonl(input: Readable, options: FileImportOptions): AsyncGenerator<ImportRecord> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const text of lines) {
    lineNo++;
    const trimmed = lineNo === 1 ? text.replace(/^\ufeff/, '').trim() : text.trim();
    if (trimmed === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      yield {
        kind: 'rejected',
        line: lineNo,
        raw: text,
        issues: [{ path: [], reason: `invalid JSON: ${(error as Error).message}` }],
      };
      continue;
    }
    yield toRecord(value, lineNo, text, options);
  }
}

function csvCandidate(row: Record<string, string>): Record<string, unknown> {
  const value = (key: string): string | undefined => {
    const v = row[key];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  // Counts stay strings when they are not plain integers, so validation names the column.
  const count = (key: string): unknown => {
    const v = value(key);
    return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : v;
  };
  const engagement = { reposts: count('reposts'), comments: count('comments'), likes: count('likes') };
  const hasEngagement = Object.values(engagement).some((v) => v !== undefined);
  return {
    nativeId: value('nativeId'),
    url: value('url'),
    author: value('author'),
    title: value('title'),
    text: row['text'] ?? '',
    publishedAt: value('publishedAt'),
    ...(hasEngagement ? { engagement } : {}),
    raw: row,
  };
}

async function* readCsv(input: Readable, options: FileImportOptions): AsyncGenerator<ImportRecord> {
  // Rows as arrays with the header handled here, so a row with the wrong field count is a
  // rejection, not the end of the file. A broken quote is skipped by the parser and reported
  // through on_skip, which runs ahead of the records: those reports wait in `broken` and are
  // yielded in line order.
  const broken: ImportRecord[] = [];
  const parser = input.pipe(
    parseCsv({
      bom: true,
      info: true,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        if (error)
          broken.push({
            kind: 'rejected',
            line: (error as { lines?: number }).lines ?? 0,
            raw: '',
            issues: [{ path: [], reason: `CSV: ${error.message}` }],
          });
      },
    }),
  );
  let header: string[] | undefined;
  for await (const entry of parser as AsyncIterable<{ record: string[]; info: { lines: number }; raw: string }>) {
    const line = entry.info.lines;
    while (broken.length > 0 && broken[0]!.line < line) yield broken.shift()!;
    if (!header) {
      header = entry.record.map((h) => h.trim());
      if (!header.includes('text') && !header.includes('title')) {
        yield {
          kind: 'rejected',
          line,
          raw: entry.raw,
          issues: [{ path: ['text'], reason: 'the header has no text or title column' }],
        };
        return;
      }
      continue;
    }
    if (entry.record.length !== header.length) {
      yield {
        kind: 'rejected',
        line,
        raw: entry.raw,
        issues: [{ path: [], reason: `CSV row has ${entry.record.length} fields, the header ${header.length}` }],
      };
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((name, i) => (row[name] = entry.record[i] ?? ''));
    yield toRecord(csvCandidate(row), line, entry.raw, options);
  }
  yield* broken;
}

/**
 * Streams an import file: each record becomes a post or a rejection with its line number (for
 * CSV, the line on which the record ends) and every reason. Memory stays flat whatever the size.
 * JSONL lines and CSV rows use the webhook's post shape (nativeId, url, author, title, text,
 * publishedAt, engagement / reposts, comments, likes).
 */
export function readImportFile(input: Readable, options: FileImportOptions): AsyncGenerator<ImportRecord> {
  return options.format === 'jsonl' ? readJsonl(input, options) : readCsv(input, options);
}
