import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { webhookSignatureHeader } from '@huiying/ingest-core';
import { createMetricsRegistry } from '@huiying/telemetry';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createIngestService, SourceDefinition } from '@huiying/ingest';
import {
  TEST_REDIS_URL,
  isolatedDatabase,
  isolatedTopics,
  isolationName,
} from '../../embedded/src/testing/real-services';
import type { SourceDefinitionInput } from '../../ingest/src/sources/source-definition';
import { dropRedisKeys } from '../../ingest/src/testing/ingest-harness';

jest.setTimeout(120_000);

const SECRET = 'attack-vendor-secret-0123456789';
const ADMIN_KEY = 'attack-admin-key-0123456789';

/**
 * Attacks on ingest as production wires it: no SSRF allow-list (the shared test harness allows
 * 127.0.0.0/8 for its feed servers; this one does not), log lines captured to check what an
 * operator would see.
 */
describe('ingest under attack', () => {
  const name = isolationName('ingest_attack');
  const redisPrefix = `${name}:`;
  const logLines: Array<Record<string, unknown>> = [];
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let bus: ReturnType<Awaited<ReturnType<typeof isolatedTopics>>['bus']>;
  let redis: Redis;
  let service: Awaited<ReturnType<typeof createIngestService>>;
  let url = '';
  /** A feed on loopback: it must never be asked for anything. */
  let internal: Server;
  const internalHits: string[] = [];

  beforeAll(async () => {
    internal = createServer((req, res) => {
      internalHits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.end(
        '<rss version="2.0"><channel><title>内网</title><item><guid>1</guid><title>内部</title></item></channel></rss>',
      );
    });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', () => r()));
    const internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/rss.xml`;

    database = await isolatedDatabase(name);
    topics = await isolatedTopics(`${name}.`);
    bus = topics.bus('ingest-attack');
    redis = new Redis(TEST_REDIS_URL, { enableAutoPipelining: true });
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const sources: SourceDefinitionInput[] = [
      { id: 'vendor', name: '监测服务商', kind: 'webhook', secrets: [SECRET] },
      // Configured by mistake or by an insider: the poller must refuse it at start.
      {
        id: 'metadata',
        name: '云元数据',
        kind: 'json',
        url: 'http://169.254.169.254/latest/meta-data/iam/',
        mapping: { text: 'text' },
        cursor: { kind: 'none' },
      },
      { id: 'loopback', name: '本机', kind: 'rss', url: internalUrl },
    ];
    service = await createIngestService({
      bus,
      db: database.db,
      redis,
      logger: pino({ level: 'info' }, sink),
      registry: createMetricsRegistry('ingest-attack', false),
      sources: sources.map((s) => SourceDefinition.parse(s)),
      dedup: { keyPrefix: redisPrefix, windowMs: 600_000, hammingThreshold: 3 },
      maxBodyBytes: 64 * 1024,
      adminApiKey: ADMIN_KEY,
      ssrfAllow: [],
      polling: true,
      reloadIntervalMs: 0,
      firstPollDelayMs: 0,
    });
    await service.start();
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${((service.app.server as Server).address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.quit();
    await bus?.close();
    await topics?.drop();
    await database?.drop();
    await dropRedisKeys(redisPrefix);
    await new Promise((r) => internal?.close(r));
  });

  async function push(raw: Buffer, headers: Record<string, string>) {
    const response = await fetch(`${url}/ingest/v1/posts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-huiying-source': 'vendor', ...headers },
      body: raw,
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }
  const signedAt = (raw: Buffer, ts: number, secret = SECRET) => ({
    'x-huiying-timestamp': String(ts),
    'x-huiying-signature': webhookSignatureHeader(secret, String(ts), raw),
  });
  const now = () => Math.floor(Date.now() / 1000);

  it.each([
    ['loopback', 'http://127.0.0.1:8080/rss.xml'],
    ['loopback by name', 'http://localhost/rss.xml'],
    ['loopback as one number', 'http://2130706433/rss.xml'],
    ['loopback in hex', 'http://0x7f.0.0.1/rss.xml'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['cloud metadata, IPv4-mapped IPv6', 'http://[::ffff:169.254.169.254]/latest/meta-data/'],
    ['cloud metadata with credentials in the URL', 'http://user:pass@169.254.169.254/'],
    ['IPv6 loopback', 'http://[::1]/rss.xml'],
  ])('refuses a source pointing at %s (%s) through the sources API, with the reason', async (_what, target) => {
    const response = await fetch(`${url}/ingest/v1/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'probe', name: '探测', kind: 'rss', url: target }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(
      /private|loopback|link-local|metadata|not allowed|not accepted|refused|reserved/i,
    );
    const list = await (
      await fetch(`${url}/ingest/v1/sources/probe`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    ).status;
    expect(list).toBe(404);
  });

  it('never polls a configured source that points at 169.254.169.254 or 127.0.0.1, and logs why', async () => {
    await new Promise((r) => setTimeout(r, 1_500));
    expect(service.fleet!.state('metadata')).toBeUndefined();
    expect(service.fleet!.state('loopback')).toBeUndefined();
    expect(service.fleet!.refusal('metadata')).toEqual(expect.stringMatching(/\S/));
    expect(service.fleet!.refusal('loopback')).toEqual(expect.stringMatching(/\S/));
    expect(internalHits).toEqual([]);
    const refusals = logLines
      .filter((l) => l.msg === 'source URL refused by the SSRF guard; not polling')
      .map((l) => l.source);
    expect(refusals.sort()).toEqual(['loopback', 'metadata']);
  });

  it('refuses a forged signature (the wrong secret) and logs source, reason and address', async () => {
    const raw = Buffer.from(JSON.stringify({ nativeId: 'forged', text: '网传文县发生爆炸' }));
    const answer = await push(raw, signedAt(raw, now(), 'attacker-secret-0123456789'));
    expect(answer).toEqual({ status: 401, json: { error: 'bad_signature', reason: 'bad-signature' } });
    expect(logLines).toContainEqual(
      expect.objectContaining({
        msg: 'webhook refused: signature',
        source: 'vendor',
        reason: 'bad-signature',
        ip: '127.0.0.1',
      }),
    );
  });

  it('refuses an expired signature (a capture replayed 6 minutes later) and logs it', async () => {
    const raw = Buffer.from(JSON.stringify({ nativeId: 'late', text: '网传文县发生爆炸' }));
    const answer = await push(raw, signedAt(raw, now() - 360));
    expect(answer).toEqual({ status: 401, json: { error: 'bad_signature', reason: 'stale-timestamp' } });
    expect(logLines).toContainEqual(
      expect.objectContaining({ msg: 'webhook refused: signature', source: 'vendor', reason: 'stale-timestamp' }),
    );
  });

  // Each signed request is remembered in Redis for twice the tolerance; only a 202 keeps it.
  it('refuses a request replayed within the 5-minute window, and logs it', async () => {
    const raw = Buffer.from(
      JSON.stringify({
        nativeId: 'captured',
        text: '文县碧口镇发生山体滑坡，已造成12人死亡',
        publishedAt: '2026-07-01 14:30:00',
      }),
    );
    const headers = signedAt(raw, now());
    expect(await push(raw, headers)).toEqual({ status: 202, json: { accepted: ['vendor:captured'] } });
    const replay = await push(raw, headers);
    expect(replay.status).toBe(401);
    expect(replay.json).toMatchObject({ error: 'bad_signature', reason: 'replayed' });
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'webhook refused: signature', source: 'vendor', reason: 'replayed' }));
  });
});
