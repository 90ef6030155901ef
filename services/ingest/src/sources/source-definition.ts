import { CursorStrategy, JsonMapping } from '@huiying/ingest-core';
import { z } from 'zod';

/** Source ids end up in post ids, metric labels and Redis keys: keep them plain. */
export const SourceId = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'a-z, 0-9, _ . - (at most 100, starting with a letter or digit)');

/** How a pulled source is polled. Defaults suit a news site; a busy platform API wants less. */
export const PollingPolicy = z.object({
  /** Between successful polls. Default 5 min: news sites update every few minutes at most. */
  intervalMs: z.number().int().min(1_000).default(300_000),
  /** ± this fraction on every delay, so sources sharing an interval do not poll in step. */
  jitterRatio: z.number().min(0).max(0.5).default(0.1),
  /** First delay after a failure; doubles per further failure up to backoffMaxMs. */
  backoffBaseMs: z.number().int().min(100).default(5_000),
  backoffMaxMs: z.number().int().min(1_000).default(30 * 60_000),
  /** Consecutive failures after which the source shows as unhealthy in the API and metrics. */
  unhealthyAfter: z.number().int().min(1).default(5),
  /** Whole request, headers and body. */
  timeoutMs: z.number().int().min(100).default(15_000),
  /** Bodies above this are refused while streaming, never buffered. */
  maxBodyBytes: z.number().int().min(1_024).default(5 * 1024 * 1024),
});
export type PollingPolicy = z.infer<typeof PollingPolicy>;

const common = {
  id: SourceId,
  /** For people: 陇南市人民政府网 要闻. */
  name: z.string().min(1).max(200),
  /** A disabled source is known (its webhook refuses, its poller does not run) but idle. */
  enabled: z.boolean().default(true),
  /** Offset for times printed without one; Beijing (+480) when absent. */
  defaultOffsetMinutes: z.number().int().min(-720).max(840).optional(),
  /** Replaces the default list of tracking parameters removed from links. */
  trackingParams: z.array(z.string().min(1)).optional(),
};

const httpUrl = z.url({ protocol: /^https?$/ });

export const RssSourceDefinition = z.object({
  ...common,
  kind: z.literal('rss'),
  url: httpUrl,
  polling: PollingPolicy.prefault({}),
});

export const JsonSourceDefinition = z.object({
  ...common,
  kind: z.literal('json'),
  url: httpUrl,
  polling: PollingPolicy.prefault({}),
  mapping: JsonMapping,
  cursor: CursorStrategy,
  maxPagesPerPoll: z.number().int().min(1).max(1000).default(10),
  headers: z.record(z.string(), z.string()).default({}),
  /** Header name → environment variable holding its value (API tokens stay out of files and the database). */
  headersFromEnv: z.record(z.string(), z.string()).default({}),
});

export const WebhookSourceDefinition = z
  .object({
    ...common,
    kind: z.literal('webhook'),
    /** `unsigned` only for a sample source in the single-process mode: anyone reaching the port could post. */
    auth: z.enum(['hmac', 'unsigned']).default('hmac'),
    /** HMAC secrets; two during a rotation. Prefer secretEnv in files. */
    secrets: z.array(z.string().min(16, 'a secret needs at least 16 characters')).default([]),
    /** Environment variables holding secrets. */
    secretEnv: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/)).default([]),
    /** Posts (not requests) per minute this source may push; above it the webhook answers 429. Bursts up to 10 s worth (at least one full batch). */
    postsPerMinute: z.number().int().min(1).default(60_000),
    /** Most posts in one request. */
    maxBatch: z.number().int().min(1).max(10_000).default(1000),
  })
  .refine((s) => s.auth === 'unsigned' || s.secrets.length + s.secretEnv.length > 0, {
    message: 'an hmac source needs secrets or secretEnv',
    path: ['secrets'],
  });

export const SourceDefinition = z.discriminatedUnion('kind', [RssSourceDefinition, JsonSourceDefinition, WebhookSourceDefinition]);
export type SourceDefinition = z.infer<typeof SourceDefinition>;
export type SourceDefinitionInput = z.input<typeof SourceDefinition>;
export type RssSourceDefinition = z.infer<typeof RssSourceDefinition>;
export type JsonSourceDefinition = z.infer<typeof JsonSourceDefinition>;
export type WebhookSourceDefinition = z.infer<typeof WebhookSourceDefinition>;
export type PolledSourceDefinition = RssSourceDefinition | JsonSourceDefinition;

export const SourcesFile = z.object({ sources: z.array(SourceDefinition) }).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.sources.forEach((source, i) => {
    if (seen.has(source.id)) ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `duplicate source id ${source.id}` });
    seen.add(source.id);
  });
});

/** Every problem of a sources file or an API body, as `sources[2].url: Invalid URL`. */
export function describeIssues(error: z.ZodError): { path: string; problem: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(root)',
    problem: issue.message,
  }));
}

/** Parses a sources file's text; throws with every problem named. */
export function parseSourcesFile(text: string, origin: string): SourceDefinition[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${origin}: not JSON: ${(error as Error).message}`);
  }
  const result = SourcesFile.safeParse(json);
  if (!result.success) {
    throw new Error(`${origin}: invalid sources:\n${describeIssues(result.error).map((p) => `  ${p.path}: ${p.problem}`).join('\n')}`);
  }
  return result.data.sources;
}

/** A webhook source's secrets: the literal ones, then those named by environment variables that are set. */
export function webhookSecrets(source: WebhookSourceDefinition, environment: Record<string, string | undefined>): string[] {
  const fromEnv = source.secretEnv.map((name) => environment[name]).filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [...source.secrets, ...fromEnv];
}

/** A JSON source's request headers, tokens from the environment included. */
export function jsonSourceHeaders(source: JsonSourceDefinition, environment: Record<string, string | undefined>): Record<string, string> {
  const headers = { ...source.headers };
  for (const [name, variable] of Object.entries(source.headersFromEnv)) {
    const value = environment[variable];
    if (value) headers[name] = value;
  }
  return headers;
}

/** The definition as the API shows it: secrets and header values replaced, so a read never leaks them. */
export function redactSource(source: SourceDefinition): SourceDefinition {
  if (source.kind === 'webhook') return { ...source, secrets: source.secrets.map(() => '(hidden)') };
  if (source.kind === 'json') return { ...source, headers: Object.fromEntries(Object.keys(source.headers).map((k) => [k, '(hidden)'])) };
  return source;
}

export function isPolled(source: SourceDefinition): source is PolledSourceDefinition {
  return source.kind === 'rss' || source.kind === 'json';
}
