import fc from 'fast-check';
import { webhookSignatureHeader } from '@huiying/ingest-core';
import { eventually, isolatedDatabase, isolatedTopics, isolationName } from '../../embedded/src/testing/real-services';
import type { SourceDefinitionInput } from './sources/source-definition';
import { collectPosts, dropRedisKeys, startIngestInstance } from './testing/ingest-harness';

jest.setTimeout(180_000);

const SECRET = 'fuzz-vendor-secret-0123456789';
const sources: SourceDefinitionInput[] = [
  { id: 'vendor', name: '监测服务商', kind: 'webhook', secrets: [SECRET] },
  { id: 'open', name: '样例', kind: 'webhook', auth: 'unsigned' },
  { id: 'steady', name: '持续推送', kind: 'webhook', secrets: [SECRET] },
];

interface Answer {
  status: number;
  json: unknown;
  text: string;
}

async function send(url: string, raw: Buffer, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${url}/ingest/v1/posts`, { method: 'POST', headers, body: raw });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

function signed(raw: Buffer, source = 'vendor', contentType = 'application/json'): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    'content-type': contentType,
    'x-huiying-source': source,
    'x-huiying-timestamp': ts,
    'x-huiying-signature': webhookSignatureHeader(SECRET, ts, raw),
  };
}

/** No 5xx, and a refusal names why: field problems, a signature reason, or a message. */
function expectServedOrRefusedWithReason(answer: Answer, what: string): void {
  if (answer.status >= 500) throw new Error(`${what}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
  if (answer.status === 202) return;
  const body = answer.json as
    { problems?: Array<{ path: string; problem: string }>; reason?: string; message?: string } | undefined;
  const reasons = [
    ...(body?.problems ?? []).map((p) => `${p.path}: ${p.problem}`),
    ...(body?.reason ? [body.reason] : []),
    ...(body?.message ? [body.message] : []),
  ];
  if (reasons.length === 0 || reasons.some((r) => !/\S/.test(r)))
    throw new Error(`${what}: HTTP ${answer.status} without a reason: ${answer.text.slice(0, 300)}`);
  if (body?.problems) for (const p of body.problems) expect(p.problem).toEqual(expect.stringMatching(/\S/));
}

const oddValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '',
    '2026-02-30 25:00:00',
    '<script>alert(1)</script>',
    '=cmd|calc',
    'javascript:alert(1)',
    'http://127.0.0.1/x',
    '\u0000',
    '\ud800',
  ),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const postLike = fc.record(
  {
    nativeId: oddValue,
    text: oddValue,
    title: oddValue,
    url: oddValue,
    author: oddValue,
    publishedAt: oddValue,
    engagement: oddValue,
    raw: oddValue,
    lang: oddValue,
  },
  { requiredKeys: [] },
);
const jsonBody = fc.oneof(
  postLike,
  fc.record({ posts: fc.array(postLike, { maxLength: 6 }) }),
  fc.array(postLike, { maxLength: 6 }),
  fc.record({ posts: oddValue }),
  fc.jsonValue({ maxDepth: 3 }),
);

/**
 * The real ingest service (Kafka, PostgreSQL, Redis) under arbitrary requests, while a steady
 * sender keeps pushing valid posts: no 5xx, every refusal with a reason, and every valid post of
 * the steady sender accepted and on Kafka.
 */
