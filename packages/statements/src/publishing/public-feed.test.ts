import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { buildJsonFeed, buildRss, JsonFeedSchema, type FeedStatement } from './public-feed';

const ctx = { department: '市安监局', baseUrl: 'https://huiying.example.gov.cn', cityName: '陇南市', now: new Date('2025-07-03T09:00:00.000Z') };
const statements: FeedStatement[] = [
  { id: 'stm_b_v2', kind: 'situation_report', kindName: '情况通报', department: '市安监局', title: '关于文县山体滑坡的情况通报', body: '死亡人数更正为11人 & 3人失联 <见附件>', publishedAt: '2025-07-03T08:30:00.000Z', supersedes: 'stm_a_v1', supersededBy: null },
  { id: 'stm_a_v1', kind: 'situation_report', kindName: '情况通报', department: '市安监局', title: '关于文县山体滑坡的情况通报', body: '死亡12人', publishedAt: '2025-07-03T08:00:00.000Z', supersedes: null, supersededBy: 'stm_b_v2' },
];

describe('the public RSS feed', () => {
  it.each([[statements], [[]]])('is well-formed RSS 2.0 with every required element (%#)', (items) => {
    const xml = buildRss(items, ctx);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'item' }).parse(xml);
    expect(doc.rss['@_version']).toBe('2.0');
    const channel = doc.rss.channel;
    for (const required of ['title', 'link', 'description']) expect(typeof channel[required]).toBe('string');
    expect(channel.language).toBe('zh-CN');
    const parsed = channel.item ?? [];
    expect(parsed).toHaveLength(items.length);
    for (const item of parsed) {
      expect(item.title || item.description).toBeTruthy();
      expect(new Date(item.pubDate).toUTCString()).toBe(item.pubDate);
      expect(item.guid['@_isPermaLink']).toBe('false');
    }
  });

  it('escapes the text and marks the correction and the corrected', () => {
    const items = new XMLParser({ ignoreAttributes: false }).parse(buildRss(statements, ctx)).rss.channel.item;
    expect(items[0].title).toBe('【更正】关于文县山体滑坡的情况通报');
    expect(items[0].description).toContain('死亡人数更正为11人 & 3人失联 <见附件>');
    expect(items[0].description).toContain('https://huiying.example.gov.cn/statements/stm_a_v1');
    expect(items[1].title).toBe('关于文县山体滑坡的情况通报（已更正）');
    expect(items[0].link).toBe('https://huiying.example.gov.cn/statements/stm_b_v2');
  });
});

describe('the public JSON feed', () => {
  it('matches the JSON Feed 1.1 schema and links itself', () => {
    const feed = JSON.parse(JSON.stringify(buildJsonFeed(statements, ctx)));
    expect(JsonFeedSchema.safeParse(feed).success).toBe(true);
    expect(feed.feed_url).toBe('https://huiying.example.gov.cn/feeds/%E5%B8%82%E5%AE%89%E7%9B%91%E5%B1%80/feed.json');
    expect(feed.items.map((i: { id: string }) => i.id)).toEqual(['stm_b_v2', 'stm_a_v1']);
    expect(feed.items[0]._huiying).toEqual({ kind: 'situation_report', supersedes: 'stm_a_v1', superseded_by: null });
  });

  it.each([
    ['a wrong version', (f: Record<string, unknown>) => ({ ...f, version: 'https://jsonfeed.org/version/1' })],
    ['an item without content', (f: Record<string, unknown>) => ({ ...f, items: [{ id: 'x' }] })],
    ['an item without id', (f: Record<string, unknown>) => ({ ...f, items: [{ content_text: 'x' }] })],
  ])('the schema refuses %s', (_what, spoil) => {
    expect(JsonFeedSchema.safeParse(spoil(buildJsonFeed(statements, ctx))).success).toBe(false);
  });
});
