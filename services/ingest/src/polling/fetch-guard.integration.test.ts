import { parseAllowList } from '@huiying/access';
import { httpGet } from '@huiying/ingest-core';
import { startTestServer, type TestServer } from '@huiying/ingest-core/src/test-http-server';
import { guardedDispatcher } from './fetch-guard';

describe('the SSRF-guarded connection pool, at connect time', () => {
  let target: TestServer;
  let redirector: TestServer;

  beforeAll(async () => {
    target = await startTestServer((_req, res) => res.end('<rss/>'));
    const port = new URL(target.url).port;
    // Hands the fetcher on to a private IP literal, which never goes through DNS.
    redirector = await startTestServer((_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', `http://127.0.0.1:${port}/feed`);
      res.end();
    });
  });

  afterAll(async () => {
    await target.close();
    await redirector.close();
  });

  it.each([
    ['a loopback IP literal', () => `${target.url}/feed`, []],
    ['a name resolving to loopback (what DNS rebinding produces)', () => `http://localhost:${new URL(target.url).port}/feed`, []],
    ['an allowed host redirecting to a loopback IP literal', () => `http://localhost:${new URL(redirector.url).port}/`, ['localhost']],
  ])('refuses %s', async (_, url, allow) => {
    const dispatcher = guardedDispatcher(parseAllowList(allow));
    await expect(httpGet(url(), { dispatcher })).rejects.toMatchObject({ name: 'FetchError', code: 'network', message: expect.stringContaining('EHUIYING_SSRF') });
    await dispatcher.close();
  });

  it('fetches what the allow list admits', async () => {
    const dispatcher = guardedDispatcher(parseAllowList(['127.0.0.0/8']));
    const result = await httpGet(`http://localhost:${new URL(redirector.url).port}/`, { dispatcher });
    expect(result).toMatchObject({ status: 200, finalUrl: `${target.url}/feed` });
    await dispatcher.close();
  });
});
