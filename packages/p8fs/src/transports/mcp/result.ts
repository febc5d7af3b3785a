import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Actor } from '../../domain/actor.js';
import { isAppError } from '../../domain/errors.js';
import { requirePermission } from '../../domain/scopes.js';
import type { Logger } from '../../ports/logger.js';

/** A successful tool answer: text for the model, the same facts as JSON for hosts that read structuredContent. */
export function ok(text: string, structured?: Record<string, unknown>): CallToolResult {
  return structured ? { content: [{ type: 'text', text }], structuredContent: structured } : { content: [{ type: 'text', text }] };
}

/**
 * Run a tool body and turn failures into MCP tool errors (isError), which the model sees and can
 * act on. AppError messages are written for users; anything else is logged and reported as an
 * internal error, so database or stack details never reach the host.
 */
export async function guard(log: Logger, tool: string, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    if (isAppError(err)) return { content: [{ type: 'text', text: `${err.code}: ${err.message}` }], isError: true };
    log.error({ err, tool }, 'mcp: tool failed');
    return { content: [{ type: 'text', text: 'internal: the tool failed; the server log has the details' }], isError: true };
  }
}

/**
 * Writes need vault:write. The services check it too; tools check first so a refused write does no
 * work (no blob is streamed, no note is built) before the answer.
 */
export function requireWrite(actor: Actor): void {
  requirePermission(actor, 'vault:write');
}
