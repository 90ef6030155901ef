import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

const gzipAsync = promisify(gzip);

/**
 * A response body encoded once and sent to many: the month's report (some 200 KB) and the
 * duty list are read by every open console, and encoding (and compressing) them per request cost
 * more event-loop time than everything else the request does.
 */
export class PreparedJson {
  private compressed: Promise<Buffer> | undefined;
  /** The compressed bytes once there: sent without waiting a turn of the event loop. */
  private compressedNow: Buffer | undefined;

  /** `gzipped` when already compressed elsewhere (the report's worker thread). */
  constructor(
    readonly body: Buffer,
    gzipped?: Buffer,
  ) {
    if (gzipped) {
      this.compressedNow = gzipped;
      this.compressed = Promise.resolve(gzipped);
    }
  }

  static of(json: string): PreparedJson {
    return new PreparedJson(Buffer.from(json, 'utf8'));
  }

  /** Compressed on zlib's thread pool on first demand, off the event loop; a fifth of the size or less. */
  gzipped(): Promise<Buffer> {
    this.compressed ??= gzipAsync(this.body, { level: 6 }).then((bytes) => (this.compressedNow = bytes));
    return this.compressed;
  }

  /** The compressed bytes if they are ready, else undefined. */
  gzippedNow(): Buffer | undefined {
    return this.compressedNow;
  }
}

/** The answers for the few Accept-Encoding values browsers send, not re-parsed per request. */
const takesGzip = new Map<string, boolean>();

/** Whether the client takes gzip (every browser does); `gzip;q=0` refuses it. */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  let answer = takesGzip.get(value);
  if (answer === undefined) {
    answer = parseAcceptsGzip(value);
    if (takesGzip.size < 64) takesGzip.set(value, answer);
  }
  return answer;
}

function parseAcceptsGzip(value: string): boolean {
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** Sends the prepared body as JSON, gzipped when the client takes it. */
export async function sendPrepared(request: FastifyRequest, reply: FastifyReply, prepared: PreparedJson): Promise<FastifyReply> {
  reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
  if (acceptsGzip(request.headers['accept-encoding'])) {
    return reply.header('content-encoding', 'gzip').send(prepared.gzippedNow() ?? (await prepared.gzipped()));
  }
  return reply.send(prepared.body);
}
