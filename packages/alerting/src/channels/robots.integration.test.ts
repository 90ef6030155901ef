import type { ChannelConfig } from './channel-config';
import { createSender } from './create-sender';
import { channel, noticeOf, roster } from '../testing/fixtures';
import { startLoopbackServer, type Handler, type LoopbackServer } from '../testing/loopback-server';
import { dingtalkReceiver, feishuReceiver, wecomReceiver, type RobotBehaviour } from '../testing/robot-receivers';

const KEY = 'c0ffee00-1111-2222-3333-444455556666';
const TOKEN = 'tok+en/with=chars';
const SECRET = 'SECa1b2c3d4e5f6+/=';
const HOUR = 3_600_000;

const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(handler: Handler): Promise<LoopbackServer> {
  const server = await startLoopbackServer(handler);
  servers.push(server);
  return server;
}

type Kind = 'wecom' | 'dingtalk' | 'feishu';
function receiverFor(kind: Kind, behaviour: RobotBehaviour): Handler {
  if (kind === 'wecom') return wecomReceiver(KEY, behaviour);
  if (kind === 'dingtalk') return dingtalkReceiver(TOKEN, SECRET, behaviour);
  return feishuReceiver(TOKEN, SECRET, behaviour);
}
function configFor(kind: Kind, baseUrl: string, patch: Record<string, unknown> = {}): ChannelConfig {
  const credentials = kind === 'wecom' ? { key: KEY } : kind === 'dingtalk' ? { accessToken: TOKEN, secret: SECRET } : { hookToken: TOKEN, secret: SECRET };
  return channel({ id: `${kind}-test`, kind, baseUrl, timeoutMs: 2_000, ...credentials, ...patch });
}
const delivery = (drill = false) => ({ notice: noticeOf({ drill }), recipients: roster.people, deliveryId: 'delivery-1' });

