import { z } from 'zod';
import type { Post } from '@huiying/contracts';
import { getJson } from './json-path';
import { formatInstant } from './published-at';

/**
 * How a platform API pages. The cursor is a string the caller persists after each batch.
 * - `since-id`: the request carries the largest native id seen (`since_id=…`);
 * - `page-token`: the response names the next page (`$.next_cursor`), the request sends it back;
 * - `timestamp`: the request carries the latest publication time seen.
 */
export const CursorStrategy = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('since-id'), param: z.string().min(1) }),
  z.object({
    kind: z.literal('page-token'),
    param: z.string().min(1),
    nextPath: z.string().min(1),
    /** Values that mean "no further page" (Weibo sends 0). */
    endValues: z.array(z.string()).default(['', '0']),
  }),
  z.object({
    kind: z.literal('timestamp'),
    param: z.string().min(1),
    format: z.enum(['epoch-s', 'epoch-ms', 'iso']).default('epoch-s'),
  }),
]);
export type CursorStrategy = z.input<typeof CursorStrategy>;

/** The request URL for a cursor: the cursor parameter set (replacing one already there). */
export function urlWithCursor(url: string, strategy: CursorStrategy, cursor: string | undefined): string {
  if (strategy.kind === 'none' || cursor === undefined) return url;
  const u = new URL(url);
  u.searchParams.set(strategy.param, cursor);
  return u.toString();
}

/** Orders numeric ids as numbers of any length (ids beyond 2^53 stay strings), others as text. */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = a.replace(/^0+(?=\d)/, '');
    const y = b.replace(/^0+(?=\d)/, '');
    if (x.length !== y.length) return x.length - y.length;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface CursorStep {
  cursor: string | undefined;
  /** Whether to fetch another page in this poll. */
  more: boolean;
}

/** Where the next request starts after a page. Pure. */
export function nextCursor(
  strategyInput: CursorStrategy,
  current: string | undefined,
  body: unknown,
  posts: readonly Post[],
): CursorStep {
  const strategy = CursorStrategy.parse(strategyInput);
  switch (strategy.kind) {
    case 'none':
      return { cursor: current, more: false };
    case 'since-id': {
      let max = current;
      for (const p of posts)
        if (p.nativeId !== undefined && (max === undefined || compareIds(p.nativeId, max) > 0)) max = p.nativeId;
      return { cursor: max, more: posts.length > 0 && max !== current };
    }
    case 'page-token': {
      const raw = getJson(body, strategy.nextPath);
      const token = raw === undefined || raw === null ? '' : String(raw);
      if (strategy.endValues.includes(token)) return { cursor: current, more: false };
      return { cursor: token, more: token !== current && posts.length > 0 };
    }
    case 'timestamp': {
      let maxMs = current === undefined ? undefined : cursorToMs(current, strategy.format);
      for (const p of posts) {
        const ms = Date.parse(p.publishedAt);
        if (maxMs === undefined || ms > maxMs) maxMs = ms;
      }
      const next = maxMs === undefined ? current : msToCursor(maxMs, strategy.format);
      return { cursor: next, more: posts.length > 0 && next !== current };
    }
  }
}

function cursorToMs(cursor: string, format: 'epoch-s' | 'epoch-ms' | 'iso'): number {
  if (format === 'iso') return Date.parse(cursor);
  return Number(cursor) * (format === 'epoch-s' ? 1000 : 1);
}

function msToCursor(ms: number, format: 'epoch-s' | 'epoch-ms' | 'iso'): string {
  if (format === 'iso') return formatInstant(ms, 0);
  return String(format === 'epoch-s' ? Math.floor(ms / 1000) : ms);
}
