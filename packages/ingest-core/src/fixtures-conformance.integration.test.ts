/**
 * Conformance over the real feeds and platform responses in shared/fixtures (see its README for
 * what each file is and why it is odd). The files stay outside the repository; the folder is
 * `${HUIYING_SHARED_DIR:-<repo>/../shared}/fixtures`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Post } from '@huiying/contracts';
import { FeedError, VendorError } from './errors';
import { feedItemToDraft, parseFeed, type FeedFormat } from './feed-parse';
import { WEIBO_V2_TIMELINE_MAPPING } from './json-mapping';
import { jsonPageToPosts, parseJsonBody } from './json-poller';
import { nextCursor } from './json-cursor';
import { normalisePost } from './normalise';

const sharedDir = process.env['HUIYING_SHARED_DIR'] ?? resolve(__dirname, '../../../../shared');
const fixtures = join(sharedDir, 'fixtures');
const present = existsSync(join(fixtures, 'feeds'));
const collectedAt = '2026-11-26T00:00:00Z';

interface FeedExpectation {
  format: FeedFormat;
  encoding: string;
  items: number;
  firstTitle: string | undefined;
  firstPublishedAt: string;
  /** Items whose date is missing or blank and so fall back to the collection time. */
  undated?: number;
  /** Text some item must contain, decoded correctly. */
  contains?: string;
  /** Text no item may contain (script content, mojibake). */
  excludes?: string;
}

const FEEDS: Record<string, FeedExpectation | { error: 'not-a-feed'; mentions: string }> = {
  'baidu-news-guonei-rss2-gb2312.xml': {
    format: 'rss',
    encoding: 'gb18030',
    items: 20,
    firstTitle: '题：西湖成功申遗 中国文化景观保护增添新责任',
    firstPublishedAt: '2011-06-24T21:33:14Z',
    contains: '24日在巴黎',
  },
  'geekpark-rss2-utf8.xml': {
    format: 'rss',
    encoding: 'utf-8',
    items: 30,
    firstTitle: '充电桩 2020：大火一年，它依然没赚到钱（！）',
    firstPublishedAt: '2020-12-17T22:00:09+08:00',
  },
  'odd-caogen-bom-blank-dates-rss2.xml': {
    format: 'rss',
    encoding: 'utf-8',
    items: 22,
    firstTitle: '疫情之后形势预判',
    firstPublishedAt: '2020-04-03T04:02:23Z',
    contains: '转《<草根网>的前途与未来 》一文的评论',
  },
  'odd-dapenti-bad-weekday-rss2.xml': {
    format: 'rss',
    encoding: 'utf-8',
    items: 30,
    firstTitle: 'CNN女主持人Clarissa Ward正戴着头巾在喀布尔街头采访',
    firstPublishedAt: '2021-08-19T17:45:00+08:00',
    excludes: 'adsbygoogle',
  },
  'odd-declared-utf16-actually-utf8-rss2.xml': {
    format: 'rss',
    encoding: 'utf-8',
    items: 877,
    firstTitle: '転勤・引越し ――動詞 あげたりもらったり',
    firstPublishedAt: '2022-01-21T05:47:03Z',
  },
  'odd-gb2312-no-declaration-rss.xml': {
    format: 'rss',
    encoding: 'gb18030',
    items: 1,
    firstTitle: '不归移民漫画系列：专业工作',
    firstPublishedAt: collectedAt,
    undated: 1,
  },
  'odd-hexun-html-maintenance-page-gbk.xml': { error: 'not-a-feed', mentions: '系统维护中' },
  'odd-kilerd-no-prolog-iso-like-dates-rss2.xml': {
    format: 'rss',
    encoding: 'utf-8',
    items: 10,
    firstTitle: '2019 个人总结',
    firstPublishedAt: '2019-12-31T21:34:22+08:00',
  },
  'odd-v2ex-atom-missing-fields.xml': {
    format: 'atom',
    encoding: 'utf-8',
    items: 3,
    firstTitle: undefined,
    firstPublishedAt: '2017-09-02T11:34:21Z',
  },
  'oschina-news-rss2-utf8.xml': {
    format: 'rss',
    encoding: 'utf-8',
    items: 50,
    firstTitle: 'Chrome OS 的 Linux 终端迎来一系列新功能，运行更轻松',
    firstPublishedAt: '2020-04-06T08:28:46+08:00',
  },
  'qq-news-china-rss2-gb2312.xml': {
    format: 'rss',
    encoding: 'gb18030',
    items: 20,
    firstTitle: '习近平为何如此强调崇尚英雄？',
    firstPublishedAt: '2018-09-18T14:38:10+08:00',
    contains: '约翰·霍普金斯大学',
  },
  'rsshub-bilibili-channel-rss2-utf8.xml': {
    format: 'rss',
    encoding: 'utf-8',
    items: 10,
    firstTitle: '五年前拿奖到手软，这款锤子手机的设计今天看依然惊艳【极客博物馆第五十二期】',
    firstPublishedAt: '2019-12-07T11:09:36Z',
  },
  'ruanyifeng-blog-atom-utf8.xml': {
    format: 'atom',
    encoding: 'utf-8',
    items: 3,
    firstTitle: '科技爱好者周刊：第 102 期',
    firstPublishedAt: '2020-04-10T01:07:36Z',
  },
  'wechat-mem-yingjiguanlibu-rss2-utf8.xml': {
    format: 'rss',
    encoding: 'utf-8',
    items: 20,
    firstTitle: '王勇在出席全国“安全宣传咨询日”主场活动时强调 落实安全责任 推动安全发展 切实保障人民群众生命和财产安全',
    firstPublishedAt: '2021-06-17T07:55:44+08:00',
  },
  'wechat-shanghaifabu-rss2-utf8.xml': {
    format: 'rss',
    encoding: 'utf-8',
    items: 20,
    firstTitle: '人均健康预期寿命≥71岁、成人吸烟率<19%…沪推进爱国卫生运动，提出这些目标！',
    firstPublishedAt: '2021-06-17T14:51:23+08:00',
  },
};

