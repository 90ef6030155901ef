import { FetchError } from './errors';

export interface HttpFetchOptions {
  /** Whole request, headers and body, in ms. Default 15 s. */
  timeoutMs?: number;
  /** Bodies larger than this are refused without being buffered. Default 5 MiB. */
  maxBodyBytes?: number;
  /** Default 5. */
  maxRedirects?: number;
  headers?: Record<string, string>;
  /** Validators from the previous successful fetch, for a conditional GET. */
  etag?: string;
  lastModified?: string;
  /** Aborts the request when the poller stops. */
  signal?: AbortSignal;
  /**
   * The connection pool to fetch through (an undici Agent). The ingest service passes one whose
   * connector refuses private addresses at connect time, for every redirect hop, so DNS
   * rebinding cannot walk around the SSRF check made when the source was added.
   */
  dispatcher?: RequestInit['dispatcher'];
}

export type HttpFetchResult =
  | { status: 304; finalUrl: string; etag?: string; lastModified?: string }
  | { status: number; finalUrl: string; body: Buffer; contentType?: string; etag?: string; lastModified?: string };

export const DEFAULT_FETCH_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;
export const USER_AGENT = 'huiying-ingest/0.1 (+public-opinion response; polite polling)';

async function readBounded(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new FetchError(
      'too-large',
      `Content-Length ${declared} exceeds the limit of ${maxBytes} bytes`,
      response.status,
    );
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Cancelling closes the connection, so the rest of a huge body is never read.
      await reader.cancel().catch(() => undefined);
      throw new FetchError('too-large', `body exceeds the limit of ${maxBytes} bytes`, response.status);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function toFetchError(error: unknown, signal: AbortSignal, timeoutMs: number): FetchError {
  if (error instanceof FetchError) return error;
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError') return new FetchError('timeout', `no complete response within ${timeoutMs} ms`);
  if (name === 'AbortError') {
    return signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError'
      ? new FetchError('timeout', `no complete response within ${timeoutMs} ms`)
      : new FetchError('aborted', 'request aborted');
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  return new FetchError('network', cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error));
}

/**
 * GET with the limits a poller needs: one deadline for headers and body, redirects followed by
 * hand and bounded, a conditional GET from stored validators, and a body cap enforced while
 * streaming. Throws FetchError; any status other than 2xx and 304 is an error.
 */
export async function httpGet(url: string, options: HttpFetchOptions = {}): Promise<HttpFetchResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, application/json;q=0.9, */*;q=0.5',
    ...options.headers,
  };
  if (options.etag) headers['if-none-match'] = options.etag;
  if (options.lastModified) headers['if-modified-since'] = options.lastModified;

  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const response = await fetch(current, {
        headers,
        redirect: 'manual',
        signal,
        ...(options.dispatcher && { dispatcher: options.dispatcher }),
      });
      if (response.status >= 300 && response.status < 400 && response.status !== 304) {
        const location = response.headers.get('location');
        await response.body?.cancel().catch(() => undefined);
        if (!location)
          throw new FetchError('http-status', `redirect ${response.status} without Location`, response.status);
        if (hop >= maxRedirects)
          throw new FetchError(
            'too-many-redirects',
            `more than ${maxRedirects} redirects from ${url}`,
            response.status,
          );
        current = new URL(location, current).toString();
        continue;
      }
      const etag = response.headers.get('etag') ?? undefined;
      const lastModified = response.headers.get('last-modified') ?? undefined;
      if (response.status === 304) {
        await response.body?.cancel().catch(() => undefined);
        return {
          status: 304,
          finalUrl: current,
          etag: etag ?? options.etag,
          lastModified: lastModified ?? options.lastModified,
        };
      }
      if (response.status < 200 || response.status >= 300) {
        await response.body?.cancel().catch(() => undefined);
        throw new FetchError('http-status', `HTTP ${response.status} from ${current}`, response.status);
      }
      const body = await readBounded(response, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      return {
        status: response.status,
        finalUrl: current,
        body,
        contentType: response.headers.get('content-type') ?? undefined,
        etag,
        lastModified,
      };
    }
  } catch (error) {
    throw toFetchError(error, signal, timeoutMs);
  }
}
