import fc from 'fast-check';
import { crc32c, kafkajsCrc32c } from './crc32c';

/** The broker refuses a batch whose checksum is wrong: ours must equal kafkajs' on any bytes. */
describe('crc32c', () => {
  const kafkajs = kafkajsCrc32c();

  it('is CRC-32C (the check value of "123456789")', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('equals kafkajs on any bytes, at any length and offset into a shared buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(7), (bytes, skip) => {
        const buf = Buffer.from(bytes).subarray(Math.min(skip, bytes.length));
        expect(crc32c(buf)).toBe(kafkajs(buf));
      }),
      { numRuns: 2000 },
    );
  });
});
