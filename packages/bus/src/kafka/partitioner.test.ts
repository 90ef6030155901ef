import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { javaCompatiblePartitioner, murmur2 } from './partitioner';

/** A key must keep landing where kafkajs (and Java clients) put it, or per-key order breaks across a deploy. */
describe('Java-compatible partitioner', () => {
  const metadata = (n: number): PartitionMetadata[] =>
    Array.from({ length: n }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
  const key = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: 'binary', minLength: 300, maxLength: 400 }),
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  );

  it('picks the partition kafkajs picks for every key', () => {
    const ours = javaCompatiblePartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(key, fc.integer({ min: 1, max: 64 }), (k, n) => {
        const args = { topic: 't', partitionMetadata: metadata(n), message: { key: k, value: null } };
        expect(ours(args)).toBe(theirs(args));
      }),
      { numRuns: 800 },
    );
  });

  it("matches Kafka's own murmur2 on known keys", () => {
    // Values from the Java client's UtilsTest.testMurmur2.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Buffer.from([97, 98, 99]))).toBe(479470107);
  });

  it('keeps an explicit partition and spreads keyless messages', () => {
    const ours = javaCompatiblePartitioner();
    expect(ours({ topic: 't', partitionMetadata: metadata(6), message: { key: 'k', value: null, partition: 4 } })).toBe(
      4,
    );
    const picked = new Set(
      Array.from({ length: 60 }, () => ours({ topic: 't', partitionMetadata: metadata(6), message: { value: null } })),
    );
    expect(picked.size).toBe(6);
  });
});
