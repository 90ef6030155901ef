import { createHmac } from 'node:crypto';
import type { Handler, ReceivedRequest } from './loopback-server';

/**
 * Imitations of the robot endpoints, written from channels.md and independently of our senders:
 * each checks credentials, signature, clock window and body shape as the platform does, and
 * answers with the platform's success or error shape. `stall` switches a receiver to never answer.
 */
export interface RobotBehaviour {
  /** Messages accepted per rolling minute (or per `windowMs`) before the rate-limit code. */
  perMinute?: number;
  /** The rolling window `perMinute` counts in; default a minute. Tests shorten it. */
  windowMs?: number;
  /** Answer the next N requests with the platform's "system busy"/rate code. */
  busyNext?: number;
  stall?: boolean;
}

function rateGate(behaviour: RobotBehaviour) {
  const accepted: number[] = [];
  return () => {
    const now = Date.now();
    while (accepted.length > 0 && accepted[0]! <= now - (behaviour.windowMs ?? 60_000)) accepted.shift();
    if (accepted.length >= (behaviour.perMinute ?? 20)) return false;
    accepted.push(now);
    return true;
  };
}

function jsonBody(req: ReceivedRequest): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(req.rawBody);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function wecomReceiver(key: string, behaviour: RobotBehaviour = {}): Handler {
  const gate = rateGate(behaviour);
  return (req) => {
    if (behaviour.stall) return 'stall';
    const err = (errcode: number, errmsg: string) => ({ status: 200, json: { errcode, errmsg } });
    if (req.method !== 'POST' || req.path !== '/cgi-bin/webhook/send') return { status: 404, text: 'not found' };
    if (req.query.get('key') !== key) return err(93000, 'invalid webhook url, hint: [1759283999_1_x]');
    const body = jsonBody(req);
    if (!body) return err(40001, 'invalid json');
    if (body.msgtype !== 'text') return err(40008, 'invalid message type');
    const text = body.text as { content?: unknown } | undefined;
    if (typeof text?.content !== 'string' || text.content.length === 0) return err(44004, 'empty content');
    if (bytes(text.content) > 2048) return err(40058, 'content exceed max length 2048');
    if ((behaviour.busyNext ?? 0) > 0) {
      behaviour.busyNext = (behaviour.busyNext ?? 0) - 1;
      return err(-1, 'system busy');
    }
    if (!gate()) return err(45009, 'api freq out of limit');
    return err(0, 'ok');
  };
}

export function dingtalkReceiver(accessToken: string, secret: string, behaviour: RobotBehaviour = {}): Handler {
  const gate = rateGate(behaviour);
  return (req) => {
    if (behaviour.stall) return 'stall';
    const err = (errcode: number, errmsg: string) => ({ status: 200, json: { errcode, errmsg } });
    if (req.method !== 'POST' || req.path !== '/robot/send') return { status: 404, text: 'not found' };
    if (req.query.get('access_token') !== accessToken) return err(300001, 'token is not exist');
    const ts = req.query.get('timestamp') ?? '';
    const sign = req.query.get('sign') ?? ''; // URLSearchParams decodes exactly once, as DingTalk does
    if (!/^\d{13}$/.test(ts) || Math.abs(Date.now() - Number(ts)) > 3_600_000)
      return err(310000, 'description:机器人发送签名过期;solution:请使用正确的时间戳;');
    const expected = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
    if (sign !== expected) return err(310000, 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]');
    const body = jsonBody(req);
    if (!body || body.msgtype !== 'text') return err(40035, '缺少参数 json');
    const content = (body.text as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string' || content.length === 0) return err(40035, '缺少参数 content');
    if ((behaviour.busyNext ?? 0) > 0) {
      behaviour.busyNext = (behaviour.busyNext ?? 0) - 1;
      return err(130101, 'send too fast, exceed 20 times per minute');
    }
    if (!gate()) return err(130101, 'send too fast, exceed 20 times per minute');
    return err(0, 'ok');
  };
}

export function feishuReceiver(hookToken: string, secret: string, behaviour: RobotBehaviour = {}): Handler {
  const gate = rateGate(behaviour);
  return (req) => {
    if (behaviour.stall) return 'stall';
    const err = (code: number, msg: string, status = 200) => ({ status, json: { code, msg, data: {} } });
    if (req.method !== 'POST' || decodeURIComponent(req.path) !== `/open-apis/bot/v2/hook/${hookToken}`)
      return err(19001, 'param invalid: incoming webhook access token invalid');
    if (bytes(req.rawBody) > 20 * 1024) return err(9499, 'Bad Request', 400);
    const body = jsonBody(req);
    if (!body) return err(9499, 'Bad Request', 400);
    const ts = body.timestamp;
    if (typeof ts !== 'string' || !/^\d{10}$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 3600)
      return err(19021, 'sign match fail or timestamp is not within one hour from current time');
    const expected = createHmac('sha256', `${ts}\n${secret}`).update('').digest('base64');
    if (body.sign !== expected) return err(19021, 'sign match fail or timestamp is not within one hour from current time');
    const content = body.content as { text?: unknown } | undefined;
    if (body.msg_type !== 'text' || typeof content !== 'object' || typeof content?.text !== 'string')
      return err(9499, 'Bad Request', 400);
    if ((behaviour.busyNext ?? 0) > 0 || !gate()) {
      behaviour.busyNext = Math.max(0, (behaviour.busyNext ?? 0) - 1);
      return err(11232, 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]');
    }
    return { status: 200, json: { StatusCode: 0, StatusMessage: 'success', code: 0, msg: 'success', data: {}, Extra: null } };
  };
}
