import { deadLetterTopic } from '@huiying/contracts';
import pino from 'pino';
import { withTopicPrefix } from '../topic-prefix';
import { testMessage } from '../test-support/test-messages';
import { createMemoryBus } from './memory-bus';

const logger = pino({ level: 'silent' });

describe('memory bus: input refused before it became a message', () => {
  it.each([
    ['no prefix', ''],
    ['a topic prefix', 'drill.'],
  ])('lands on the dead-letter topic with its bytes and reason (%s)', async (_, prefix) => {
    const bus = createMemoryBus({ service: 'test', logger, partitions: () => 2 });
    const def = testMessage();
    const raw = Buffer.from('<item><title>断了的');
    await withTopicPrefix(bus, prefix).publishDeadLetters(def, [
      { value: raw, key: 'src:1', reason: 'text: no text and no title', rejectedBy: 'ingest:src', headers: { 'x-source-id': 'src' } },
      { value: Buffer.from('{}'), key: null, reason: 'publishedAt: required', rejectedBy: 'ingest:src' },
    ]);
    const letters = bus.deadLetters(`${prefix}${def.topic}`);
    expect(letters.map((l) => [l.value.toString(), l.key, l.reason, l.group, l.attempts, l.originalTopic, l.originalOffset])).toEqual([
      [raw.toString(), 'src:1', 'text: no text and no title', 'ingest:src', 0, `${prefix}${def.topic}`, null],
      ['{}', null, 'publishedAt: required', 'ingest:src', 0, `${prefix}${def.topic}`, null],
    ]);
    expect(letters[0]!.headers['x-source-id']).toBe('src');
    expect(bus.deadLetters(deadLetterTopic('other'))).toEqual([]);
    await bus.close();
  });
});