if (!present) {
  // Visible in the run's output and summary; CI and developer machines have the folder.
  console.warn(`shared fixtures not found at ${fixtures}: feed and platform conformance not run`);
  test.todo(`conformance over ${fixtures} (folder absent)`);
} else {
  describe('feed conformance (shared/fixtures/feeds)', () => {
    it('has an expectation for every file in the folder', () => {
      expect(readdirSync(join(fixtures, 'feeds')).sort()).toEqual(Object.keys(FEEDS).sort());
    });

    it.each(Object.entries(FEEDS))('%s', (file, expected) => {
      const bytes = readFileSync(join(fixtures, 'feeds', file));
      if ('error' in expected) {
        let caught: unknown;
        try {
          parseFeed(bytes);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(FeedError);
        expect((caught as FeedError).code).toBe(expected.error);
        expect((caught as FeedError).message).toContain(expected.mentions);
        return;
      }
      const feed = parseFeed(bytes);
      expect(feed.format).toBe(expected.format);
      expect(feed.encoding).toBe(expected.encoding);
      expect(feed.truncated).toBe(false);
      expect(feed.items).toHaveLength(expected.items);

      const results = feed.items.map((item) =>
        normalisePost(feedItemToDraft(item), {
          sourceId: 'conformance',
          sourceKind: 'rss',
          collectedAt,
          urlBase: feed.link,
        }),
      );
      const posts = results.map((r) => {
        if (!r.ok) throw new Error(`item refused: ${JSON.stringify(r.issues)}`);
        return r.post;
      });
      for (const post of posts) expect(Post.safeParse(post).success).toBe(true);
      expect(posts[0]?.title).toBe(expected.firstTitle);
      expect(posts[0]?.publishedAt).toBe(expected.firstPublishedAt);
      const undated = results.filter((r) => r.ok && r.warnings.some((w) => w.path[0] === 'publishedAt')).length;
      expect(undated).toBe(expected.undated ?? 0);
      // Stable ids: unique within the feed, and the same on a second parse.
      expect(new Set(posts.map((p) => p.id)).size).toBe(posts.length);
      const all = posts.map((p) => `${p.title ?? ''}\n${p.text}`).join('\n');
      expect(all).not.toContain('\ufffd');
      if (expected.contains) expect(all).toContain(expected.contains);
      if (expected.excludes) expect(all).not.toContain(expected.excludes);
    });

    it('reads the invalid weekday "Wes," by ignoring it (dapenti)', () => {
      const feed = parseFeed(readFileSync(join(fixtures, 'feeds', 'odd-dapenti-bad-weekday-rss2.xml')));
      const wes = feed.items.filter((i) => i.published?.startsWith('Wes,'));
      expect(wes).toHaveLength(14);
      const dates = wes.map((i) =>
        normalisePost(feedItemToDraft(i), { sourceId: 's', sourceKind: 'rss', collectedAt }),
      );
      expect(dates.every((d) => d.ok && d.post.publishedAt.startsWith('2021-08-18T'))).toBe(true);
    });

    it('keeps the raw-& WeChat link whole (oschina)', () => {
      const feed = parseFeed(readFileSync(join(fixtures, 'feeds', 'oschina-news-rss2-utf8.xml')));
      const link = feed.items.map((i) => i.link).find((l) => l?.includes('mp.weixin.qq.com'));
      expect(link).toContain('__biz=MjM5NzM0MjcyMQ==&mid=2650091036&idx=2&sn=');
    });
  });

  describe('platform conformance (shared/fixtures/platform-json)', () => {
    const load = (file: string) => parseJsonBody(readFileSync(join(fixtures, 'platform-json', file)));
    const config = { sourceId: 'weibo', mapping: WEIBO_V2_TIMELINE_MAPPING };

    it('maps the v2 timeline: 20 statuses, string ids, Beijing times, user, counts', () => {
      const body = load('weibo-v2-statuses-timeline.json');
      const { posts, rejected } = jsonPageToPosts(body, config, collectedAt);
      expect(rejected).toEqual([]);
      expect(posts).toHaveLength(20);
      expect(posts[0]).toEqual(
        expect.objectContaining({
          id: 'weibo:3436164122209450',
          nativeId: '3436164122209450',
          url: 'https://weibo.com/1979690333/3436164122209450',
          author: 'Ark0260',
          publishedAt: '2012-04-18T14:00:30+08:00',
          engagement: { reposts: 0, comments: 0 },
        }),
      );
      expect(posts[0]?.text.startsWith('【宫保虾球】做法')).toBe(true);
      const statuses = (body as { statuses: { idstr: string }[] }).statuses;
      expect(posts.map((p) => p.nativeId)).toEqual(statuses.map((s) => s.idstr));
      // The cursor for the next poll is the largest id, compared as a number of any length.
      const largest = [...statuses.map((s) => s.idstr)].sort((a, b) => (BigInt(a) < BigInt(b) ? 1 : -1))[0];
      expect(nextCursor({ kind: 'since-id', param: 'since_id' }, undefined, body, posts).cursor).toBe(largest);
    });

    it('maps the bare array with deleted retweets: 20 reposts, ids from mid', () => {
      const body = load('weibo-v2-statuses-array-with-deleted-retweets.json') as {
        mid: string;
        retweeted_status?: { deleted?: string };
      }[];
      expect(body.filter((s) => s.retweeted_status?.deleted === '1')).toHaveLength(3);
      const { posts, rejected, skipped } = jsonPageToPosts(
        body,
        { ...config, mapping: { ...WEIBO_V2_TIMELINE_MAPPING, items: '$[*]' } },
        collectedAt,
      );
      expect(rejected).toEqual([]);
      expect(skipped).toBe(0);
      expect(posts.map((p) => p.nativeId)).toEqual(body.map((s) => s.mid));
      expect(posts.every((p) => /^\d{11,16}$/.test(p.nativeId ?? '') && p.publishedAt.startsWith('2011-'))).toBe(true);
      expect(posts.some((p) => p.text.includes('这个不是已经辟谣是假新闻了么'))).toBe(true);
    });

    it('reads error 20502 as a vendor error, not zero items', () => {
      const body = load('weibo-v2-error-20502.json');
      expect(() => jsonPageToPosts(body, config, collectedAt)).toThrow(VendorError);
      expect(() => jsonPageToPosts(body, config, collectedAt)).toThrow('vendor error 20502: Need you follow uid.');
    });
  });
}
