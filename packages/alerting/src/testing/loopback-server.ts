import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The query string exactly as sent, to check encoding. */
  rawQuery: string;
  headers: IncomingMessage['headers'];
  rawBody: string;
}

export type Handler = (req: ReceivedRequest) => { status: number; json?: unknown; text?: string } | 'stall';

/** An HTTP server on 127.0.0.1 with a random port that records every request it answers. */
export interface LoopbackServer {
  baseUrl: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startLoopbackServer(handler: Handler): Promise<LoopbackServer> {
  const received: ReceivedRequest[] = [];
  const stalled: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: q === -1 ? url : url.slice(0, q),
        rawQuery: q === -1 ? '' : url.slice(q + 1),
        query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      const answer = handler(request);
      if (answer === 'stall') {
        stalled.push(res);
        return;
      }
      if (answer.json !== undefined) {
        res.writeHead(answer.status, { 'content-type': 'application/json;charset=utf-8' });
        res.end(JSON.stringify(answer.json));
      } else {
        res.writeHead(answer.status, { 'content-type': 'text/plain;charset=utf-8' });
        res.end(answer.text ?? '');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
