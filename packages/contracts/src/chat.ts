import { z } from 'zod';

/**
 * The OpenAI chat-completions wire shapes P8FS answers at POST /api/v1/chat/completions, so any
 * OpenAI client (the official SDKs, Open WebUI, LibreChat) talks to a P8FS agent unchanged. Only what
 * P8FS reads is checked; unknown fields pass, as OpenAI adds fields often. P8FS's own additions ride
 * in a `p8fs` object, which OpenAI clients ignore.
 */

/** The agent a request runs when it names none. */
export const DEFAULT_AGENT = 'p8-system';

const TextPart = z.looseObject({ type: z.literal('text'), text: z.string().max(400_000) });
// Images, audio and files are accepted on the wire and replaced by a note: P8FS agents read text.
const OtherPart = z.looseObject({ type: z.string().max(100) });
const Content = z.union([z.string().max(400_000), z.array(z.union([TextPart, OtherPart])).max(100)]);

export const ToolCallIn = z.looseObject({
  id: z.string().max(200),
  type: z.literal('function').default('function'),
  function: z.looseObject({ name: z.string().max(200), arguments: z.string().max(400_000) }),
});

/** One message of the conversation a client sends. */
export const ChatMessageIn = z.discriminatedUnion('role', [
  z.looseObject({ role: z.enum(['system', 'developer']), content: Content, name: z.string().max(200).optional() }),
  z.looseObject({ role: z.literal('user'), content: Content, name: z.string().max(200).optional() }),
  z.looseObject({ role: z.literal('assistant'), content: Content.nullish(), tool_calls: z.array(ToolCallIn).max(100).nullish(), name: z.string().max(200).optional() }),
  z.looseObject({ role: z.literal('tool'), content: Content, tool_call_id: z.string().max(200) }),
]);
export type ChatMessageIn = z.infer<typeof ChatMessageIn>;

export const ResponseFormat = z.union([
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({ name: z.string().max(200), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }),
  }),
]);
export type ResponseFormat = z.infer<typeof ResponseFormat>;

export const ChatCompletionRequest = z.looseObject({
  /** An agent (`p8-system`, one of the vault's `p8-type: agent` documents) or `provider:model` (runs p8-system on that model). */
  model: z.string().trim().min(1).max(200).default(DEFAULT_AGENT),
  messages: z.array(ChatMessageIn).min(1, 'messages must not be empty').max(1000),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  response_format: ResponseFormat.nullish(),
  user: z.string().max(500).optional(),
  /** P8FS: continue this session (the X-Session-Id header does the same). */
  session_id: z.string().uuid().optional(),
  /** P8FS: link the session to this moment (the X-Moment-Id header does the same). */
  moment_id: z.string().uuid().optional(),
});
export type ChatCompletionRequest = z.input<typeof ChatCompletionRequest>;
export type ChatCompletionRequestParsed = z.output<typeof ChatCompletionRequest>;

/** Where an answer's facts came from: a passage, a node of the graph, a moment. */
export const Citation = z.object({
  /** The number the answer text uses ([1], [2], …). */
  n: z.number().int().min(1),
  label: z.string(),
  uri: z.string(),
  resource_id: z.string().nullable(),
  file_id: z.string().nullable(),
  snippet: z.string().optional(),
});
export type Citation = z.infer<typeof Citation>;

export const Usage = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() });
export type Usage = z.infer<typeof Usage>;

export const ToolCallOut = z.object({
  index: z.number().int(),
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

/** A tool the agent ran on the server, with what it answered (in `p8fs.tool_calls` and stream chunks). */
export const ToolRun = z.object({
  id: z.string(),
  name: z.string(),
  arguments: z.string(),
  ok: z.boolean(),
  /** One line: what the tool found or why it failed. */
  summary: z.string(),
  citations: z.array(Citation),
});
export type ToolRun = z.infer<typeof ToolRun>;

/** P8FS's additions to a completion: the session to continue, what ran, and where the facts came from. */
export const P8fsCompletionInfo = z.object({
  session_id: z.string().uuid(),
  agent: z.string(),
  /** `provider:model`, or `p8fs:retrieval` when no model is configured (the answer is retrieved passages). */
  model: z.string(),
  retrieved: z.boolean(),
  tool_calls: z.array(ToolRun),
  citations: z.array(Citation),
  cost_usd: z.number().nullable(),
});
export type P8fsCompletionInfo = z.infer<typeof P8fsCompletionInfo>;

export const ChatCompletion = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(z.object({
    index: z.number().int(),
    message: z.object({ role: z.literal('assistant'), content: z.string().nullable(), refusal: z.null() }),
    finish_reason: z.enum(['stop', 'length']),
    logprobs: z.null(),
  })),
  usage: Usage,
  p8fs: P8fsCompletionInfo,
});
export type ChatCompletion = z.infer<typeof ChatCompletion>;

/** What one stream chunk's `p8fs` field carries: the start of the run, a tool's result, or the end. */
export const P8fsChunkInfo = z.union([
  z.object({ kind: z.literal('start'), session_id: z.string(), agent: z.string(), model: z.string(), retrieved: z.boolean() }),
  z.object({ kind: z.literal('tool_result'), tool: ToolRun }),
  z.object({ kind: z.literal('end'), session_id: z.string(), citations: z.array(Citation), cost_usd: z.number().nullable() }),
]);
export type P8fsChunkInfo = z.infer<typeof P8fsChunkInfo>;

export const ChatCompletionChunk = z.object({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(z.object({
    index: z.number().int(),
    delta: z.object({ role: z.literal('assistant').optional(), content: z.string().optional(), tool_calls: z.array(ToolCallOut).optional() }),
    finish_reason: z.enum(['stop', 'length']).nullable(),
    logprobs: z.null(),
  })),
  usage: Usage.nullable().optional(),
  p8fs: P8fsChunkInfo.optional(),
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;

/** GET /api/v1/models: the agents, in OpenAI's list shape, so clients offer them as "models". */
export const ModelCard = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string(),
  /** P8FS: what the agent is for. */
  description: z.string().optional(),
});
export const ModelList = z.object({ object: z.literal('list'), data: z.array(ModelCard) });
export type ModelList = z.infer<typeof ModelList>;
