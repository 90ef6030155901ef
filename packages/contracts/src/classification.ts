import { z } from 'zod';

/** The four categories of the Emergency Response Law (突发事件应对法). */
export const EmergencyCategory = z.enum([
  'natural_disaster', // 自然灾害
  'accident_disaster', // 事故灾难
  'public_health', // 公共卫生事件
  'social_security', // 社会安全事件
]);
export type EmergencyCategory = z.infer<typeof EmergencyCategory>;

/** I 特别重大, II 重大, III 较大, IV 一般. */
export const EmergencyLevel = z.enum(['I', 'II', 'III', 'IV']);
export type EmergencyLevel = z.infer<typeof EmergencyLevel>;

/** One reason a flag was raised: the rule, the terms it matched, and its weight in the score. */
export const Evidence = z.object({
  rule: z.string().min(1),
  terms: z.array(z.string()),
  weight: z.number(),
  note: z.string().optional(),
});
export type Evidence = z.infer<typeof Evidence>;

export const Sentiment = z.enum(['negative', 'neutral', 'positive']);
export type Sentiment = z.infer<typeof Sentiment>;

export const Classification = z.object({
  /** The classifier version that produced this verdict (rules + model file). */
  version: z.string().min(1),
  emergency: z.object({
    flagged: z.boolean(),
    category: EmergencyCategory.nullable(),
    subtype: z.string().nullable(),
    level: EmergencyLevel.nullable(),
    /** 0..1 */
    score: z.number().min(0).max(1),
    evidence: z.array(Evidence),
  }),
  rumor: z.object({
    flagged: z.boolean(),
    score: z.number().min(0).max(1),
    evidence: z.array(Evidence),
    /** The registry claim or published statement this post repeats or contradicts. */
    claimId: z.string().nullable().optional(),
  }),
  /** Responsible departments, from the routing table. */
  departments: z.array(z.string()),
  /** Counties / districts mentioned. */
  counties: z.array(z.string()),
  sentiment: Sentiment,
  /** Salient terms (places, event words) the incident service correlates on. */
  keyTerms: z.array(z.string()),
});
export type Classification = z.infer<typeof Classification>;
