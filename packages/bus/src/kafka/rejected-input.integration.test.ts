import { randomUUID } from 'node:crypto';
import { deadLetterTopic } from '@huiying/contracts';
import pino from 'pino';
import { testMessage } from '../test-support/test-messages';
import { readDeadLetters } from './dead-letters';
import { createKafkaBus } from './kafka-bus';
import { createKafkaAdmin, ensureTopics } from './topics-admin';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
jest.setTimeout(60_000);
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('kafka bus: input refused before it became a message', () => {
  it('publishes raw bytes with the reason to the dead-letter topic and waits for the ack', async () => {
    const admin = createKafkaAdmin({ brokers, logger });
    await admin.connect();
    const def = testMessage(`test.bus.${randomUUID()}`);
    const specs = [
      { name: def.topic, partitions: 1, retentionMs: 3_600_000 },
      { name: deadLetterTopic(def.topic), partitions: 1, retentionMs: 3_600_000 },
    ];
    await ensureTopics(admin, specs, logger);
    const bus = createKafkaBus({ brokers, service: 'bus-test', logger });
    try {
      const raw = Buffer.from([0xc4, 0xe3, 0x3c]); // GBK bytes and a stray '<': kept byte for byte
      await bus.publishDeadLetters(def, [{ value: raw, key: 'k', reason: 'undecodable', rejectedBy: 'ingest:gbk-site' }]);
      const letters = await readDeadLetters({ brokers, topic: deadLetterTopic(def.topic), logger, atLeast: 1 });
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ key: 'k', reason: 'undecodable', group: 'ingest:gbk-site', attempts: 0, originalTopic: def.topic, originalPartition: null });
      expect(Buffer.compare(letters[0]!.value, raw)).toBe(0);
    } finally {
      await bus.close();
      await admin.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
