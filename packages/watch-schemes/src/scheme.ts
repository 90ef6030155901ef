import { z } from 'zod';
import { parseWatchExpression, WatchExpressionError } from './expression';

/** A literal word of a list: matched as a substring of the post, after normalisation. */
const Word = z.string().trim().min(1).max(100);

/**
 * A watch scheme (监测方案) as a department saves it. A post matches when it names an event word
 * (and, if region words are given, a region word too) or satisfies any expression, and names no
 * exclusion word. The expressions are parsed here, so a bad one is refused when saved, with
 * its position.
 */
export const WatchScheme = z
  .object({
    id: z.string().min(1).max(100),
    /** The department a match routes the post to. */
    department: z.string().trim().min(1).max(100),
    name: z.string().trim().min(1).max(200),
    enabled: z.boolean().default(true),
    regionWords: z.array(Word).max(1000).default([]),
    eventWords: z.array(Word).max(1000).default([]),
    exclusionWords: z.array(Word).max(1000).default([]),
    expressions: z.array(z.string().max(2000)).max(100).default([]),
  })
  .superRefine((scheme, ctx) => {
    if (scheme.regionWords.length === 0 && scheme.eventWords.length === 0 && scheme.expressions.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'a scheme needs region words, event words or an expression', path: [] });
    }
    scheme.expressions.forEach((source, index) => {
      try {
        parseWatchExpression(source);
      } catch (error) {
        if (!(error instanceof WatchExpressionError)) throw error;
        ctx.addIssue({
          code: 'custom',
          message: error.message,
          path: ['expressions', index],
          params: { offset: error.offset, expected: [...error.expected], found: error.found },
        });
      }
    });
  });
export type WatchScheme = z.infer<typeof WatchScheme>;
/** What a caller sends: defaults may be left out. */
export type WatchSchemeInput = z.input<typeof WatchScheme>;

export interface WatchSchemeIssue {
  /** Where in the scheme: `expressions.2`, `department`, or `` for the whole scheme. */
  path: string;
  message: string;
  /** For an expression: the character offset of the error, and what was expected there. */
  offset?: number;
  expected?: string[];
}

export type WatchSchemeValidation = { ok: true; scheme: WatchScheme } | { ok: false; issues: WatchSchemeIssue[] };

/** Validates a scheme about to be saved; never throws on bad input. */
export function validateWatchScheme(input: unknown): WatchSchemeValidation {
  const result = WatchScheme.safeParse(input);
  if (result.success) return { ok: true, scheme: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => {
      const params = issue.code === 'custom' ? (issue.params as { offset?: number; expected?: string[] } | undefined) : undefined;
      return {
        path: issue.path.map(String).join('.'),
        message: issue.message,
        ...(params?.offset !== undefined && { offset: params.offset }),
        ...(params?.expected !== undefined && { expected: params.expected }),
      };
    }),
  };
}
