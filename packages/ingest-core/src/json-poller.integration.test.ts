import type { Post } from '@huiying/contracts';
import { VendorError } from './errors';
import { WEIBO_V2_TIMELINE_MAPPING } from './json-mapping';
import { jsonSource, type JsonSourceConfig } from './json-poller';
import { SourcePoller } from './source-poller';
import { startTestServer, type TestServer } from './test-http-server';

/** A vendor with 7 posts, 3 per page, paged by `cursor` → `next_cursor` (0 at the end), like Weibo. */
const ALL = Array.from({ length: 7 }, (_, i) => ({
  idstr: String(4_000_000_000_000_001n + BigInt(i)),
  mid: String(4_000_000_000_000_001n + BigInt(i)),
  created_at: `Wed Nov 25 1${i}:00:00 +0800 2026`,
  text: `第${i + 1}条：网传某县发生险情，请核实`,
  user: { id: 100 + i, screen_name: `用户${i}` },
  reposts_count: i,
}));

let server: TestServer;
let vendorError = false;

beforeAll(async () => {
  server = await startTestServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json; charset=utf-8');
    if (vendorError) {
      res.end(JSON.stringify({ request: url.pathname, error_code: '20502', error: 'Need you follow uid.' }));
      return;
    }
    if (url.pathname === '/paged') {
      const start = Number(url.searchParams.get('cursor') ?? '0');
      const page = ALL.slice(start, start + 3);
      const next = start + 3 < ALL.length ? start + 3 : 0;
      res.end(JSON.stringify({ statuses: page, next_cursor: next, previous_cursor: start }));
    } else if (url.pathname === '/since') {
      // Oldest first after since_id, at most 3: the poller catches up page by page.
      const since = url.searchParams.get('since_id');
      const newer = ALL.filter((s) => since === null || BigInt(s.idstr) > BigInt(since)).slice(0, 3);
      res.end(JSON.stringify({ statuses: newer }));
    } else if (url.pathname === '/not-json') {
      res.end('<html>502 Bad Gateway</html>');
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
});
afterAll(() => server.close());

const config = (path: string, cursor: JsonSourceConfig['cursor']): JsonSourceConfig => ({
  sourceId: 'weibo',
  url: `${server.url}${path}`,
  mapping: WEIBO_V2_TIMELINE_MAPPING,
  cursor,
  maxPagesPerPoll: 10,
  fetch: { timeoutMs: 2000 },
});

function poller(
  cfg: JsonSourceConfig,
  onBatch: (posts: Post[], cursor: string | undefined) => Promise<void>,
  initialCursor?: string,
) {
  return new SourcePoller<string | undefined>({
    sourceId: cfg.sourceId,
    source: jsonSource(cfg),
    timing: { intervalMs: 60_000 },
    onBatch,
    initialCursor,
  });
}

const ids = (posts: Post[]) => posts.map((p) => Number(BigInt(p.nativeId ?? '0') - 4_000_000_000_000_000n));

describe('JSON poller against a loopback vendor', () => {
  it('follows page tokens, handing each page off with the cursor after it', async () => {
    vendorError = false;
    const batches: [number[], string | undefined][] = [];
    const p = poller(
      config('/paged', { kind: 'page-token', param: 'cursor', nextPath: '$.next_cursor' }),
      async (posts, cursor) => void batches.push([ids(posts), cursor]),
    );
    expect(await p.pollNow()).toEqual({ ok: true, batches: 3, posts: 7 });
    expect(batches).toEqual([
      [[1, 2, 3], '3'],
      [[4, 5, 6], '6'],
      [[7], '6'],
    ]);
  });

  it('resumes exactly where a crash left it: no gap, no repeat', async () => {
    vendorError = false;
    const cfg = config('/since', { kind: 'since-id', param: 'since_id' });
    const kafka: number[] = [];
    let persisted: string | undefined;
    let crashAfter = 1;
    const first = poller(cfg, async (posts, cursor) => {
      if (crashAfter-- <= 0) throw new Error('process died before Kafka acknowledged');
      kafka.push(...ids(posts));
      persisted = cursor;
    });
    expect((await first.pollNow()).ok).toBe(false);
    expect(kafka).toEqual([1, 2, 3]);

    // A new process starts from the persisted cursor.
    const second = poller(
      cfg,
      async (posts, cursor) => {
        kafka.push(...ids(posts));
        persisted = cursor;
      },
      persisted,
    );
    expect(await second.pollNow()).toEqual({ ok: true, batches: 3, posts: 4 });
    expect(kafka).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(persisted).toBe('4000000000000007');
    expect(
      server.requests
        .filter((r) => r.path.startsWith('/since'))
        .map((r) => new URL(r.path, 'http://x').searchParams.get('since_id')),
    ).toEqual([null, '4000000000000003', '4000000000000003', '4000000000000006', '4000000000000007']);

    // Nothing new: one request, no batch with posts.
    const before = kafka.length;
    await second.pollNow();
    expect(kafka.length).toBe(before);
  });

  it('fails the poll on a vendor error object served with 200', async () => {
    vendorError = true;
    const calls: Post[][] = [];
    const p = poller(
      config('/paged', { kind: 'page-token', param: 'cursor', nextPath: '$.next_cursor' }),
      async (posts) => void calls.push(posts),
    );
    const outcome = await p.pollNow();
    vendorError = false;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(VendorError);
    expect(p.state().lastError).toEqual(
      expect.objectContaining({ name: 'VendorError', message: 'vendor error 20502: Need you follow uid.' }),
    );
    expect(calls).toEqual([]);
  });

  it('fails the poll on a body that is not JSON', async () => {
    const p = poller(config('/not-json', { kind: 'none' }), async () => undefined);
    const outcome = await p.pollNow();
    expect(!outcome.ok && outcome.error.name).toBe('MappingError');
  });
});
