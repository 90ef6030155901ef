import { createHmac } from 'node:crypto';
import { nextAttemptDelay, signDelivery } from './webhook-delivery';

describe('webhook deliveries', () => {
  it('signs the timestamp and the body with HMAC-SHA256', () => {
    const expected = createHmac('sha256', 'a-long-shared-secret').update('1751529600.{"a":"通报"}').digest('hex');
    expect(signDelivery('a-long-shared-secret', '1751529600', '{"a":"通报"}')).toBe(`sha256=${expected}`);
    expect(signDelivery('a-long-shared-secret', '1751529601', '{"a":"通报"}')).not.toBe(`sha256=${expected}`);
  });

  it.each([
    [1, 30_000],
    [2, 60_000],
    [4, 240_000],
    [10, 1_800_000],
  ])('waits after attempt %i: %i ms', (attempts, delay) => {
    expect(nextAttemptDelay(attempts, { baseDelayMs: 30_000, maxDelayMs: 1_800_000, maxAttempts: 8, timeoutMs: 1000 })).toBe(delay);
  });
});
