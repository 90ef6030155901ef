import iconv from 'iconv-lite';
import { FeedError } from './errors';
import { feedItemToDraft, parseFeed } from './feed-parse';
import { repairXml } from './feed-repair';

const rss = (items: string, close = '</channel></rss>') =>
  `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>测试</title><link>https://example.cn/</link>${items}${close}`;
const item = (n: number, extra = '') =>
  `<item><title>标题${n}</title><link>https://example.cn/${n}</link><guid isPermaLink="false">g${n}</guid><pubDate>Wes, 18 Aug 2021 17:00:0${n} +0800</pubDate><description><![CDATA[<p>正文${n}</p>]]></description>${extra}</item>`;
const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('parseFeed', () => {
  it('reads RSS 2.0 items', () => {
    const feed = parseFeed(bytes(rss(item(1) + item(2))));
    expect(feed.format).toBe('rss');
    expect(feed.title).toBe('测试');
    expect(feed.items.map((i) => [i.guid, i.title, i.link, i.published, i.summary])).toEqual([
      ['g1', '标题1', 'https://example.cn/1', 'Wes, 18 Aug 2021 17:00:01 +0800', '<p>正文1</p>'],
      ['g2', '标题2', 'https://example.cn/2', 'Wes, 18 Aug 2021 17:00:02 +0800', '<p>正文2</p>'],
    ]);
    expect(feed.truncated).toBe(false);
  });

  it('prefers content:encoded and keeps the item XML for audit', () => {
    const feed = parseFeed(
      bytes(
        rss(item(1, '<content:encoded><![CDATA[<div>全文</div>]]></content:encoded><dc:creator>记者</dc:creator>')),
      ),
    );
    const draft = feedItemToDraft(feed.items[0]!);
    expect(draft).toEqual(expect.objectContaining({ text: '<div>全文</div>', author: '记者', nativeId: 'g1' }));
    expect((draft.raw as { xml: string }).xml).toContain('<guid isPermaLink="false">g1</guid>');
  });

  it('reads Atom with adjacent CDATA sections, alternate links and authors', () => {
    const atom = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>博客</title><link rel="self" href="https://b.cn/atom.xml"/><link href="https://b.cn/"/>
      <entry><title>周刊</title><link rel="alternate" type="text/html" href="https://b.cn/1.html"/><id>tag:b.cn,2020:1</id>
      <published>2020-04-10T01:07:36Z</published><updated>2020-04-09T01:07:36Z</updated><author><name>阮一峰</name></author>
      <content type="html"><![CDATA[<p>第一段]]><![CDATA[第二段</p>]]></content></entry>
      <entry><title></title><link/><id>/t/378265</id><updated>2017-09-02T11:34:21Z</updated><content></content><summary>只有摘要</summary></entry></feed>`;
    const feed = parseFeed(bytes(atom));
    expect(feed.format).toBe('atom');
    expect(feed.link).toBe('https://b.cn/');
    expect(feed.items[0]).toEqual(
      expect.objectContaining({
        title: '周刊',
        link: 'https://b.cn/1.html',
        guid: 'tag:b.cn,2020:1',
        published: '2020-04-10T01:07:36Z',
        author: '阮一峰',
        content: '<p>第一段第二段</p>',
      }),
    );
    expect(feed.items[1]).toEqual(
      expect.objectContaining({ title: undefined, link: undefined, guid: '/t/378265', summary: '只有摘要' }),
    );
  });

  it('reads RSS 1.0 (RDF)', () => {
    const rdf = `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://r.cn/"><title>RDF</title><link>https://r.cn/</link></channel>
      <item rdf:about="https://r.cn/1"><title>一</title><dc:date>2021-06-17T10:00:00+08:00</dc:date></item></rdf:RDF>`;
    const feed = parseFeed(bytes(rdf));
    expect(feed.format).toBe('rdf');
    expect(feed.items).toEqual([
      expect.objectContaining({ link: 'https://r.cn/1', title: '一', published: '2021-06-17T10:00:00+08:00' }),
    ]);
  });

  it('recovers a raw & in a link and a raw < in a title', () => {
    const feed = parseFeed(
      bytes(
        rss(
          '<item><title>转《<草根网>的前途》</title><link>https://mp.weixin.qq.com/s?__biz=M&mid=2&idx=2</link></item>',
        ),
      ),
    );
    expect(feed.items[0]).toEqual(
      expect.objectContaining({
        title: '转《<草根网>的前途》',
        link: 'https://mp.weixin.qq.com/s?__biz=M&mid=2&idx=2',
      }),
    );
    expect(feed.warnings).toEqual(["escaped 3 raw '&' or '<' characters"]);
  });

  it('keeps the complete items of a truncated body and drops the cut one', () => {
    const full = rss(item(1) + item(2) + item(3));
    const cut = full.slice(0, full.indexOf('<item><title>标题3') + 40);
    const feed = parseFeed(bytes(cut));
    expect(feed.truncated).toBe(true);
    expect(feed.items.map((i) => i.guid)).toEqual(['g1', 'g2']);
    expect(feed.warnings).toContain('the body ends before the feed closes (truncated)');
  });

  it('reads a GBK feed declared in the prolog', () => {
    const gbk = iconv.encode(rss(item(1)).replace('encoding="utf-8"', 'encoding="gb2312"'), 'gbk');
    expect(parseFeed(gbk).items[0]?.title).toBe('标题1');
  });

  it.each([
    [
      'an HTML maintenance page',
      '\r\n<HTML><HEAD><TITLE>系统维护中</TITLE></HEAD><BODY>稍后再来</BODY></HTML>',
      'not-a-feed',
      '系统维护中',
    ],
    ['an HTML5 page', '<!DOCTYPE html><html><head><title>登录</title></head></html>', 'not-a-feed', '登录'],
    ['another XML document', '<?xml version="1.0"?><sitemap><url/></sitemap>', 'not-a-feed', 'sitemap'],
    ['JSON', '{"error": "oops"}', 'not-xml', 'not XML'],
    ['an empty body', '', 'not-xml', 'not XML'],
  ])('refuses %s', (_name, body, code, mention) => {
    const attempt = () => parseFeed(iconv.encode(body, 'gbk'));
    expect(attempt).toThrow(FeedError);
    expect(attempt).toThrow(mention);
    try {
      attempt();
    } catch (error) {
      expect((error as FeedError).code).toBe(code);
    }
  });
});

describe('repairXml', () => {
  it.each([
    ['entities left alone', 'a &amp; b &#183; &#x4e2d; &nbsp;', 'a &amp; b &#183; &#x4e2d; &nbsp;', 0],
    ['bare ampersands', 'a=1&b=2 & c', 'a=1&amp;b=2 &amp; c', 2],
    ['bare < before CJK and digits', '《<草根网>》 1<2', '《&lt;草根网>》 1&lt;2', 2],
    ['CDATA untouched', '<![CDATA[a & b < c]]>', '<![CDATA[a & b < c]]>', 0],
    ['comments untouched', '<!-- a & b -->', '<!-- a & b -->', 0],
  ])('%s', (_name, input, output, repairs) => {
    const repaired = repairXml(input);
    expect(repaired.xml).toBe(output);
    expect(repaired.repairs).toBe(repairs);
  });

  it.each([
    ['<rss><channel></channel></rss>\n', true],
    ['<rss><channel></channel></rss><!-- 0.2 s -->\r\n', true],
    ['<feed></feed>', true],
    ['<rss><channel><item>', false],
  ])('root closed in %p: %p', (input, closed) => {
    expect(repairXml(input).rootClosed).toBe(closed);
  });
});
