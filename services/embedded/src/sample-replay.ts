import { readFileSync } from 'node:fs';
import type { Bus } from '@huiying/bus';
import { PostIngestedMessage } from '@huiying/contracts';
import { PostInput, toPost } from '@huiying/ingest';
import { z } from 'zod';

const SampleLine = PostInput.extend({ sourceId: z.string(), offsetMin: z.number() });

/**
 * Replays the sample posts with their times moved to just before now, so a newcomer sees
 * incidents with clocks already running. The same path as the webhook: onto the bus as
 * ingested posts.
 */
export async function replaySamples(bus: Bus, file: string, now: Date): Promise<number> {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
  const posts = lines.map((line, index) => {
    const parsed = SampleLine.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${file}:${index + 1}: ${parsed.error.message}`);
    const { sourceId, offsetMin, ...input } = parsed.data;
    const publishedAt = new Date(now.getTime() + offsetMin * 60_000).toISOString();
    return toPost(sourceId, 'sample', { ...input, publishedAt }, now);
  });
  await bus.publishBatch(PostIngestedMessage, posts.map((post) => ({ payload: post, options: { key: post.id, occurredAt: new Date(post.publishedAt) } })));
  return posts.length;
}