describe('the webhook under arbitrary requests', () => {
  const name = isolationName('ingest_fuzz');
  const redisPrefix = `${name}:`;
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let bus: ReturnType<Awaited<ReturnType<typeof isolatedTopics>>['bus']>;
  let ingest: Awaited<ReturnType<typeof startIngestInstance>>;
  let output: Awaited<ReturnType<typeof collectPosts>>;
  let steady: { stop: () => Promise<string[]> };

  beforeAll(async () => {
    database = await isolatedDatabase(name);
    topics = await isolatedTopics(`${name}.`);
    bus = topics.bus('ingest-fuzz');
    ingest = await startIngestInstance({ bus, db: database.db, redisPrefix, sources, maxBodyBytes: 64 * 1024 });
    output = await collectPosts(bus, `${name}-reader`);
    // Valid posts every 100 ms for as long as the fuzzing runs; each must get its 202.
    let running = true;
    const accepted: string[] = [];
    const loop = (async () => {
      for (let n = 0; running; n++) {
        const raw = Buffer.from(
          JSON.stringify({
            nativeId: `s${n}`,
            text: `文县第${n}号通报：白龙江碧口段水位上涨，沿岸${n}户群众已转移。`,
            publishedAt: new Date().toISOString(),
          }),
        );
        const answer = await send(ingest.url, raw, signed(raw, 'steady'));
        if (answer.status !== 202)
          throw new Error(`a valid post was refused during fuzzing: ${answer.status} ${answer.text}`);
        accepted.push(...(answer.json as { accepted: string[] }).accepted);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    steady = { stop: async () => ((running = false), await loop, accepted) };
  });

  afterAll(async () => {
    await steady?.stop().catch(() => undefined);
    await output?.stop();
    await ingest?.stop();
    await bus?.close();
    await topics?.drop();
    await database?.drop();
    await dropRedisKeys(redisPrefix);
  });

  it('signed arbitrary JSON bodies: 202, or 400 naming each invalid field', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBody, async (body) => {
        const raw = Buffer.from(JSON.stringify(body) ?? 'null');
        expectServedOrRefusedWithReason(
          await send(ingest.url, raw, signed(raw)),
          `body ${raw.toString().slice(0, 200)}`,
        );
      }),
      { numRuns: 250 },
    );
  });

  it('signed arbitrary bytes under any content type: never a 5xx', async () => {
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=gbk',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      '',
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), contentType, async (bytes, type) => {
        const raw = Buffer.from(bytes);
        const answer = await send(ingest.url, raw, signed(raw, 'vendor', type));
        expectServedOrRefusedWithReason(answer, `${bytes.length} bytes as ${type}`);
      }),
      { numRuns: 200 },
    );
  });

  it('arbitrary source ids, timestamps and signatures: refused with a reason, never accepted', async () => {
    const header = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom('', ' ', 'v1=', 'v1=zz', `v1=${'0'.repeat(64)}`, '0', '-1', '99999999999999', '1e10'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant('vendor'), fc.string({ maxLength: 120 })),
        header,
        header,
        async (source, ts, signature) => {
          const raw = Buffer.from(JSON.stringify({ nativeId: 'forged', text: '伪造的推送' }));
          // fetch refuses header values with control characters: those never reach a server anyway.
          const headers: Record<string, string> = {
            'content-type': 'application/json',
            'x-huiying-source': source,
            'x-huiying-timestamp': ts,
            'x-huiying-signature': signature,
          };
          if (Object.values(headers).some((v) => /[^\t\x20-\x7e]/.test(v))) return;
          const answer = await send(ingest.url, raw, headers);
          if (source === 'open') return; // the unsigned sample source takes anything well-formed
          expect(answer.status).toBe(401);
          expectServedOrRefusedWithReason(answer, `source ${source}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('kept serving the steady sender throughout: every valid post accepted and on Kafka', async () => {
    const accepted = await steady.stop();
    expect(accepted.length).toBeGreaterThan(10);
    await eventually(
      async () => {
        const seen = new Set(output.posts.map((p) => p.id));
        return accepted.every((id) => seen.has(id)) ? true : undefined;
      },
      `all ${accepted.length} steady posts on posts.ingested`,
      30_000,
    );
    // And a fresh valid post right after the storm.
    const raw = Buffer.from(
      JSON.stringify({
        nativeId: 'after',
        text: '文县碧口镇发生山体滑坡，已造成12人死亡',
        publishedAt: '2026-07-01 14:30:00',
      }),
    );
    const answer = await send(ingest.url, raw, signed(raw));
    expect(answer).toMatchObject({ status: 202, json: { accepted: ['vendor:after'] } });
  });
});
