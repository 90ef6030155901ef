/**
 * Stable partition of a key (FNV-1a, 32 bit): one key always lands on one partition, which is
 * what keeps its messages in order. Not Kafka's murmur2: the memory bus never shares partitions
 * with a real broker.
 */
export function partitionForKey(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
