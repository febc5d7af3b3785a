import type { Logger } from '../../ports/logger.js';
import type { MailMessage, Mailer } from '../../ports/mailer.js';

/**
 * Development mailer: no SMTP server is configured, so the message (sign-in code included) goes to
 * the log at warn level, where the person running the server can read it and where it stands out as
 * something that must not happen in production.
 */
export class LogMailer implements Mailer {
  constructor(private readonly log: Logger) {}

  async send(message: MailMessage): Promise<void> {
    this.log.warn({ to: message.to, subject: message.subject, text: message.text }, 'e-mail not sent (no SMTP configured); logged instead');
  }

  async close(): Promise<void> {}
}
