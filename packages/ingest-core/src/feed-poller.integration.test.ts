import iconv from 'iconv-lite';
import type { Post } from '@huiying/contracts';
import { feedSource, type FeedCursor } from './feed-poller';
import { SourcePoller, type PollerState } from './source-poller';
import { startTestServer, type TestServer } from './test-http-server';

const rss = (encoding: string | null, titles: string[], pubDate = '2018-09-18 14:38:10') =>
  `${encoding ? `<?xml version="1.0" encoding="${encoding}"?>\n` : ''}<rss version="2.0"><channel><title>新闻国内</title><link>http://news.example.cn/</link>` +
  titles
    .map(
      (t, i) =>
        `<item><title>${t}</title><link>http://news.example.cn/a/${i}.htm?utm_source=rss</link><pubDate>${pubDate}</pubDate><description>${t}的正文</description></item>`,
    )
    .join('') +
  '</channel></rss>';
const atom = `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>博客</title><link href="http://blog.example.cn/"/>
<entry><title>应急管理部通报</title><link href="/2026/11/1.html"/><id>tag:blog,2026:1</id><published>2026-11-26T08:00:00+08:00</published><content type="html"><![CDATA[<p>内容</p>]]></content></entry></feed>`;

let server: TestServer;
let etagVersion = 'v1';
let flakyFails = true;

beforeAll(async () => {
  server = await startTestServer((req, res) => {
    const path = req.url ?? '';
    switch (path) {
      case '/utf8': {
        const etag = `"${etagVersion}"`;
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { etag });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag });
        res.end(rss('utf-8', ['文县发生山体滑坡', '礼县发布汛情预警']));
        return;
      }
      case '/gbk-header-only':
        res.writeHead(200, { 'content-type': 'text/xml; charset=GBK' });
        res.end(iconv.encode(rss(null, ['西和县通报食物中毒事件']), 'gbk'));
        return;
      case '/gb2312-prolog':
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(iconv.encode(rss('gb2312', ['徽县召开新闻发布会']), 'gbk'));
        return;
      case '/wrong-charset':
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
        res.end(iconv.encode(rss(null, ['两当县道路交通事故']), 'gbk'));
        return;
      case '/atom':
        res.writeHead(200, { 'content-type': 'application/atom+xml' });
        res.end(atom);
        return;
      case '/truncated': {
        const full = rss('utf-8', ['一', '二', '三']);
        res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"t"' });
        res.end(full.slice(0, full.lastIndexOf('<item>') + 20));
        return;
      }
      case '/maintenance':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(iconv.encode('\r\n<HTML><HEAD><TITLE>系统维护中</TITLE></HEAD><BODY>维护</BODY></HTML>', 'gbk'));
        return;
      case '/moved':
        res.writeHead(301, { location: '/utf8' });
        res.end();
        return;
      case '/flaky':
        if (!flakyFails) {
          res.writeHead(200, { 'content-type': 'application/rss+xml' });
          res.end(rss('utf-8', ['恢复']));
          return;
        }
        res.writeHead(503);
        res.end();
        return;
      case '/error':
        res.writeHead(500);
        res.end();
        return;
      case '/stall':
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
});
afterAll(() => server.close());

function poller(
  path: string,
  onBatch: (posts: Post[], cursor: FeedCursor) => Promise<void> = async () => undefined,
  extra: { unhealthyAfter?: number; timeoutMs?: number; intervalMs?: number; initialCursor?: FeedCursor } = {},
) {
  const states: PollerState<FeedCursor>[] = [];
  const p = new SourcePoller<FeedCursor>({
    sourceId: `feed${path.replace(/\//g, '-')}`,
    source: feedSource({
      sourceId: `feed${path.replace(/\//g, '-')}`,
      url: `${server.url}${path}`,
      fetch: { timeoutMs: extra.timeoutMs ?? 2000 },
    }),
    timing: { intervalMs: extra.intervalMs ?? 60_000, unhealthyAfter: extra.unhealthyAfter ?? 3, backoffBaseMs: 10 },
    onBatch,
    initialCursor: extra.initialCursor,
    onState: (s) => states.push(s),
  });
  return { p, states };
}

