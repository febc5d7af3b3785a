import { ApprovalDto } from '@p8fs/contracts';
import { describe, expect, it } from 'vitest';
import { describeApproval } from './approve-prompt.js';

// Issue 12, finding 7: `p8fs approve` prints what the server says about a request; the client's
// name is the client's own choice, so nothing in it may reach the terminal as a control sequence.

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

function dto(over: Partial<ApprovalDto>): ApprovalDto {
  return ApprovalDto.parse({
    user_code: 'WDJB-MJHT',
    kind: 'interaction',
    client_id: 'dyn-1',
    client_name: 'Claude',
    scope: 'vault:read vault:write',
    expires_at: '2026-01-01T00:00:00.000Z',
    verified: false,
    audience: ['mcp'],
    redirect_host: 'claude.ai',
    ...over,
  });
}

describe('p8fs approve: the prompt', () => {
  it('strips terminal escapes and bidi overrides from a name a (hostile or older) server sends raw', () => {
    const text = describeApproval(dto({ client_name: '\u001b]0;owned\u0007\u001b[1A\u001b[2K\rP8FS\u202e (trusted)\u009b2J' }));
    expect(text).not.toMatch(CONTROL);
    expect(text).toContain('P8FS (trusted)');
    expect(text).not.toContain('owned');
  });

  it('says the client is unverified and shows audience, scopes and redirect host', () => {
    const text = describeApproval(dto({}));
    expect(text).toMatch(/unverified/i);
    expect(text).toMatch(/MCP/);
    expect(text).toContain('vault:read vault:write');
    expect(text).toContain('claude.ai');
    expect(text).toContain('WDJB-MJHT');
  });

  it('the first-party client is not marked unverified; a device code shows no redirect', () => {
    const text = describeApproval(dto({ client_id: 'p8fs-cli', client_name: 'P8FS', verified: true, kind: 'device_code', audience: ['api'], redirect_host: null }));
    expect(text).not.toMatch(/unverified/i);
    expect(text).toMatch(/API/);
    expect(text).not.toMatch(/returns to/i);
  });

  it('a server that sends no audience or verification is treated as unverified', () => {
    const old = ApprovalDto.parse({ user_code: 'WDJB-MJHT', kind: 'device_code', client_id: 'x', client_name: 'X', scope: null, expires_at: 'soon' });
    expect(describeApproval(old)).toMatch(/unverified/i);
  });
});
