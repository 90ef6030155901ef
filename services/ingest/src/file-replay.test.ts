import { Readable } from 'node:stream';
import { createMemoryBus } from '@huiying/bus';
import { PostIngestedMessage, Topics } from '@huiying/contracts';
import { MemoryDedupStore } from '@huiying/ingest-core';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ingestMetrics } from './admission/ingest-metrics';
import { createPostAdmission } from './admission/post-admission';
import { replayFile } from './file-replay';

const jsonl = [
  JSON.stringify({ nativeId: '1', text: '文县城关镇发生山体滑坡，道路中断，请绕行。', publishedAt: '2026-07-01 08:00:00' }),
  '{"nativeId": "2", "text": ',
  JSON.stringify({ nativeId: '3', text: '转发：文县城关镇发生山体滑坡，道路中断，请绕行。', publishedAt: '2026-07-01 08:00:01' }),
  JSON.stringify({ nativeId: '4', text: '', publishedAt: '2026-07-01 08:00:02' }),
  JSON.stringify({ nativeId: '5', text: '康县阳坝镇茶叶收购价格公布，茶农可到镇政府咨询。', publishedAt: '2026-07-01 08:00:03' }),
].join('\n');

describe('replayFile', () => {
  it.each([
    ['as fast as possible, one post a batch', { kind: 'asap' } as const, 1],
    ['as fast as possible', { kind: 'asap' } as const, 1000],
    ['at a rate', { kind: 'rate', postsPerSecond: 500 } as const, 1000],
    ['with the original spacing, sped up', { kind: 'original', speed: 1000 } as const, 1000],
  ])('publishes new posts, counts duplicates, lists rejected lines (%s)', async (_, pace, batchSize) => {
    const bus = createMemoryBus({ service: 'test', logger: pino({ level: 'silent' }) });
    const admit = createPostAdmission({ bus, metrics: ingestMetrics(new Registry()), dedup: { store: new MemoryDedupStore(), options: {} } });
    const summary = await replayFile({ input: Readable.from([jsonl]), format: 'jsonl', sourceId: 'drill', pace, admit, batchSize });
    expect({ ...summary, elapsedMs: 0, rejected: summary.rejected.map((r) => r.line) }).toEqual({ read: 5, accepted: 2, duplicates: 1, rejected: [2, 4], elapsedMs: 0 });
    const seen: string[] = [];
    await bus.subscribe({ group: 'g', messages: [PostIngestedMessage], handler: async (d) => void seen.push((d.envelope.payload as { id: string }).id) });
    await bus.idle();
    expect(seen.sort()).toEqual(['drill:1', 'drill:5']);
    expect(bus.deadLetters(Topics.postsIngested).map((l) => l.reason.slice(0, 7))).toEqual(['line 2:', 'line 4:']);
    await bus.close();
  });
});
