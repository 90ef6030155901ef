import { createMemoryBus } from '@huiying/bus';
import { webhookSignatureHeader, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '@huiying/ingest-core';
import { createLogger } from '@huiying/telemetry';
import Fastify from 'fastify';
import { MemoryReplayGuard } from './admission/replay-guard';
import { SourceDefinition, type WebhookSourceDefinition } from './sources/source-definition';
import { SOURCE_HEADER, webhookRoutes } from './webhook.routes';

const SECRET = 'vendor-secret-0123456789';
const logger = createLogger('test', 'silent');

/** The webhook on the in-memory bus, with a clock the test moves and a source allowed 2 posts a minute. */
async function webhook() {
  let nowMs = Date.parse('2026-07-01T06:00:00Z');
  const bus = createMemoryBus({ service: 'ingest', logger });
  const definition = SourceDefinition.parse({ id: 'vendor', name: '舆情厂商', kind: 'webhook', secrets: [SECRET], postsPerMinute: 2, maxBatch: 2 }) as WebhookSourceDefinition;
  const app = Fastify();
  await app.register(webhookRoutes, {
    bus,
    logger,
    sources: (id) => (id === 'vendor' ? { definition, secrets: [SECRET] } : undefined),
    replays: new MemoryReplayGuard(() => nowMs),
    now: () => nowMs,
  });
  const send = (raw: string, timestamp = String(Math.floor(nowMs / 1000))) =>
    app.inject({
      method: 'POST',
      url: '/ingest/v1/posts',
      headers: { 'content-type': 'application/json', [SOURCE_HEADER]: 'vendor', [WEBHOOK_TIMESTAMP_HEADER]: timestamp, [WEBHOOK_SIGNATURE_HEADER]: webhookSignatureHeader(SECRET, timestamp, Buffer.from(raw)) },
      payload: raw,
    });
  return { send, advance: (ms: number) => void (nowMs += ms), close: async () => Promise.all([app.close(), bus.close()]) };
}

const post = (id: string) => JSON.stringify({ nativeId: id, text: `文县碧口镇发生山体滑坡，第${id}条`, publishedAt: '2026-07-01 14:00:00' });

describe('webhook replays', () => {
  it('refuses the same signed request sent twice, naming the replay', async () => {
    const hook = await webhook();
    const raw = post('a');
    const ts = String(Math.floor(Date.parse('2026-07-01T06:00:00Z') / 1000));
    expect((await hook.send(raw, ts)).statusCode).toBe(202);
    const again = await hook.send(raw, ts);
    expect(again.statusCode).toBe(401);
    expect(again.json()).toMatchObject({ error: 'bad_signature', reason: 'replayed' });
    // Re-signed with a fresh timestamp, the same post is a new request (dedup handles the post).
    hook.advance(1000);
    expect((await hook.send(raw)).statusCode).toBe(202);
    await hook.close();
  });

  it('lets a sender resend a request that was not accepted (429, 400)', async () => {
    const hook = await webhook();
    const ts = String(Math.floor(Date.parse('2026-07-01T06:00:00Z') / 1000));
    expect((await hook.send(JSON.stringify({ posts: [JSON.parse(post('b')), JSON.parse(post('c'))] }), ts)).statusCode).toBe(202);
    const third = post('d');
    expect((await hook.send(third, ts)).statusCode).toBe(429);
    hook.advance(60_000);
    // Same bytes, same signature, within the tolerance: the rate limit passed, so it is taken now.
    expect((await hook.send(third, ts)).statusCode).toBe(202);
    const bad = JSON.stringify({ nativeId: 'e' });
    expect((await hook.send(bad, ts)).statusCode).toBe(400);
    expect((await hook.send(bad, ts)).statusCode).toBe(400);
    await hook.close();
  });
});
