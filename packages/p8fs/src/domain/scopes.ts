import type { Actor } from './actor.js';
import { AppError } from './errors.js';

/**
 * What a service method needs from its caller. `vault:read` and `vault:write` are OAuth scopes a
 * person grants; `account` (devices, approvals, access tokens) is not a scope anyone can ask for:
 * it needs a first-party sign-in that may also write. `sync` (the relay of an end-to-end vault,
 * decision 0018) needs the same first-party sign-in, of a device of an E2E vault.
 */
export type Permission = 'vault:read' | 'vault:write' | 'account' | 'sync';

/** Whether the actor may do what the permission covers. The local owner ('*') may do everything. */
export function hasPermission(actor: Actor, need: Permission): boolean {
  if (actor.scopes.includes('*')) return true;
  if (need === 'account' || need === 'sync') return actor.firstParty && actor.scopes.includes('vault:write');
  return actor.scopes.includes(need);
}

/**
 * The server's refusal to read or write an end-to-end vault: it holds ciphertext only, so a search,
 * a file, a REM query or an assistant's tool call could only ever answer with nothing. It says why
 * and what to use instead.
 */
export function serverBlind(): AppError {
  return new AppError(
    'e2e.server_blind',
    'this vault is end-to-end encrypted: the server holds only ciphertext it cannot read, search or change. ' +
      'Use the vault on one of your devices instead: p8fs search, p8fs rem, p8fs files, p8fs chat, or p8fs mcp for assistants ' +
      '(after p8fs sync), all on the device\'s own replica',
  );
}

/**
 * Services call this first: a token without the permission gets `forbidden` (403 over HTTP, an MCP
 * tool error, CLI exit code) naming what was missing, whichever surface it came through. An actor
 * of an end-to-end vault is refused every vault read and write (`e2e.server_blind`), and an actor
 * of a server-mode vault the relay (`e2e.not_enabled`).
 */
export function requirePermission(actor: Actor, need: Permission): void {
  if (!hasPermission(actor, need)) {
    const message = need === 'account'
      ? 'managing devices, approvals and access tokens needs a sign-in through P8FS itself (p8fs login, the web app); assistants and personal access tokens cannot'
      : need === 'sync'
        ? 'syncing an end-to-end vault needs a sign-in of one of its devices through P8FS itself (p8fs register --e2e, p8fs login)'
        : `this token lacks the ${need} scope; sign in again granting it`;
    throw new AppError('forbidden', message, { required_scope: need });
  }
  // The local owner ('*') acts on its own server-mode vault; only tokens carry an E2E vault's mode.
  if ((need === 'vault:read' || need === 'vault:write') && actor.vaultMode === 'e2e') throw serverBlind();
  if (need === 'sync' && actor.vaultMode !== 'e2e') {
    throw new AppError('e2e.not_enabled', 'this vault is not end-to-end encrypted: it has no sync relay (create one with p8fs register --e2e)');
  }
}