describe('RSS/Atom poller against loopback servers', () => {
  it('polls UTF-8 RSS, then gets 304 with the stored ETag', async () => {
    etagVersion = 'v1';
    const batches: { posts: Post[]; cursor: FeedCursor }[] = [];
    const { p } = poller('/utf8', async (posts, cursor) => void batches.push({ posts, cursor }));
    expect(await p.pollNow()).toEqual({ ok: true, batches: 1, posts: 2 });
    expect(batches[0]?.posts.map((x) => [x.title, x.url, x.publishedAt])).toEqual([
      ['文县发生山体滑坡', 'http://news.example.cn/a/0.htm', '2018-09-18T14:38:10+08:00'],
      ['礼县发布汛情预警', 'http://news.example.cn/a/1.htm', '2018-09-18T14:38:10+08:00'],
    ]);
    expect(batches[0]?.cursor).toEqual({ etag: '"v1"', lastModified: undefined });

    expect(await p.pollNow()).toEqual({ ok: true, batches: 0, posts: 0 });
    expect(batches).toHaveLength(1);
    expect(server.requests.at(-1)?.headers['if-none-match']).toBe('"v1"');
    expect(p.state().counts).toEqual(expect.objectContaining({ polls: 2, unchanged: 1, posts: 2 }));

    etagVersion = 'v2';
    await p.pollNow();
    expect(batches).toHaveLength(2);
  });

  it('resumes with a persisted cursor after a restart (conditional GET from the first poll)', async () => {
    etagVersion = 'v3';
    const calls: Post[][] = [];
    const { p } = poller('/utf8', async (posts) => void calls.push(posts), { initialCursor: { etag: '"v3"' } });
    expect(await p.pollNow()).toEqual({ ok: true, batches: 0, posts: 0 });
    expect(calls).toEqual([]);
  });

  it.each([
    ['GBK named only in the HTTP header', '/gbk-header-only', '西和县通报食物中毒事件'],
    ['GB2312 named in the prolog', '/gb2312-prolog', '徽县召开新闻发布会'],
    ['a wrong charset (header UTF-8, bytes GBK)', '/wrong-charset', '两当县道路交通事故'],
  ])('decodes %s', async (_name, path, title) => {
    const got: Post[] = [];
    const { p } = poller(path, async (posts) => void got.push(...posts));
    expect((await p.pollNow()).ok).toBe(true);
    expect(got.map((x) => x.title)).toEqual([title]);
  });

  it('reads Atom and resolves relative links against the feed', async () => {
    const got: Post[] = [];
    const { p } = poller('/atom', async (posts) => void got.push(...posts));
    await p.pollNow();
    expect(got[0]).toEqual(
      expect.objectContaining({
        id: 'feed-atom:tag:blog,2026:1',
        url: 'http://blog.example.cn/2026/11/1.html',
        text: '内容',
        publishedAt: '2026-11-26T08:00:00+08:00',
      }),
    );
  });

  it('follows a redirect to the feed', async () => {
    etagVersion = 'v4';
    const { p } = poller('/moved');
    expect(await p.pollNow()).toEqual({ ok: true, batches: 1, posts: 2 });
  });

  it('keeps the complete items of a truncated body and does not store its ETag', async () => {
    const batches: { posts: Post[]; cursor: FeedCursor }[] = [];
    const { p } = poller('/truncated', async (posts, cursor) => void batches.push({ posts, cursor }));
    await p.pollNow();
    expect(batches[0]?.posts.map((x) => x.title)).toEqual(['一', '二']);
    expect(batches[0]?.cursor).toEqual({});
  });

  it('does not advance when the hand-off fails, so the items come again', async () => {
    etagVersion = 'v5';
    let fail = true;
    const handed: number[] = [];
    const { p } = poller('/utf8', async (posts) => {
      handed.push(posts.length);
      if (fail) throw new Error('kafka unavailable');
    });
    const first = await p.pollNow();
    expect(first.ok).toBe(false);
    expect(p.state().cursor).toBeUndefined();
    fail = false;
    await p.pollNow();
    // Without the ETag the server answered 200 again, so the same two posts were handed off again.
    expect(handed).toEqual([2, 2]);
    expect(p.state().cursor).toEqual({ etag: '"v5"', lastModified: undefined });
  });

  it('treats an HTML maintenance page as a failed poll, not zero items', async () => {
    const calls: Post[][] = [];
    const { p } = poller('/maintenance', async (posts) => void calls.push(posts));
    const outcome = await p.pollNow();
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.message).toContain('系统维护中');
    expect(calls).toEqual([]);
    expect(p.state().lastError).toEqual(expect.objectContaining({ name: 'FeedError', code: 'not-a-feed' }));
  });

  it('marks a source unhealthy after N failures and healthy again after a success', async () => {
    flakyFails = true;
    const { p, states } = poller('/flaky', undefined, { unhealthyAfter: 3 });
    await p.pollNow();
    expect(p.state()).toEqual(expect.objectContaining({ health: 'degraded', consecutiveFailures: 1 }));
    await p.pollNow();
    await p.pollNow();
    expect(p.state()).toEqual(expect.objectContaining({ health: 'unhealthy', consecutiveFailures: 3 }));
    expect(p.state().lastError).toEqual(
      expect.objectContaining({ code: 'http-status', message: expect.stringContaining('HTTP 503') }),
    );
    flakyFails = false;
    expect(await p.pollNow()).toEqual({ ok: true, batches: 1, posts: 1 });
    expect(p.state()).toEqual(expect.objectContaining({ health: 'healthy', consecutiveFailures: 0 }));
    expect(states.map((s) => s.health)).toEqual(['degraded', 'degraded', 'unhealthy', 'healthy']);
  });

  it('times out a stalled server', async () => {
    const { p } = poller('/stall', undefined, { timeoutMs: 300 });
    const started = Date.now();
    const outcome = await p.pollNow();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(p.state().lastError?.code).toBe('timeout');
    expect(outcome.ok).toBe(false);
  });

  it('a stalled source never delays another', async () => {
    etagVersion = `v-${Date.now()}`;
    const slow = poller('/stall', undefined, { timeoutMs: 5000, intervalMs: 50 });
    const fast = poller('/utf8', undefined, { intervalMs: 50 });
    slow.p.start(0);
    fast.p.start(0);
    await new Promise((r) => setTimeout(r, 800));
    const fastPolls = fast.p.state().counts.polls;
    const slowState = slow.p.state();
    await Promise.all([slow.p.stop(), fast.p.stop()]);
    expect(fastPolls).toBeGreaterThanOrEqual(5);
    expect(slowState.lastSuccessAt).toBeUndefined();
    expect(slowState.counts.failures).toBe(0);
  });

  it('backs off after failures on its own timer', async () => {
    const { p } = poller('/error', undefined, { intervalMs: 20 });
    p.start(0);
    await new Promise((r) => setTimeout(r, 400));
    await p.stop();
    // backoff 10, 20, 40, 80, 160 ms: about five polls in 400 ms, where a fixed 20 ms interval would give about twenty.
    const polls = p.state().counts.polls;
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(polls).toBeLessThanOrEqual(8);
  });
});
