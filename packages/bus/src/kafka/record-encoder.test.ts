import fc from 'fast-check';
import { encodeRecord, kafkajsRecordEncoder } from './record-encoder';

/** The bytes the broker receives must not change: every record is compared with kafkajs' encoding. */
describe('record encoder', () => {
  const kafkajs = kafkajsRecordEncoder();
  const bytes = fc.oneof(
    fc.constant(null),
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.uint8Array({ maxLength: 20_000 }).map((a) => Buffer.from(a)),
  );
  const record = fc.record(
    {
      offsetDelta: fc.integer({ min: 0, max: 1_000_000 }),
      timestampDelta: fc.oneof(fc.constant(0), fc.integer({ min: -1_000_000_000, max: 1_000_000_000 })),
      key: bytes,
      value: bytes,
      headers: fc.dictionary(
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)),
        ),
        { maxKeys: 4 },
      ),
    },
    { requiredKeys: ['key', 'value'] },
  );

  it('writes exactly the bytes kafkajs writes', () => {
    fc.assert(
      fc.property(record, (r) => {
        const ours = encodeRecord(r);
        expect(ours).toBeDefined();
        expect(ours!.buffer.equals(kafkajs(r).buffer)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('a post-sized message with a trace id header', () => {
    const r = {
      offsetDelta: 417,
      timestampDelta: 0,
      key: 'weibo-longnan:4987',
      value: Buffer.from(JSON.stringify({ text: '文县碧口镇发生山体滑坡'.repeat(30) })),
      headers: { 'x-trace-id': '7d7b2f0e-6a39-4c55-9b1e-0a4b9f0c1d2e' },
    };
    expect(encodeRecord(r)!.buffer.toString('hex')).toBe(kafkajs(r).buffer.toString('hex'));
  });

  it('leaves unusual records to kafkajs', () => {
    expect(encodeRecord({ key: 'k', value: 'v', headers: { many: ['a', 'b'] } })).toBeUndefined();
    expect(encodeRecord({ key: 'k', value: 'v', timestampDelta: 2 ** 40 })).toBeUndefined();
    expect(encodeRecord({ key: 42, value: 'v' })).toBeUndefined();
  });
});
