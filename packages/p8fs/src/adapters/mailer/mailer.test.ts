import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../ports/logger.js';
import { createMailer, LogMailer, SmtpMailer } from './index.js';
import { startTestSmtp, type TestSmtp } from './test-smtp.fixture.js';

describe('SmtpMailer', () => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startTestSmtp();
  });
  afterAll(() => smtp.close());

  it('delivers a plain-text message to a real SMTP server', async () => {
    const mailer = new SmtpMailer(smtp.url, 'P8FS <no-reply@p8fs.test>');
    await mailer.send({ to: 'ada@example.org', subject: 'Your P8FS sign-in code', text: 'Your P8FS sign-in code is 123456' });
    await mailer.close();
    const mail = await smtp.next();
    expect(mail.envelopeFrom).toBe('no-reply@p8fs.test');
    expect(mail.envelopeTo).toEqual(['ada@example.org']);
    expect(mail.raw).toMatch(/^Subject: Your P8FS sign-in code\r?$/m);
    expect(mail.raw).toContain('Your P8FS sign-in code is 123456');
  });

  it('fails the send when the server refuses the recipient', async () => {
    const refusing = new SMTPServer({
      authOptional: true, secure: false, disabledCommands: ['STARTTLS'], logger: false,
      onRcptTo: (_a, _s, cb) => cb(new Error('no such mailbox')),
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const port = (refusing.server.address() as AddressInfo).port;
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}?ignoreTLS=true`, 'no-reply@p8fs.test');
    await expect(mailer.send({ to: 'x@example.org', subject: 's', text: 't' })).rejects.toThrow(/no such mailbox/);
    await mailer.close();
    await new Promise<void>((r) => refusing.close(r));
  });
});

describe('LogMailer and createMailer', () => {
  it('logs the message at warn level when no SMTP server is configured', async () => {
    const warned: unknown[] = [];
    const log: Logger = { debug() {}, info() {}, warn: (o) => void warned.push(o), error() {}, child: () => log };
    const mailer = createMailer({ smtpUrl: undefined, mailFrom: 'x@y' }, log);
    expect(mailer).toBeInstanceOf(LogMailer);
    await mailer.send({ to: 'ada@example.org', subject: 's', text: 'code 654321' });
    expect(warned).toEqual([{ to: 'ada@example.org', subject: 's', text: 'code 654321' }]);
  });

  it('uses SMTP when a URL is set', async () => {
    const log: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => log };
    const mailer = createMailer({ smtpUrl: 'smtp://127.0.0.1:25', mailFrom: 'x@y' }, log);
    expect(mailer).toBeInstanceOf(SmtpMailer);
    await mailer.close();
  });
});
