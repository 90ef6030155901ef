import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/**
 * Java's partitioner (murmur2 of the key, positive, modulo the partition count): a key lands on
 * the partition the Java client and kafkajs' DefaultPartitioner would pick (partitioner.test.ts
 * compares them). kafkajs computes murmur2 with a 64-bit Long object per step, about as costly as
 * encoding the whole record; only the low 32 bits ever matter, so `Math.imul` does the same.
 * Messages without a key, or with a partition, go to kafkajs' own partitioner.
 */
export const javaCompatiblePartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (typeof message.key !== 'string' && !Buffer.isBuffer(message.key)) return fallback(args);
    return (murmur2(message.key) & 0x7fffffff) % partitionMetadata.length;
  };
};

const M = 0x5bd1e995;
const SEED = 0x9747b28c;
/** Keys are short (post ids); one reused buffer spares an allocation per message. */
const scratch = Buffer.allocUnsafe(1024);

/** Kafka's murmur2 (Utils.murmur2) of a key's bytes (a string as UTF-8), as a signed 32-bit int. */
export function murmur2(key: Buffer | string): number {
  let data: Buffer;
  let length: number;
  if (Buffer.isBuffer(key)) {
    data = key;
    length = key.length;
  } else if (key.length * 3 <= scratch.length) {
    data = scratch;
    length = scratch.write(key, 0, 'utf8');
  } else {
    data = Buffer.from(key, 'utf8');
    length = data.length;
  }
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last one to three bytes (Java's switch falls through from 3 to 1).
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
