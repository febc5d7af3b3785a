import { type ApprovalDto, FIRST_PARTY_CLIENT_ID } from '@p8fs/contracts';
import { displayText } from '../../../domain/display-text.js';

const AUDIENCE_NAMES = { api: 'the HTTP API', mcp: 'the MCP endpoint' } as const;

/**
 * What `p8fs approve` shows before asking: who asks (marked unverified unless it is the first-party
 * client), for which audience and scopes, and where a browser sign-in returns to. Every string the
 * server relays is cleaned again here: the name is the client's choice, and the server may be older.
 */
export function describeApproval(request: ApprovalDto): string {
  const name = displayText(request.client_name ?? '') || displayText(request.client_id ?? '') || 'a client';
  const verified = request.verified && request.client_id === FIRST_PARTY_CLIENT_ID;
  const who = verified ? name : `"${name}" (unverified: the app chose this name itself)`;
  const audience = request.audience.length ? request.audience.map((a) => AUDIENCE_NAMES[a]).join(' and ') : 'an unstated audience';
  const lines = [
    `${who} asks to sign in to your account`,
    `  for:        ${audience}`,
    `  scopes:     ${request.scope ? displayText(request.scope, 200) : '(none)'}`,
  ];
  if (request.redirect_host) lines.push(`  returns to: ${displayText(request.redirect_host)}`);
  lines.push(`  code ${displayText(request.user_code)}, expires ${displayText(request.expires_at)}`);
  return `${lines.join('\n')}\n`;
}
