import type { AccessClaims, ApprovalDecision, AuthorizationServer, IssuedTokens, PendingApproval } from '../../ports/authorization-server.js';
import type { Clock } from '../../ports/clock.js';
import type { MailMessage, Mailer } from '../../ports/mailer.js';

/** An AuthorizationServer that records what the services ask of it. */
export class FakeAuthServer implements AuthorizationServer {
  readonly issuer = 'http://p8fs.test';
  readonly resources = { api: 'http://p8fs.test/api', mcp: 'http://p8fs.test/mcp' };
  readonly issued: Parameters<AuthorizationServer['issueTokens']>[0][] = [];
  readonly settled: { approval: PendingApproval; decision: ApprovalDecision }[] = [];
  readonly revoked: string[] = [];

  async issueTokens(input: Parameters<AuthorizationServer['issueTokens']>[0]): Promise<IssuedTokens> {
    this.issued.push(input);
    return { access_token: `at-${input.deviceId}`, refresh_token: `rt-${input.deviceId}`, token_type: 'Bearer', expires_in: 3600, scope: input.scope };
  }

  async settle(approval: PendingApproval, decision: ApprovalDecision): Promise<void> {
    this.settled.push({ approval, decision });
  }

  async verifyAccessToken(): Promise<AccessClaims> {
    throw new Error('not used by these tests');
  }

  async revokeDevice(deviceId: string): Promise<void> {
    this.revoked.push(deviceId);
  }
}

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(private t = new Date('2030-01-01T00:00:00Z')) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t = new Date(this.t.getTime() + ms);
  }
}

/** A mailer that keeps messages in memory. */
export class MemoryMailer implements Mailer {
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.sent.push(message);
  }
  async close(): Promise<void> {}
}

/** The 6-digit code in a sign-in e-mail. */
export function codeIn(text: string): string {
  const m = /sign-in code is (\d{6})/.exec(text);
  if (!m) throw new Error(`no code in: ${text}`);
  return m[1]!;
}
