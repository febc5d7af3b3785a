import type { Actor } from './actor.js';
import { AppError } from './errors.js';

/**
 * What a service method needs from its caller. `vault:read` and `vault:write` are OAuth scopes a
 * person grants; `account` (devices, approvals, access tokens) is not a scope anyone can ask for:
 * it needs a first-party sign-in that may also write.
 */
export type Permission = 'vault:read' | 'vault:write' | 'account';

/** Whether the actor may do what the permission covers. The local owner ('*') may do everything. */
export function hasPermission(actor: Actor, need: Permission): boolean {
  if (actor.scopes.includes('*')) return true;
  if (need === 'account') return actor.firstParty && actor.scopes.includes('vault:write');
  return actor.scopes.includes(need);
}

/**
 * Services call this first: a token without the permission gets `forbidden` (403 over HTTP, an MCP
 * tool error, CLI exit code) naming what was missing, whichever surface it came through.
 */
export function requirePermission(actor: Actor, need: Permission): void {
  if (hasPermission(actor, need)) return;
  const message = need === 'account'
    ? 'managing devices, approvals and access tokens needs a sign-in through P8FS itself (p8fs login, the web app); assistants and personal access tokens cannot'
    : `this token lacks the ${need} scope; sign in again granting it`;
  throw new AppError('forbidden', message, { required_scope: need });
}
