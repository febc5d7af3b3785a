import type { Config } from '../../config/schema.js';
import type { Logger } from '../../ports/logger.js';
import type { Mailer } from '../../ports/mailer.js';
import { LogMailer } from './log.js';
import { SmtpMailer } from './smtp.js';

export { LogMailer } from './log.js';
export { SmtpMailer } from './smtp.js';

/** The config keys a mailer is built from. */
export type MailerConfig = Pick<Config, 'smtpUrl' | 'mailFrom'>;

/** SMTP when a server is configured; otherwise the log mailer, for development. */
export function createMailer(config: MailerConfig, log: Logger): Mailer {
  return config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.mailFrom) : new LogMailer(log);
}
