import { z } from 'zod';
import { MappingError, VendorError } from './errors';
import { getJson, queryJson } from './json-path';
import type { PostDraft } from './normalise';

/** One path, or alternatives tried in order (`["idstr", "mid", "id"]`). */
export const FieldPath = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
export type FieldPath = z.infer<typeof FieldPath>;

/**
 * How a vendor's JSON becomes post drafts: configuration, not code. Paths are JSONPath
 * (`$.statuses[*]`) for the items and item-relative (`user.screen_name`) for fields.
 */
export const JsonMapping = z.object({
  /** Where the items are, ending in `[*]`: `$.statuses[*]`, or `$[*]` for a bare array. */
  items: z.string().min(1).default('$[*]'),
  nativeId: FieldPath.optional(),
  url: FieldPath.optional(),
  /** Builds the URL from item fields when the vendor gives none: `https://weibo.com/{user.idstr}/{mid}`. */
  urlTemplate: z.string().optional(),
  author: FieldPath.optional(),
  title: FieldPath.optional(),
  text: FieldPath,
  publishedAt: FieldPath.optional(),
  engagement: z
    .object({ reposts: FieldPath.optional(), comments: FieldPath.optional(), likes: FieldPath.optional() })
    .optional(),
  /** Items to drop, e.g. `{ path: "deleted", equals: "1" }` for posts their author deleted. */
  skipWhen: z
    .array(z.object({ path: z.string().min(1), equals: z.union([z.string(), z.number(), z.boolean()]) }))
    .default([]),
  /**
   * How the vendor signals an error in a 200 body, e.g. Weibo `{ "error_code": "20502", "error": "…" }`.
   * When `code` selects a value, the response is a VendorError, never an empty batch.
   */
  error: z.object({ code: FieldPath, message: FieldPath.optional() }).optional(),
});
export type JsonMapping = z.input<typeof JsonMapping>;
type ParsedMapping = z.output<typeof JsonMapping>;

export function pick(item: unknown, path: FieldPath | undefined): unknown {
  if (path === undefined) return undefined;
  for (const p of Array.isArray(path) ? path : [path]) {
    const v = getJson(item, p);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function fillTemplate(template: string, item: unknown): string | undefined {
  let missing = false;
  const out = template.replace(/\{([^}]+)\}/g, (_, path: string) => {
    const v = asText(getJson(item, path.trim()));
    if (v === undefined) missing = true;
    return encodeURIComponent(v ?? '');
  });
  return missing ? undefined : out;
}

export interface MappedBatch {
  drafts: PostDraft[];
  /** Items dropped by `skipWhen`. */
  skipped: number;
}

/**
 * Applies a mapping to a parsed response body. Throws VendorError when the body is the vendor's
 * error object and MappingError when the items container is missing or not an array: both are
 * failed polls, so an error response never looks like a quiet source.
 */
export function mapJsonBatch(body: unknown, mappingInput: JsonMapping): MappedBatch {
  const mapping: ParsedMapping = JsonMapping.parse(mappingInput);
  if (mapping.error) {
    const code = pick(body, mapping.error.code);
    if (code !== undefined) {
      throw new VendorError(
        asText(code) ?? JSON.stringify(code),
        asText(pick(body, mapping.error.message)) ?? 'no message',
      );
    }
  }
  if (!mapping.items.endsWith('[*]')) throw new MappingError(`items path "${mapping.items}" must end in [*]`);
  const containerPath = mapping.items.slice(0, -3) || '$';
  const container = getJson(body, containerPath === '$' ? '$' : containerPath);
  if (!Array.isArray(container)) {
    throw new MappingError(
      `items path "${mapping.items}": ${containerPath} is ${container === undefined ? 'missing' : `a ${typeof container}, not an array`}`,
    );
  }
  const drafts: PostDraft[] = [];
  let skipped = 0;
  for (const item of queryJson(body, mapping.items)) {
    if (mapping.skipWhen.some((rule) => getJson(item, rule.path) === rule.equals)) {
      skipped++;
      continue;
    }
    const nativeId = pick(item, mapping.nativeId);
    const url =
      asText(pick(item, mapping.url)) ?? (mapping.urlTemplate ? fillTemplate(mapping.urlTemplate, item) : undefined);
    drafts.push({
      nativeId: typeof nativeId === 'number' ? nativeId : asText(nativeId),
      url,
      author: asText(pick(item, mapping.author)),
      title: asText(pick(item, mapping.title)),
      text: asText(pick(item, mapping.text)),
      publishedAt: pick(item, mapping.publishedAt),
      engagement: mapping.engagement && {
        reposts: pick(item, mapping.engagement.reposts),
        comments: pick(item, mapping.engagement.comments),
        likes: pick(item, mapping.engagement.likes),
      },
      raw: item,
    });
  }
  return { drafts, skipped };
}

/** A ready mapping for the Sina Weibo open API v2 timelines (and the bare-array v1 shape). */
export const WEIBO_V2_TIMELINE_MAPPING: JsonMapping = {
  items: '$.statuses[*]',
  nativeId: ['idstr', 'mid', 'id'],
  urlTemplate: 'https://weibo.com/{user.id}/{mid}',
  author: ['user.screen_name', 'user.name'],
  text: 'text',
  publishedAt: 'created_at',
  engagement: { reposts: 'reposts_count', comments: 'comments_count', likes: 'attitudes_count' },
  skipWhen: [{ path: 'deleted', equals: '1' }],
  error: { code: 'error_code', message: 'error' },
};
