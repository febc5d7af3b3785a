/**
 * A language model that chats and calls tools, behind one interface whatever the provider (OpenAI,
 * Anthropic, Gemini, any OpenAI-compatible server). The agent loop lives in services/chat; a model
 * only answers one call: text as it streams, the tool calls it wants, and what it cost.
 */

/** A tool offered to the model: its name, what it is for, and its arguments as JSON Schema. */
export interface ModelTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ModelToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them (parsed JSON when it was JSON, else the raw text). */
  input: unknown;
}

/** The conversation as a model reads it; the system prompt is given apart. */
export type ModelMessage =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text: string; toolCalls: ModelToolCall[] }
  | { role: 'tool'; results: { id: string; name: string; output: string }[] };

export interface ModelRequest {
  system: string;
  messages: ModelMessage[];
  /** Empty: the model must answer in text. */
  tools: ModelTool[];
  temperature?: number | undefined;
  maxOutputTokens: number;
  /** Structured output: the answer must be JSON matching this schema. */
  output?: { name: string; schema: Record<string, unknown> } | undefined;
  /** Ends the call: the caller went away or ran out of time (the reason says which). */
  signal: AbortSignal;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
}

export type ModelEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool_call'; call: ModelToolCall }
  | { type: 'finish'; reason: 'stop' | 'length' | 'tool_calls' | 'other'; usage: ModelUsage };

/** One model of one provider. */
export interface ChatModel {
  /** `provider:model`, e.g. `anthropic:claude-sonnet-4-5`. */
  readonly id: string;
  /**
   * One call, streamed. Failures throw coded errors: chat.model_error (the provider refused or
   * broke, after its retries), chat.timeout / query.cancelled (the request's signal fired).
   */
  stream(request: ModelRequest): AsyncIterable<ModelEvent>;
}

/** The models this server can reach: the configured default and any `provider:model` of a configured provider. */
export interface ChatModels {
  /** P8FS_CHAT_MODEL, or null when none is configured (chat then answers with retrieved passages). */
  readonly defaultModel: string | null;
  /** The model for `provider:model`; chat.unknown_model when the provider is unknown or not configured. */
  get(spec: string): ChatModel;
}
