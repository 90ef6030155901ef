import { FetchError } from './errors';
import { httpGet } from './http-fetch';
import { startTestServer, type TestServer } from './test-http-server';

const MB = 1024 * 1024;
let server: TestServer;
let bytesSentOfHugeBody = 0;

beforeAll(async () => {
  server = await startTestServer((req, res) => {
    const path = req.url ?? '';
    if (path === '/ok') {
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        etag: '"v1"',
        'last-modified': 'Thu, 26 Nov 2026 00:00:00 GMT',
      });
      res.end('你好');
    } else if (path === '/conditional') {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        res.end();
      } else {
        res.writeHead(200, { etag: '"v1"' });
        res.end('body');
      }
    } else if (path.startsWith('/hop/')) {
      const n = Number(path.slice(5));
      res.writeHead(n % 2 ? 301 : 302, { location: n > 0 ? `/hop/${n - 1}` : '/ok' });
      res.end();
    } else if (path === '/loop') {
      res.writeHead(302, { location: '/loop' });
      res.end();
    } else if (path === '/huge-declared') {
      res.writeHead(200, { 'content-length': String(50 * MB) });
      // Never writes the body: the client must refuse on the header alone.
      res.flushHeaders();
    } else if (path === '/huge-chunked') {
      // 50 MB streamed without a length; count what the server manages to send before the client hangs up.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      let sent = 0;
      const pump = () => {
        while (sent < 50 * MB) {
          sent += chunk.length;
          bytesSentOfHugeBody = sent;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    } else if (path === '/stall-headers') {
      // Accepts the request and never answers.
    } else if (path === '/stall-body') {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.write('<rss><channel>');
    } else if (path === '/error') {
      res.writeHead(500);
      res.end('internal error');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
});
afterAll(() => server.close());

async function failure(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FetchError) return error;
    throw error;
  }
  throw new Error('expected a FetchError');
}

describe('httpGet against a loopback server', () => {
  it('returns the body, type and validators', async () => {
    const result = await httpGet(`${server.url}/ok`);
    expect(result).toEqual(
      expect.objectContaining({
        status: 200,
        etag: '"v1"',
        lastModified: 'Thu, 26 Nov 2026 00:00:00 GMT',
        contentType: 'text/plain; charset=utf-8',
      }),
    );
    expect('body' in result && result.body.toString('utf8')).toBe('你好');
  });

  it('sends a conditional GET and reports 304', async () => {
    const result = await httpGet(`${server.url}/conditional`, { etag: '"v1"' });
    expect(result.status).toBe(304);
    expect(server.requests.at(-1)?.headers['if-none-match']).toBe('"v1"');
  });

  it('follows a bounded chain of redirects', async () => {
    const result = await httpGet(`${server.url}/hop/3`);
    expect(result.status).toBe(200);
    expect(result.finalUrl).toBe(`${server.url}/ok`);
  });

  it.each([
    ['a redirect loop', '/loop', { maxRedirects: 3 }, 'too-many-redirects'],
    ['a chain longer than allowed', '/hop/3', { maxRedirects: 2 }, 'too-many-redirects'],
    ['a 500', '/error', {}, 'http-status'],
    ['a 404', '/nothing', {}, 'http-status'],
    ['a server that never answers', '/stall-headers', { timeoutMs: 300 }, 'timeout'],
    ['a body that stalls halfway', '/stall-body', { timeoutMs: 300 }, 'timeout'],
    ['a declared 50 MB body', '/huge-declared', { maxBodyBytes: 5 * MB, timeoutMs: 2000 }, 'too-large'],
  ])('fails on %s', async (_name, path, options, code) => {
    const error = await failure(httpGet(`${server.url}${path}`, options));
    expect(error.code).toBe(code);
  });

  it('refuses a streamed 50 MB body without reading it all', async () => {
    const before = process.memoryUsage().rss;
    const error = await failure(httpGet(`${server.url}/huge-chunked`, { maxBodyBytes: 2 * MB, timeoutMs: 10_000 }));
    expect(error.code).toBe('too-large');
    // Give the server a moment to notice the closed socket, then check it stopped well short of 50 MB.
    await new Promise((r) => setTimeout(r, 100));
    expect(bytesSentOfHugeBody).toBeLessThan(25 * MB);
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * MB);
  });

  it('fails fast on a refused connection', async () => {
    const error = await failure(httpGet('http://127.0.0.1:9/feed', { timeoutMs: 2000 }));
    expect(error.code).toBe('network');
  });
});
