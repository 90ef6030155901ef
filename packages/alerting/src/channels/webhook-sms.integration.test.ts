import { createHmac, timingSafeEqual } from 'node:crypto';
import { channel, noticeOf, roster } from '../testing/fixtures';
import { startLoopbackServer, type Handler, type LoopbackServer } from '../testing/loopback-server';
import { createSender } from './create-sender';
import { verifyWebhookSignature } from './signed-webhook';

const SECRET = 'whsec-3f9a1c0e7b2d4a68';
const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(handler: Handler): Promise<LoopbackServer> {
  const server = await startLoopbackServer(handler);
  servers.push(server);
  return server;
}
const delivery = (drill = false) => ({ notice: noticeOf({ drill }), recipients: roster.people, deliveryId: 'delivery-9' });

/** A receiver of our webhook that checks the signature the way channels.md prescribes. */
function webhookReceiver(secret: string, then: { status: number; text?: string } | 'stall' = { status: 204 }): Handler {
  return (req) => {
    const ts = String(req.headers['x-huiying-timestamp'] ?? '');
    const given = Buffer.from(String(req.headers['x-huiying-signature'] ?? ''));
    const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${ts}.${req.rawBody}`).digest('hex')}`);
    if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return { status: 401, text: 'stale timestamp' };
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { status: 401, text: 'bad signature' };
    return then;
  };
}

