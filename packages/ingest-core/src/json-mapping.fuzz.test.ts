import fc from 'fast-check';
import { MappingError, VendorError } from './errors';
import { mapJsonBatch, WEIBO_V2_TIMELINE_MAPPING, type JsonMapping } from './json-mapping';
import { normalisePost } from './normalise';

const GENERIC: JsonMapping = {
  items: '$.data.items[*]',
  nativeId: ['id', 'mid'],
  url: 'link',
  urlTemplate: 'https://example.gov.cn/{user.id}/{id}',
  author: ['user.name', 'author'],
  title: 'title',
  text: ['content', 'text'],
  publishedAt: 'time',
  engagement: { reposts: 'stats.reposts', comments: 'stats.comments', likes: 'stats.likes' },
  skipWhen: [{ path: 'deleted', equals: true }],
  error: { code: 'errcode', message: 'errmsg' },
};

/** Values a vendor really sends wrong: wrong types, huge numbers, odd strings, nesting. */
const oddValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '1',
    '0',
    '=cmd|calc',
    '<script>alert(1)</script>',
    '2026-02-30 25:61:00',
    'null',
    '\u0000',
    '𠮷',
    'javascript:alert(1)',
    'http://',
    '//evil.example/x',
  ),
  fc.integer(),
  fc.double(),
  fc.bigInt().map(String),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
const vendorItem = fc.record(
  {
    id: oddValue,
    mid: oddValue,
    idstr: oddValue,
    link: oddValue,
    title: oddValue,
    content: oddValue,
    text: oddValue,
    time: oddValue,
    created_at: oddValue,
    deleted: oddValue,
    author: oddValue,
    user: fc.record({ id: oddValue, name: oddValue, screen_name: oddValue }, { requiredKeys: [] }),
    stats: fc.record({ reposts: oddValue, comments: oddValue, likes: oddValue }, { requiredKeys: [] }),
    reposts_count: oddValue,
    comments_count: oddValue,
    attitudes_count: oddValue,
  },
  { requiredKeys: [] },
);
/** Whole bodies: the expected containers holding odd items, the wrong containers, or anything. */
const body = fc.oneof(
  fc.record(
    { data: fc.record({ items: fc.array(fc.oneof(vendorItem, oddValue), { maxLength: 8 }) }, { requiredKeys: [] }) },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      statuses: fc.array(fc.oneof(vendorItem, oddValue), { maxLength: 8 }),
      error_code: fc.option(oddValue, { nil: undefined }),
    },
    { requiredKeys: [] },
  ),
  fc.array(vendorItem, { maxLength: 5 }),
  fc.record({ errcode: oddValue, errmsg: oddValue }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.anything({ maxDepth: 3 }),
);

/** The poller's path from a body to posts: a failed poll (typed, with a message) or drafts that normalise or carry reasons. */
function pollOutcome(mapping: JsonMapping, value: unknown): 'polled' | 'failed-poll' {
  let drafts;
  try {
    drafts = mapJsonBatch(value, mapping).drafts;
  } catch (error) {
    if ((error instanceof VendorError || error instanceof MappingError) && error.message.length > 0)
      return 'failed-poll';
    throw error;
  }
  for (const draft of drafts) {
    const result = normalisePost(draft, {
      sourceId: 'fuzz-vendor',
      sourceKind: 'json',
      collectedAt: '2026-07-01T06:00:00.000Z',
    });
    if (!result.ok) {
      expect(result.issues.length).toBeGreaterThan(0);
      for (const issue of result.issues) expect(issue.reason).toEqual(expect.stringMatching(/\S/));
    }
  }
  return 'polled';
}

describe('the JSON connector mapping on arbitrary vendor bodies', () => {
  it.each([
    ['a generic vendor mapping', GENERIC],
    ['the Weibo v2 mapping', WEIBO_V2_TIMELINE_MAPPING],
  ])(
    '%s: every body is either a failed poll with a reason or drafts that normalise or say why not',
    (_name, mapping) => {
      fc.assert(
        fc.property(body, (value) => void pollOutcome(mapping, value)),
        { numRuns: 1500 },
      );
    },
  );

  it('still maps the well-formed items of a body that also holds garbage', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(vendorItem, oddValue), { maxLength: 6 }),
        fc.integer({ min: 0, max: 6 }),
        (garbage, at) => {
          const good = {
            id: 'ok-1',
            content: '文县碧口镇发生山体滑坡',
            time: '2026-07-01 14:30:00',
            user: { name: '文县本地通' },
          };
          const items = [...garbage.slice(0, at), good, ...garbage.slice(at)];
          const { drafts } = mapJsonBatch({ data: { items } }, GENERIC);
          const posts = drafts.map((d) =>
            normalisePost(d, { sourceId: 'fuzz-vendor', sourceKind: 'json', collectedAt: '2026-07-01T06:00:00.000Z' }),
          );
          const served = posts.filter((p) => p.ok && p.post.nativeId === 'ok-1');
          expect(served).toHaveLength(1);
        },
      ),
      { numRuns: 500 },
    );
  });
});
