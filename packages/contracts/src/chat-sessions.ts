import { z } from 'zod';
import type { Citation, ToolRun, Usage } from './chat.js';
import { RemResult } from './rem.js';

/**
 * What a chat run yields as it goes, in order: start, then text, tool calls and tool results as they
 * happen, then done. The HTTP API turns these into OpenAI stream chunks; the CLI prints them.
 */
export type ChatEvent =
  | { type: 'start'; session_id: string; agent: string; model: string; retrieved: boolean }
  | { type: 'text'; delta: string }
  | { type: 'tool_call'; index: number; id: string; name: string; arguments: string }
  | { type: 'tool_result'; tool: ToolRun }
  | { type: 'done'; finish_reason: 'stop' | 'length'; usage: Usage; cost_usd: number | null; citations: Citation[]; session_id: string };

/** A stored chat session, as listed. */
export const SessionDto = z.object({
  id: z.string().uuid(),
  name: z.string().nullable(),
  agent: z.string().nullable(),
  model: z.string().nullable(),
  moment_id: z.string().uuid().nullable(),
  turns: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cost_usd: z.number(),
  latency_ms: z.number().int(),
  /** Messages before this position were compacted out of the model's context (still stored and searchable). */
  compacted_through: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type SessionDto = z.infer<typeof SessionDto>;

export const SessionList = z.object({ sessions: z.array(SessionDto), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
export type SessionList = z.infer<typeof SessionList>;

export const SessionListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});
export type SessionListQuery = z.output<typeof SessionListQuery>;

/** One stored message: what the user said, what the agent answered, each tool call and result. */
export const SessionMessageDto = z.object({
  seq: z.number().int(),
  turn: z.number().int(),
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  tool_calls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).nullable(),
  tool_call_id: z.string().nullable(),
  tool_name: z.string().nullable(),
  model: z.string().nullable(),
  prompt_tokens: z.number().int().nullable(),
  completion_tokens: z.number().int().nullable(),
  cost_usd: z.number().nullable(),
  latency_ms: z.number().int().nullable(),
  /** Set on a turn's last message when the turn ended in an error or was cancelled. */
  error: z.string().nullable(),
  compacted: z.boolean(),
  created_at: z.string(),
});
export type SessionMessageDto = z.infer<typeof SessionMessageDto>;

export const SessionDetail = SessionDto.extend({ messages: z.array(SessionMessageDto) });
export type SessionDetail = z.infer<typeof SessionDetail>;

/** POST /api/v1/rem/query with `ask`: a question in plain language for the query planner. */
export const RemAskRequest = z.object({
  ask: z.string().trim().min(1, 'ask must not be empty').max(2000),
  /** SQL: the row cap of each planned statement (default 100, at most 1000). */
  limit: z.number().int().min(1).max(1000).optional(),
});
export type RemAskRequest = z.input<typeof RemAskRequest>;

/** The planner's REM statements for a question, each run through the same guard as typed REM, with its rows. */
export const RemAskResult = z.object({
  ask: z.string(),
  plan: z.object({
    statements: z.array(z.string()).min(1),
    /** `provider:model` that planned them. */
    model: z.string(),
    /** What the planner said about its plan, if anything. */
    note: z.string().nullable(),
  }),
  results: z.array(RemResult),
  took_ms: z.number(),
});
export type RemAskResult = z.infer<typeof RemAskResult>;
