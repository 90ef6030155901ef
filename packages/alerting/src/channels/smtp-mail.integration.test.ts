import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { channel, noticeOf, roster } from '../testing/fixtures';
import { createSender } from './create-sender';

/** A self-signed certificate for 127.0.0.1, made fresh so nothing secret sits in the repo. */
let tls: { key: string; cert: string };
let certDir: string;
beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'huiying-smtp-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
  ], { stdio: 'ignore' });
  tls = { key: readFileSync(join(certDir, 'key.pem'), 'utf8'), cert: readFileSync(join(certDir, 'cert.pem'), 'utf8') };
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

interface Mailbox {
  port: number;
  mails: ParsedMail[];
  envelopes: string[][];
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) that parses what it receives. */
async function startMailbox(options: Partial<SMTPServerOptions>): Promise<Mailbox> {
  const mails: ParsedMail[] = [];
  const envelopes: string[][] = [];
  const server = new SMTPServer({
    logger: false,
    ...options,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          envelopes.push(session.envelope.rcptTo.map((r) => r.address));
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, envelopes, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const mailboxes: Mailbox[] = [];
afterEach(async () => {
  await Promise.all(mailboxes.splice(0).map((m) => m.close()));
});
async function mailbox(options: Partial<SMTPServerOptions>): Promise<Mailbox> {
  const m = await startMailbox(options);
  mailboxes.push(m);
  return m;
}

const checkPassword: SMTPServerOptions['onAuth'] = (auth, _session, callback) => {
  if (auth.username === 'huiying@news.example.gov.cn' && auth.password === 'auth-code-123') callback(null, { user: auth.username });
  else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
};
const mailChannel = (port: number, patch: Record<string, unknown>) =>
  channel({ id: 'mail', kind: 'email', host: '127.0.0.1', port, from: '"回应舆情系统" <huiying@news.example.gov.cn>', timeoutMs: 3_000, ...patch });
const delivery = (drill = false, recipients = roster.people) => ({ notice: noticeOf({ drill }), recipients, deliveryId: 'mail-1' });

describe('e-mail over SMTP', () => {
  type Setup = () => [Partial<SMTPServerOptions>, Record<string, unknown>];
  const auth = { user: 'huiying@news.example.gov.cn', password: 'auth-code-123' };
  it.each<[string, Setup]>([
    ['plain internal relay', () => [{ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'] }, { tls: 'none-internal-relay' }]],
    ['STARTTLS on submission with the authorization code', () => [{ ...tls, onAuth: checkPassword }, { tls: 'starttls', caPem: tls.cert, ...auth }]],
    ['implicit TLS with the authorization code', () => [{ secure: true, ...tls, onAuth: checkPassword }, { tls: 'implicit', caPem: tls.cert, ...auth }]],
  ])('%s: delivered, the Chinese subject and drill mark intact', async (_why, setup) => {
    const [serverOptions, patch] = setup();
    const server = await mailbox(serverOptions);
    const outcome = await createSender(mailChannel(server.port, { ...patch, audience: 'drill' })).send(delivery(true));
    expect(outcome).toMatchObject({ status: 'delivered', channelKind: 'email', providerCode: '250' });
    expect(server.mails).toHaveLength(1);
    const mail = server.mails[0]!;
    expect(mail.subject).toBe('【演练】【紧急舆情预警】武都区滑坡致道路中断');
    expect(mail.text).toContain('本条为演练消息');
    expect(mail.headers.get('x-huiying-delivery')).toBe('mail-1');
    expect(server.envelopes[0]).toEqual(['lina@news.example.gov.cn', 'wangqiang@news.example.gov.cn']);
  });

  it.each([
    ['a wrong authorization code', {}, { password: 'wrong' }, 'permanent', 535],
    ['every recipient refused for good', { onRcptTo: refuse(550) }, {}, 'permanent', 550],
    ['every recipient deferred (greylisting)', { onRcptTo: refuse(451) }, {}, 'retryable', 451],
  ])('%s → %s %s', async (_why, serverOptions, patch, status, code) => {
    const server = await mailbox({ ...serverOptions, key: tls.key, cert: tls.cert, onAuth: checkPassword });
    const outcome = await createSender(mailChannel(server.port, { tls: 'starttls', caPem: tls.cert, ...auth, ...patch })).send(delivery());
    expect(outcome).toMatchObject({ status, providerCode: code });
    expect(JSON.stringify(outcome)).not.toContain('auth-code-123');
  });

  it('one refused recipient among several: not retried, since the others already have it', async () => {
    const server = await mailbox({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], onRcptTo: refuse(550, 'wangqiang@news.example.gov.cn') });
    const outcome = await createSender(mailChannel(server.port, { tls: 'none-internal-relay' })).send(delivery());
    expect(outcome).toMatchObject({ status: 'permanent', reason: 'smtp rejected 1 of 2 recipients' });
    expect(server.envelopes[0]).toEqual(['lina@news.example.gov.cn']);
  });

  it('a server that never greets is cut off at the timeout', async () => {
    const sockets: Socket[] = [];
    const silent: TcpServer = createTcpServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const outcome = await createSender(mailChannel(port, { tls: 'none-internal-relay', timeoutMs: 400 })).send(delivery());
      expect(outcome.status).toBe('retryable');
      expect(outcome.durationMs).toBeGreaterThanOrEqual(390);
      expect(outcome.durationMs).toBeLessThan(3_000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('nobody listening is retryable; no e-mail address is permanent', async () => {
    const server = await startMailbox({ authOptional: true });
    const port = server.port;
    await server.close();
    const down = await createSender(mailChannel(port, { tls: 'none-internal-relay' })).send(delivery());
    expect(down.status).toBe('retryable');
    expect(down.status === 'retryable' && down.reason).toMatch(/ECONNREFUSED/);
    const nobody = await createSender(mailChannel(port, { tls: 'none-internal-relay' })).send(delivery(false, roster.people.filter((p) => !p.contacts.email)));
    expect(nobody).toMatchObject({ status: 'permanent', reason: 'no recipient has an e-mail address' });
  });
});

function refuse(code: number, only?: string): SMTPServerOptions['onRcptTo'] {
  return (address, _session, callback) => {
    if (only === undefined || address.address === only)
      callback(Object.assign(new Error(code >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: code }));
    else callback();
  };
}
