import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { App } from '../../app.js';
import type { Actor } from '../../domain/actor.js';
import { VERSION } from '../../version.js';
import { registerMomentTools } from './moment-tools.js';
import { registerPrompts } from './prompts.js';
import { registerReadTools } from './read-tools.js';
import { registerRemTools } from './rem-tools.js';
import { registerResources } from './resources.js';
import { registerWriteTools } from './write-tools.js';

const INSTRUCTIONS =
  "P8FS is the user's personal memory vault: their files, notes, transcripts and saved memories, parsed and indexed. " +
  'Use search before answering questions about things the user saved or told you before, and cite the source uri of each hit. ' +
  'Use lookup, traverse and list_moments for people, links and episodes, rem_query for exact or counted answers, ' +
  'and save_memory to remember durable facts the user wants kept.';

/**
 * An MCP server whose tools act for one actor. The tenant comes only from the actor (the verified
 * token, or the local owner for stdio): no tool takes a tenant, so a model cannot reach another vault.
 */
export interface McpServerOptions {
  /** The server's public URL, for links a user opens outside the host (upload links); none on stdio. */
  baseUrl?: string;
}

export function createMcpServer(app: App, actor: Actor, opts: McpServerOptions = {}): McpServer {
  const server = new McpServer({ name: 'p8fs', title: 'P8FS memory vault', version: VERSION }, { instructions: INSTRUCTIONS, capabilities: { logging: {} } });
  registerReadTools(server, app, actor);
  registerWriteTools(server, app, actor, opts);
  registerResources(server, app, actor);
  registerMomentTools(server, app, actor);
  registerRemTools(server, app, actor);
  registerPrompts(server);
  return server;
}
