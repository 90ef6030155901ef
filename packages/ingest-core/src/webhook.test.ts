import { createHmac } from 'node:crypto';
import { parseWebhookBody, signWebhook, verifyWebhook, webhookSignatureHeader } from './webhook';

const secret = 'source-secret-1';
const body = Buffer.from('{"text":"网传文县滑坡","publishedAt":"2026-11-26 08:00:00"}', 'utf8');
const nowMs = 1_790_000_000_000;
const ts = String(nowMs / 1000);

describe('webhook signature scheme', () => {
  it('is HMAC-SHA256 over timestamp + "." + raw body, hex', () => {
    const expected = createHmac('sha256', secret)
      .update(Buffer.concat([Buffer.from(`${ts}.`), body]))
      .digest('hex');
    expect(signWebhook(secret, ts, body)).toBe(expected);
    expect(webhookSignatureHeader(secret, ts, body)).toBe(`v1=${expected}`);
  });
});

describe('verifyWebhook', () => {
  const good = webhookSignatureHeader(secret, ts, body);
  const other = webhookSignatureHeader('other-secret', ts, body);
  it.each<[string, Partial<Parameters<typeof verifyWebhook>[0]>, string | true]>([
    ['a good signature', {}, true],
    ['a good signature among several (rotation on the sender)', { signature: `${other}, ${good}` }, true],
    ['any configured secret (rotation on the receiver)', { secrets: ['old', secret] }, true],
    ['4 min 59 s old', { nowMs: nowMs + 299_000 }, true],
    ['5 min 1 s old (a replay)', { nowMs: nowMs + 301_000 }, 'stale-timestamp'],
    ['6 min in the future', { nowMs: nowMs - 360_000 }, 'future-timestamp'],
    ['missing timestamp', { timestamp: undefined }, 'missing-timestamp'],
    ['timestamp in ms or text', { timestamp: '2026-11-26T00:00:00Z' }, 'malformed-timestamp'],
    ['missing signature', { signature: undefined }, 'missing-signature'],
    ['signature without v1=', { signature: good.slice(3) }, 'malformed-signature'],
    ['wrong secret', { signature: other }, 'bad-signature'],
    ['a body changed by one byte', { rawBody: Buffer.from(body.toString().replace('文县', '礼县')) }, 'bad-signature'],
    ['a timestamp changed after signing', { timestamp: String(Number(ts) + 1) }, 'bad-signature'],
    ['no secret configured', { secrets: [] }, 'no-secret'],
  ])('%s', (_name, over, expected) => {
    const verdict = verifyWebhook({ rawBody: body, timestamp: ts, signature: good, secrets: [secret], nowMs, ...over });
    if (expected === true) expect(verdict).toEqual({ ok: true, signedAtMs: nowMs });
    else expect(verdict).toEqual({ ok: false, reason: expected });
  });
});

describe('parseWebhookBody', () => {
  const post = { text: '网传文县滑坡', publishedAt: '2026-11-26 08:00:00' };

  it.each([
    ['one post', post, 1],
    ['a batch object', { posts: [post, { ...post, nativeId: 7, engagement: { likes: 3 } }] }, 2],
    ['a bare array', [post, post, post], 3],
    ['a title-only post', { title: '标题', text: '', publishedAt: 1_790_000_000 }, 1],
  ])('accepts %s', (_name, input, count) => {
    const result = parseWebhookBody(input);
    expect(result.ok && result.drafts.length).toBe(count);
  });

  it('lists every invalid field path of every post', () => {
    const result = parseWebhookBody({
      posts: [
        post,
        { text: 5, publishedAt: '' },
        { ...post, engagement: { likes: -1, reposts: 1.5 } },
        { title: '', text: ' ', publishedAt: 'x' },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path.join('.')).sort()).toEqual(
      [
        'posts.1.publishedAt',
        'posts.1.text',
        'posts.2.engagement.likes',
        'posts.2.engagement.reposts',
        'posts.3.text',
      ].sort(),
    );
  });

  it.each([
    ['null', null, ''],
    ['a string', 'hello', ''],
    ['posts not an array', { posts: {} }, 'posts'],
    ['an empty batch', { posts: [] }, 'posts'],
  ])('refuses %s', (_name, input, path) => {
    const result = parseWebhookBody(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.path.join('.')).toBe(path);
  });

  it('refuses a batch over the limit', () => {
    const result = parseWebhookBody(
      Array.from({ length: 11 }, () => post),
      10,
    );
    expect(result.ok === false && result.issues[0]?.reason).toBe('batch of 11 exceeds 10');
  });
});
