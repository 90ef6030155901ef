import { MappingError, VendorError } from './errors';
import { compareIds, nextCursor, urlWithCursor } from './json-cursor';
import { mapJsonBatch, WEIBO_V2_TIMELINE_MAPPING } from './json-mapping';
import { compileJsonPath, getJson, JsonPathSyntaxError, queryJson } from './json-path';
import type { Post } from '@huiying/contracts';

const doc = {
  statuses: [
    { id: 1, user: { screen_name: '甲' }, tags: ['a', 'b'] },
    { id: 2, user: { screen_name: '乙' }, tags: [] },
  ],
  'odd key': 3,
};

describe('json paths', () => {
  it.each<[string, unknown[]]>([
    ['$.statuses[*].user.screen_name', ['甲', '乙']],
    ['$.statuses[1].id', [2]],
    ["$['odd key']", [3]],
    ['$.statuses[*].tags[*]', ['a', 'b']],
    ['$.statuses.*.id', [1, 2]],
    ['$.missing[*]', []],
    ['$.statuses[9].id', []],
    ['$', [doc]],
  ])('%s', (path, expected) => {
    expect(queryJson(doc, path)).toEqual(expected);
  });

  it('reads item-relative paths', () => {
    expect(getJson(doc.statuses[0], 'user.screen_name')).toBe('甲');
  });

  it.each([['$.a[?(@.x)]'], ['$.a['], ['$..a']])('refuses %s', (path) => {
    expect(() => compileJsonPath(path)).toThrow(JsonPathSyntaxError);
  });
});

describe('mapJsonBatch', () => {
  const status = (id: string, extra: object = {}) => ({
    created_at: 'Wed Apr 18 14:00:30 +0800 2012',
    id: Number(id),
    idstr: id,
    mid: id,
    text: `正文${id}`,
    user: { id: 1979690333, screen_name: 'Ark0260' },
    reposts_count: 2,
    comments_count: 0,
    ...extra,
  });

  it('maps Weibo statuses', () => {
    const { drafts, skipped } = mapJsonBatch({ statuses: [status('3436164122209450')] }, WEIBO_V2_TIMELINE_MAPPING);
    expect(skipped).toBe(0);
    expect(drafts[0]).toEqual(
      expect.objectContaining({
        nativeId: '3436164122209450',
        url: 'https://weibo.com/1979690333/3436164122209450',
        author: 'Ark0260',
        text: '正文3436164122209450',
        publishedAt: 'Wed Apr 18 14:00:30 +0800 2012',
        engagement: { reposts: 2, comments: 0, likes: undefined },
      }),
    );
  });

  it('skips items by rule', () => {
    const { drafts, skipped } = mapJsonBatch(
      { statuses: [status('1'), status('2', { deleted: '1' })] },
      WEIBO_V2_TIMELINE_MAPPING,
    );
    expect(drafts.map((d) => d.nativeId)).toEqual(['1']);
    expect(skipped).toBe(1);
  });

  it('an empty list is zero items', () => {
    expect(mapJsonBatch({ statuses: [] }, WEIBO_V2_TIMELINE_MAPPING).drafts).toEqual([]);
  });

  it('a vendor error object is an error, not zero items', () => {
    const body = { request: '/statuses/home_timeline.json', error_code: '20502', error: 'Need you follow uid.' };
    expect(() => mapJsonBatch(body, WEIBO_V2_TIMELINE_MAPPING)).toThrow(
      new VendorError('20502', 'Need you follow uid.'),
    );
  });

  it('a missing items container is an error even without an error rule', () => {
    const { error: _ignored, ...noErrorRule } = WEIBO_V2_TIMELINE_MAPPING;
    expect(() => mapJsonBatch({ error_code: '20502' }, noErrorRule)).toThrow(MappingError);
  });
});

describe('cursors', () => {
  const posts = (...ids: string[]) =>
    ids.map((nativeId, i) => ({ nativeId, publishedAt: `2026-11-26T08:0${i}:00+08:00` }) as Post);

  it.each<[string, Parameters<typeof nextCursor>, { cursor: string | undefined; more: boolean }]>([
    [
      'since-id takes the largest id, numerically',
      [{ kind: 'since-id', param: 'since_id' }, '99', {}, posts('100', '3436164122209450', '98')],
      { cursor: '3436164122209450', more: true },
    ],
    [
      'since-id with no items keeps the cursor',
      [{ kind: 'since-id', param: 'since_id' }, '99', {}, []],
      { cursor: '99', more: false },
    ],
    [
      'page-token follows next_cursor',
      [{ kind: 'page-token', param: 'cursor', nextPath: '$.next_cursor' }, 'a', { next_cursor: 'b' }, posts('1')],
      { cursor: 'b', more: true },
    ],
    [
      'page-token stops at 0',
      [{ kind: 'page-token', param: 'cursor', nextPath: '$.next_cursor' }, 'a', { next_cursor: 0 }, posts('1')],
      { cursor: 'a', more: false },
    ],
    [
      'timestamp takes the latest time',
      [{ kind: 'timestamp', param: 'since', format: 'epoch-s' }, undefined, {}, posts('1', '2')],
      { cursor: String(Date.parse('2026-11-26T08:01:00+08:00') / 1000), more: true },
    ],
    [
      'timestamp as ISO',
      [{ kind: 'timestamp', param: 'since', format: 'iso' }, undefined, {}, posts('1')],
      { cursor: '2026-11-26T00:00:00Z', more: true },
    ],
    ['none', [{ kind: 'none' }, undefined, {}, posts('1')], { cursor: undefined, more: false }],
  ])('%s', (_name, args, expected) => {
    expect(nextCursor(...args)).toEqual(expected);
  });

  it.each([
    ['9', '10', -1],
    ['3436164122209450', '999', 1],
    ['007', '7', 0],
    ['b', 'a', 1],
  ])('compareIds(%s, %s)', (a, b, sign) => {
    expect(Math.sign(compareIds(a, b))).toBe(sign);
  });

  it('sets the cursor parameter on the URL', () => {
    expect(
      urlWithCursor(
        'https://api.weibo.com/2/statuses/home_timeline.json?count=100&since_id=1',
        { kind: 'since-id', param: 'since_id' },
        '42',
      ),
    ).toBe('https://api.weibo.com/2/statuses/home_timeline.json?count=100&since_id=42');
    expect(urlWithCursor('https://x.cn/a', { kind: 'since-id', param: 'since_id' }, undefined)).toBe('https://x.cn/a');
  });
});
