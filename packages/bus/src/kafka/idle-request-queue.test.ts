import { createRequire } from 'node:module';
import { installIdleRequestQueue } from './idle-request-queue';

const load = createRequire(__filename);

interface Queue {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  push(request: {
    entry: { correlationId: number; resolve: () => void; reject: () => void };
    expectResponse: boolean;
    sendRequest: () => void;
  }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}
const RequestQueue = load('kafkajs/src/network/requestQueue') as new (options: object) => Queue;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const queue = (maxInFlightRequests: number | null) =>
  new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 't',
    broker: 'b',
    logger: quiet,
  });
const request = (correlationId: number, sent: number[]) => ({
  entry: { correlationId, resolve: () => undefined, reject: () => undefined },
  expectResponse: true,
  sendRequest: () => sent.push(correlationId),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kafkajs request queue with nothing waiting', () => {
  beforeAll(() => expect(installIdleRequestQueue()).toBe(true));

  it('arms no timer once a response leaves nothing pending', () => {
    const q = queue(null);
    const sent: number[] = [];
    q.push(request(1, sent));
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1]);
    // kafkajs 2.2.4 re-armed a 1 ms timer here, and again every time it fired.
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('still sends a request that waited for an in-flight slot', () => {
    const q = queue(1);
    const sent: number[] = [];
    q.push(request(1, sent));
    q.push(request(2, sent));
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
    q.fulfillRequest({ correlationId: 2, payload: Buffer.alloc(0), size: 0 });
    expect(q.pending).toHaveLength(0);
    q.destroy();
  });

  it('still sends a request held back by a broker throttle once it ends', async () => {
    const q = queue(null);
    const sent: number[] = [];
    q.maybeThrottle(40);
    q.push(request(1, sent));
    expect(sent).toEqual([]);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    await sleep(120);
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    await sleep(20);
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });
});
