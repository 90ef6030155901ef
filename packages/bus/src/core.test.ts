import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { retryDelayMs, untilSettledOrAbandoned } from './attempts';
import { deadLetterHeaders, headersToStrings, parseDeadLetter } from './dead-letter';
import { buildEnvelope, decodeEnvelope, encodeEnvelope, encodeEnvelopeText } from './envelope-codec';
import { partitionForKey } from './memory/partition';
import { testMessage } from './test-support/test-messages';

describe('retryDelayMs', () => {
  it.each([
    [1, 200, 200],
    [2, 200, 400],
    [3, 200, 800],
    [5, 200, 3200],
    [20, 200, 30_000],
    [0, 100, 100],
  ])('after attempt %i with base %i waits %i ms', (attempt, base, expected) => {
    expect(retryDelayMs(attempt, base)).toBe(expected);
  });
});

describe('untilSettledOrAbandoned', () => {
  it('leaves nothing on the shutdown signal once a handler settled (one per message, for the life of the consumer)', async () => {
    const shutdown = new AbortController();
    for (let i = 0; i < 1000; i++) {
      expect(await untilSettledOrAbandoned(Promise.resolve(i), shutdown.signal)).toEqual({ done: true, value: i });
      await expect(untilSettledOrAbandoned(Promise.reject(new Error(`failed ${i}`)), shutdown.signal)).rejects.toThrow(`failed ${i}`);
    }
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  it('gives up on a handler that is still running when the consumer abandons it, and at once when it already has', async () => {
    const shutdown = new AbortController();
    const stuck = untilSettledOrAbandoned(new Promise(() => undefined), shutdown.signal);
    shutdown.abort();
    expect(await stuck).toEqual({ done: false });
    expect(await untilSettledOrAbandoned(new Promise(() => undefined), shutdown.signal)).toEqual({ done: false });
  });
});

describe('buildEnvelope', () => {
  const def = testMessage('t');

  it('stamps each envelope with the time it is given, also when times alternate', () => {
    const times = ['2026-03-01T08:00:00.000Z', '2026-03-01T08:00:00.000Z', '2026-03-01T08:00:00.001Z', '2026-03-01T08:00:00.000Z'];
    const stamped = times.map((t) => buildEnvelope(def, { key: 'a', n: 1 }, { key: 'a' }, 'svc', new Date(t)).producedAt);
    expect(stamped).toEqual(times);
  });

  it('has the same bytes as text and as a buffer', () => {
    const envelope = buildEnvelope(def, { key: '文县\u{1F600}', n: 1 }, { key: 'a' }, 'svc', new Date());
    expect(Buffer.from(encodeEnvelopeText(envelope), 'utf8').equals(encodeEnvelope(envelope))).toBe(true);
  });
});

describe('decodeEnvelope', () => {
  const def = testMessage('t');
  const now = new Date('2026-03-01T08:00:00.000Z');
  const good = buildEnvelope(def, { key: 'a', n: 1 }, { key: 'a', id: 'm-1', traceId: 'tr' }, 'svc', now);

  it('accepts the bytes a publish produces', () => {
    const decoded = decodeEnvelope(encodeEnvelope(good), [def]);
    expect(decoded).toEqual({ ok: true, envelope: good, def });
  });

  it.each([
    ['null value', null, /^empty message value$/],
    ['no bytes', Buffer.alloc(0), /^empty message value$/],
    ['broken JSON', Buffer.from('{"a":'), /^not JSON: /],
    ['a JSON string', Buffer.from('"hello"'), /^schema test\.counted v1: \(root\)/],
    ['a missing trace id', Buffer.from(JSON.stringify({ ...good, traceId: undefined })), /traceId/],
    ['a bad instant', Buffer.from(JSON.stringify({ ...good, occurredAt: 'yesterday' })), /occurredAt/],
    ['a wrong payload', Buffer.from(JSON.stringify({ ...good, payload: { key: 'a' } })), /payload\.n/],
  ])('rejects %s', (_label, bytes, reason) => {
    const decoded = decodeEnvelope(bytes, [def]);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toMatch(reason);
  });

  it('picks the schema by type when a topic carries several', () => {
    const other = { ...testMessage('t'), type: 'test.other' };
    expect(decodeEnvelope(encodeEnvelope(good), [other, def])).toMatchObject({ ok: true, def });
    const unknown = Buffer.from(JSON.stringify({ ...good, type: 'test.unknown' }));
    expect(decodeEnvelope(unknown, [other, def])).toEqual({ ok: false, reason: 'unknown message type "test.unknown"' });
  });
});

describe('dead-letter headers', () => {
  it('round-trip the facts and keep the original headers', () => {
    const headers = deadLetterHeaders(
      { 'x-trace-id': 'tr-9' },
      {
        originalTopic: 'huiying.posts.ingested.v1',
        originalPartition: 4,
        originalOffset: '1234',
        group: 'classifier',
        reason: 'x'.repeat(5000),
        attempts: 5,
        failedAt: new Date('2026-03-01T08:00:00.000Z'),
      },
    );
    const letter = parseDeadLetter({ key: 'p-1', value: Buffer.from([0xff, 0x00]), headers });
    expect(letter).toMatchObject({
      originalTopic: 'huiying.posts.ingested.v1',
      originalPartition: 4,
      originalOffset: '1234',
      group: 'classifier',
      attempts: 5,
      failedAt: '2026-03-01T08:00:00.000Z',
      key: 'p-1',
    });
    expect(letter.reason).toHaveLength(2000);
    expect(letter.value).toEqual(Buffer.from([0xff, 0x00]));
    expect(letter.headers['x-trace-id']).toBe('tr-9');
  });

  it.each([
    [{ a: Buffer.from('1') }, { a: '1' }],
    [{ a: [Buffer.from('1'), Buffer.from('2')] }, { a: '2' }],
    [{ a: 'text', b: undefined }, { a: 'text' }],
    [undefined, {}],
  ])('turns kafkajs headers %p into strings', (input, expected) => {
    expect(headersToStrings(input)).toEqual(expected);
  });
});

describe('partitionForKey', () => {
  it.each([1, 3, 6])('is stable and within %i partitions', (partitions) => {
    for (let i = 0; i < 200; i++) {
      const key = randomUUID();
      const p = partitionForKey(key, partitions);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(partitions);
      expect(partitionForKey(key, partitions)).toBe(p);
    }
  });

  it('spreads keys over every partition', () => {
    const used = new Set(Array.from({ length: 300 }, (_, i) => partitionForKey(`post-${i}`, 6)));
    expect(used.size).toBe(6);
  });
});
