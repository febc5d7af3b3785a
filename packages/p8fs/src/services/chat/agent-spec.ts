import { DEFAULT_AGENT } from '@p8fs/contracts';
import type { AgentRow } from '../sql/agents.js';

/** An agent as chat runs it: built in (p8-system) or from a `p8-type: agent` document. */
export interface AgentSpec {
  name: string;
  description: string;
  /** The agent's own instructions (the shared rules are added by prompt.ts). */
  instructions: string;
  /** Tools the agent may call (by name); what a run offers is further limited by the caller's token. */
  tools: readonly string[];
  /** `provider:model`, or null for the server's default. */
  model: string | null;
  temperature: number | undefined;
  maxToolRounds: number | undefined;
  /** The answer must be JSON matching this schema. */
  outputSchema: Record<string, unknown> | null;
  builtin: boolean;
}

/** The built-in agent: every vault tool, save_memory included (offered only to tokens that may write). */
export const P8_SYSTEM: AgentSpec = {
  name: DEFAULT_AGENT,
  description: "P8FS's own assistant: answers from your vault with citations, and remembers what you ask it to.",
  instructions:
    "You are P8FS, the assistant of the user's personal memory vault: their files, notes, transcripts, moments, saved memories " +
    'and past chats. Answer from the vault. Use search first for anything the user saved, wrote, recorded or told you before; ' +
    'lookup and traverse for people, projects and how things link; list_moments for what happened when; rem_query for exact ' +
    'counts, dates or lists; get_resource to read a passage in full. If the vault has nothing on it, say so plainly.',
  tools: ['search', 'get_resource', 'lookup', 'traverse', 'rem_query', 'list_moments', 'save_memory'],
  model: null,
  temperature: undefined,
  maxToolRounds: undefined,
  outputSchema: null,
  builtin: true,
};

/** The agents every vault has, by name. */
export const BUILTIN_AGENTS: readonly AgentSpec[] = [P8_SYSTEM];

/** An agent document's row as chat runs it: tool names from strings or `{name}` objects, settings from metadata. */
export function agentFromRow(row: AgentRow): AgentSpec {
  const tools = row.tools.map((t) => (typeof t === 'string' ? t : String((t as { name?: unknown }).name ?? ''))).filter(Boolean);
  const m = row.metadata;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return {
    name: row.name,
    description: row.description,
    instructions: row.system_prompt || row.description,
    tools,
    model: typeof m.model === 'string' && m.model.trim() !== '' ? m.model.trim() : null,
    temperature: num(m.temperature),
    maxToolRounds: num(m.max_tool_rounds),
    outputSchema: row.output_schema && Object.keys(row.output_schema).length > 0 && row.output_schema.type ? row.output_schema : null,
    builtin: false,
  };
}
