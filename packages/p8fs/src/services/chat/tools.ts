import { z } from 'zod';
import type { Actor } from '../../domain/actor.js';
import { hasPermission } from '../../domain/scopes.js';
import type { ModelTool } from '../../ports/chat-model.js';
import type { MemoriesService } from '../memories.js';
import type { MomentsService } from '../moments.js';
import type { RemService } from '../rem/engine.js';
import type { ResourcesService } from '../resources.js';
import type { SearchService } from '../search.js';
import type { Cite } from './tool-text.js';
import { VAULT_TOOLS } from './tools-vault.js';

/** The services the agent's tools call: the same ones the MCP tools call. */
export interface ToolServices {
  search: SearchService;
  rem: RemService;
  moments: MomentsService;
  resources: ResourcesService;
  memories: MemoriesService;
}

/** What a tool runs with: the caller (never anyone else), the request's signal, and the run's citation numbers. */
export interface ToolContext {
  actor: Actor;
  signal: AbortSignal;
  cite: Cite;
}

export interface ToolOutcome {
  /** What the model reads. */
  text: string;
  /** One line for people (the CLI, the stream's tool result). */
  summary: string;
  /** The citation numbers this result showed. */
  sources: number[];
}

/** One tool an agent may call. Arguments are checked with `schema` before `run` sees them. */
export interface AgentTool {
  name: string;
  description: string;
  schema: z.ZodType;
  /** Writes to the vault: offered only when the token has vault:write and the agent lists it. */
  write: boolean;
  run(services: ToolServices, ctx: ToolContext, args: never): Promise<ToolOutcome>;
}

/** Every tool an agent can have, listed explicitly (house rule 8). */
export const AGENT_TOOLS: readonly AgentTool[] = VAULT_TOOLS;

/**
 * The tools one run offers: those the agent lists, and of the write tools only what the caller's
 * token may do. A tool not offered does not exist for the model: a call to it (a prompt injection
 * asking to save or delete, a hallucinated name) is answered with an error and never runs.
 */
export function offeredTools(agentTools: readonly string[], actor: Actor): AgentTool[] {
  const listed = new Set(agentTools);
  return AGENT_TOOLS.filter((t) => listed.has(t.name) && (!t.write || hasPermission(actor, 'vault:write')));
}

/** A tool as the model sees it: name, description and JSON Schema of its arguments. */
export function modelTool(t: AgentTool): ModelTool {
  const { $schema: _drop, ...parameters } = z.toJSONSchema(t.schema, { io: 'input' }) as Record<string, unknown>;
  return { name: t.name, description: t.description, parameters };
}