describe('signed generic webhook', () => {
  it.each([
    ['2xx from the receiver', SECRET, { status: 204 }, 'delivered', 204],
    ['a receiver with another secret rejects it', 'whsec-other-secret-xx', { status: 204 }, 'permanent', 401],
    ['503 is retried', SECRET, { status: 503, text: 'maintenance' }, 'retryable', 503],
    ['429 is retried', SECRET, { status: 429 }, 'retryable', 429],
    ['400 is not', SECRET, { status: 400, text: 'schema' }, 'permanent', 400],
  ] as const)('%s → %s', async (_why, receiverSecret, then, status, httpStatus) => {
    const server = await serve(webhookReceiver(receiverSecret, then));
    const sender = createSender(channel({ id: 'hook', kind: 'webhook', url: `${server.baseUrl}/alerts`, secret: SECRET }));
    const outcome = await sender.send(delivery());
    expect(outcome).toMatchObject({ status, httpStatus });
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
  });

  it('sends the delivery id, the payload, and a signature our verifier accepts', async () => {
    const server = await serve(webhookReceiver(SECRET));
    await createSender(channel({ id: 'hook', kind: 'webhook', audience: 'drill', url: `${server.baseUrl}/alerts`, secret: SECRET })).send(delivery(true));
    const req = server.received[0]!;
    expect(req.headers['x-huiying-delivery']).toBe('delivery-9');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    const payload = JSON.parse(req.rawBody);
    expect(payload).toMatchObject({ type: 'huiying.alert', version: 1, deliveryId: 'delivery-9', drill: true });
    expect(payload.title).toContain('【演练】');
    const verify = (secrets: string[], body = req.rawBody) =>
      verifyWebhookSignature({
        secrets,
        timestampHeader: String(req.headers['x-huiying-timestamp']),
        signatureHeader: String(req.headers['x-huiying-signature']),
        rawBody: body,
        nowMs: Date.now(),
      });
    expect(verify(['old-secret', SECRET])).toEqual({ ok: true });
    expect(verify(['old-secret'])).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verify([SECRET], req.rawBody.replace('delivery-9', 'delivery-8'))).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('a stalled receiver is cut off at the timeout', async () => {
    const server = await serve(webhookReceiver(SECRET, 'stall'));
    const outcome = await createSender(channel({ id: 'hook', kind: 'webhook', url: server.baseUrl, secret: SECRET, timeoutMs: 250 })).send(delivery());
    expect(outcome).toMatchObject({ status: 'retryable', reason: 'timed out after 250 ms' });
  });
});

/** An Alibaba-SendSms-like gateway: form body, bearer token, `Code` = `OK` only on success. */
function smsGateway(token: string): Handler {
  return (req) => {
    if (req.headers.authorization !== `Bearer ${token}`) return { status: 403, json: { Code: 'Forbidden.NoPermission', Message: 'no permission' } };
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return { status: 400, json: { Code: 'isv.INVALID_PARAMETERS' } };
    const form = new URLSearchParams(req.rawBody);
    const phones = (form.get('PhoneNumbers') ?? '').split(',').filter(Boolean);
    let param: Record<string, unknown>;
    try {
      param = JSON.parse(form.get('TemplateParam') ?? '');
    } catch {
      return { status: 200, json: { Code: 'isv.INVALID_JSON_PARAM', Message: 'JSON参数不合法' } };
    }
    if (phones.length === 0 || phones.some((p) => !/^1\d{10}$/.test(p))) return { status: 200, json: { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' } };
    if (typeof param.title !== 'string' || typeof param.level !== 'string')
      return { status: 200, json: { Code: 'isv.TEMPLATE_MISSING_PARAMETERS', Message: '模板缺少变量' } };
    if (phones.includes('13800000004') && form.get('SignName') === '限流测试') return { status: 200, json: { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发号码天级流控' } };
    return { status: 200, json: { Code: 'OK', Message: 'OK', BizId: '900619746936498440^0', RequestId: 'F655A8D5-B967-440B-8683-DAD6FF8DE990' } };
  };
}

describe('SMS gateway over HTTP', () => {
  const smsConfig = (url: string, patch: Record<string, unknown> = {}) =>
    channel({
      id: 'sms',
      kind: 'sms',
      url,
      format: 'form',
      headers: { Authorization: 'Bearer ${secret}' },
      body: { PhoneNumbers: '${phonesCsv}', SignName: '某市政府新闻办', TemplateCode: 'SMS_0000001', TemplateParam: { level: '${level}', title: '${title}' } },
      secret: 'sms-token',
      success: { field: 'Code', equals: ['OK'] },
      retryableCodes: ['isv.BUSINESS_LIMIT_CONTROL'],
      ...patch,
    });
  it.each([
    ['accepted', {}, 'delivered', 'OK'],
    ['rate control is retried', { body: { PhoneNumbers: '${phonesCsv}', SignName: '限流测试', TemplateParam: { level: '${level}', title: '${title}' } } }, 'retryable', 'isv.BUSINESS_LIMIT_CONTROL'],
    ['a template missing its variables is not', { body: { PhoneNumbers: '${phonesCsv}', TemplateParam: { level: '${level}' } } }, 'permanent', 'isv.TEMPLATE_MISSING_PARAMETERS'],
    ['a wrong token is not', { secret: 'other' }, 'permanent', 'Forbidden.NoPermission'],
  ])('%s → %s %s', async (_why, patch, status, code) => {
    const server = await serve(smsGateway('sms-token'));
    const outcome = await createSender(smsConfig(`${server.baseUrl}/sms`, patch)).send(delivery());
    expect(outcome).toMatchObject({ status });
    if (code !== 'Forbidden.NoPermission') expect(outcome.providerCode).toBe(code);
    else expect(outcome.httpStatus).toBe(403);
  });

  it('the gateway receives all numbers and the template variables as a JSON string', async () => {
    const server = await serve(smsGateway('sms-token'));
    await createSender(smsConfig(`${server.baseUrl}/sms`, { audience: 'drill' })).send(delivery(true));
    const form = new URLSearchParams(server.received[0]!.rawBody);
    expect(form.get('PhoneNumbers')).toBe('13800000001,13800000005,13800000003,13800000004');
    expect(JSON.parse(form.get('TemplateParam')!)).toEqual({ level: '紧急', title: '【演练】武都区滑坡致道路中断' });
  });

  it('a stalled gateway times out, and the reason warns it may have sent', async () => {
    const server = await serve(() => 'stall');
    const outcome = await createSender(smsConfig(server.baseUrl, { timeoutMs: 250 })).send(delivery());
    expect(outcome).toMatchObject({ status: 'retryable', reason: 'timed out after 250 ms; the gateway may have sent it' });
  });
});