describe('robot senders against loopback imitations of the platforms', () => {
  type Row = [string, Kind, RobotBehaviour, Record<string, unknown>, { skewMs?: number }, string, number | string | undefined, number | undefined];
  it.each<Row>([
    // why                          kind        receiver            config patch                 sender   status        code     retryAfterMs
    ['delivered', 'wecom', {}, {}, {}, 'delivered', 0, undefined],
    ['wrong key', 'wecom', {}, { key: 'other-key' }, {}, 'permanent', 93000, undefined],
    ['system busy', 'wecom', { busyNext: 1 }, {}, {}, 'retryable', -1, undefined],
    ['delivered, signed', 'dingtalk', {}, {}, {}, 'delivered', 0, undefined],
    ['wrong 加签 secret', 'dingtalk', {}, { secret: 'SECwrong' }, {}, 'permanent', 310000, undefined],
    ['clock two hours behind', 'dingtalk', {}, {}, { skewMs: -2 * HOUR }, 'permanent', 310000, undefined],
    ['clock 50 minutes ahead is still inside the hour', 'dingtalk', {}, {}, { skewMs: 50 * 60_000 }, 'delivered', 0, undefined],
    ['throttled', 'dingtalk', { busyNext: 1 }, {}, {}, 'retryable', 130101, 600_000],
    ['wrong access token', 'dingtalk', {}, { accessToken: 'nope' }, {}, 'permanent', 300001, undefined],
    ['delivered, signed (legacy fields ignored)', 'feishu', {}, {}, {}, 'delivered', 0, undefined],
    ['wrong signature secret', 'feishu', {}, { secret: 'wrong' }, {}, 'permanent', 19021, undefined],
    ['clock two hours ahead', 'feishu', {}, {}, { skewMs: 2 * HOUR }, 'permanent', 19021, undefined],
    ['frequency limited', 'feishu', { busyNext: 1 }, {}, {}, 'retryable', 11232, 2_000],
    ['wrong hook token', 'feishu', {}, { hookToken: 'nope' }, {}, 'permanent', 19001, undefined],
  ])('%s: %s → %s %p', async (_why, kind, behaviour, patch, { skewMs }, status, code, retryAfterMs) => {
    const server = await serve(receiverFor(kind, behaviour));
    const sender = createSender(configFor(kind, server.baseUrl, patch), skewMs ? { now: () => Date.now() + skewMs } : {});
    const outcome = await sender.send(delivery());
    expect(outcome).toMatchObject({ status, channelId: `${kind}-test`, deliveryId: 'delivery-1', httpStatus: 200 });
    expect(outcome.providerCode).toBe(code);
    expect(outcome.status === 'retryable' ? outcome.retryAfterMs : undefined).toBe(retryAfterMs);
    expect(server.received).toHaveLength(1);
    // Outcomes are logged: they must never carry the webhook key, token or secret.
    for (const secret of [KEY, TOKEN, SECRET, encodeURIComponent(TOKEN)]) expect(JSON.stringify(outcome)).not.toContain(secret);
  });

  it.each<Kind>(['wecom', 'dingtalk', 'feishu'])('%s: the rate limit answers with a retryable outcome', async (kind) => {
    const server = await serve(receiverFor(kind, { perMinute: 2 }));
    const sender = createSender(configFor(kind, server.baseUrl));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await sender.send(delivery())).status);
    expect(statuses).toEqual(['delivered', 'delivered', 'retryable']);
  });

  it.each<Kind>(['wecom', 'dingtalk', 'feishu'])('%s: a receiver that stalls is cut off at the timeout', async (kind) => {
    const server = await serve(receiverFor(kind, { stall: true }));
    const outcome = await createSender(configFor(kind, server.baseUrl, { timeoutMs: 300 })).send(delivery());
    expect(outcome).toMatchObject({ status: 'retryable', reason: 'timed out after 300 ms' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(290);
    expect(outcome.durationMs).toBeLessThan(2_000);
  });

  it.each<Kind>(['wecom', 'dingtalk', 'feishu'])('%s: nobody listening is retryable', async (kind) => {
    const server = await serve(receiverFor(kind, {}));
    const baseUrl = server.baseUrl;
    await server.close();
    servers.pop();
    const outcome = await createSender(configFor(kind, baseUrl)).send(delivery());
    expect(outcome).toMatchObject({ status: 'retryable', reason: 'network error ECONNREFUSED' });
  });

  it.each<Kind>(['wecom', 'dingtalk', 'feishu'])('%s: a gateway error page without a code is retryable', async (kind) => {
    const server = await serve(() => ({ status: 502, text: '<html>502 Bad Gateway</html>' }));
    const outcome = await createSender(configFor(kind, server.baseUrl)).send(delivery());
    expect(outcome).toMatchObject({ status: 'retryable', httpStatus: 502 });
  });

  it('WeCom receives the key, the mentions and the drill mark', async () => {
    const server = await serve(receiverFor('wecom', {}));
    await createSender(configFor('wecom', server.baseUrl, { audience: 'drill' })).send(delivery(true));
    const body = JSON.parse(server.received[0]!.rawBody);
    expect(server.received[0]!.query.get('key')).toBe(KEY);
    expect(body.text.mentioned_list).toEqual(['zhangwei']);
    expect(body.text.content.startsWith('【演练】【紧急舆情预警】武都区滑坡致道路中断\n【演练】')).toBe(true);
  });

  it('DingTalk receives the sign percent-encoded exactly once, and @mentions in the text', async () => {
    const server = await serve(receiverFor('dingtalk', {}));
    const outcome = await createSender(configFor('dingtalk', server.baseUrl)).send(delivery());
    expect(outcome.status).toBe('delivered');
    const { rawQuery, rawBody } = server.received[0]!;
    const rawSign = /(?:^|&)sign=([^&]*)/.exec(rawQuery)![1]!;
    expect(rawSign).not.toMatch(/[+/=]/);
    expect(rawSign).not.toContain('%25');
    const body = JSON.parse(rawBody);
    expect(body.at.atMobiles).toEqual(['13800000002']);
    expect(body.text.content).toContain('@13800000002');
  });

  it('Feishu receives timestamp and sign in the body, seconds, and content as an object', async () => {
    const server = await serve(receiverFor('feishu', {}));
    await createSender(configFor('feishu', server.baseUrl)).send(delivery());
    const body = JSON.parse(server.received[0]!.rawBody);
    expect(body.timestamp).toMatch(/^\d{10}$/);
    expect(server.received[0]!.rawQuery).toBe('');
    expect(body.content.text).toContain('<at user_id="ou_chen">陈静</at>');
  });
});
