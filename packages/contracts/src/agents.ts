import { z } from 'zod';

/** A tool an agent may call: its name, or an object with a name and its settings. */
export const AgentTool = z.union([z.string().trim().min(1).max(200), z.looseObject({ name: z.string().trim().min(1).max(200) })]);

const record = z.record(z.string(), z.unknown());

/**
 * A `p8-type: agent` YAML/JSON document. Both shapes seen in the wild are read: the one the MCP
 * prompt create_agent drafts (name, title, description, instructions, tools, output) and the
 * original's JSON-schema form (short_name, description as the prompt, properties, version,
 * use_in_dreaming, priority).
 */
export const AgentDocument = z.object({
  name: z.string().trim().min(1, 'name (or short_name) must not be empty').max(200).optional(),
  short_name: z.string().trim().min(1).max(200).optional(),
  title: z.string().trim().max(500).optional(),
  description: z.string().max(20_000).default(''),
  instructions: z.string().max(200_000).optional(),
  system_prompt: z.string().max(200_000).optional(),
  output_schema: record.nullish(),
  output: z.union([z.string().max(20_000), record]).optional(),
  properties: record.optional(),
  required: z.array(z.string()).optional(),
  tools: z.array(AgentTool).max(200).default([]),
  // Chat settings (decision 0019). Checked loosely: documents written before chat existed may carry
  // other values here, and must still be stored; chat says what is wrong when it runs the agent.
  /** `provider:model` the agent runs on (default: the server's P8FS_CHAT_MODEL). */
  model: z.string().trim().min(1).max(200).optional().catch(undefined),
  temperature: z.number().min(0).max(2).optional().catch(undefined),
  /** Tool rounds one request may take (at most the server's P8FS_CHAT_MAX_TOOL_ROUNDS). */
  max_tool_rounds: z.number().int().min(0).max(50).optional().catch(undefined),
  version: z.union([z.string(), z.number()]).optional(),
  use_in_dreaming: z.boolean().optional(),
  priority: z.number().int().min(1).max(3).optional(),
  metadata: record.default({}),
}).refine((a) => a.name ?? a.short_name, { message: 'an agent needs a name (or short_name)', path: ['name'] });
export type AgentDocument = z.output<typeof AgentDocument>;

/** An agent definition as the API shows it. */
export const AgentDto = z.object({
  id: z.string().uuid(),
  name: z.string(),
  description: z.string(),
  system_prompt: z.string(),
  output_schema: record.nullable(),
  tools: z.array(z.unknown()),
  metadata: record,
  created_at: z.string(),
  updated_at: z.string(),
});
export type AgentDto = z.infer<typeof AgentDto>;

export const AgentList = z.object({ agents: z.array(AgentDto) });
export type AgentList = z.infer<typeof AgentList>;
