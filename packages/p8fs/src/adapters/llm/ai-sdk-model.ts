import { APICallError, jsonSchema, type LanguageModel, type ModelMessage as SdkMessage, Output, RetryError, streamText, type ToolSet } from 'ai';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { ChatModel, ModelEvent, ModelMessage, ModelRequest } from '../../ports/chat-model.js';

/**
 * A ChatModel over the AI SDK (decision 0019): the SDK speaks each provider's dialect (OpenAI chat
 * completions, Anthropic Messages, Gemini), streams, and retries refused calls (429, 5xx) with
 * exponential backoff. Tools are declared without `execute`, so the SDK never runs one: each call
 * ends at the model's tool calls and services/chat runs them as the caller, with its own checks.
 */
export class AiSdkChatModel implements ChatModel {
  constructor(
    readonly id: string,
    private readonly model: LanguageModel,
    private readonly maxRetries: number,
  ) {}

  async *stream(req: ModelRequest): AsyncIterable<ModelEvent> {
    const tools: ToolSet = Object.fromEntries(req.tools.map((t) => [t.name, { description: t.description, inputSchema: jsonSchema(t.parameters as never) }]));
    let failure: unknown;
    const result = streamText({
      model: this.model,
      system: req.system,
      messages: toSdkMessages(req.messages),
      ...(req.tools.length ? { tools } : {}),
      ...(req.temperature === undefined ? {} : { temperature: req.temperature }),
      maxOutputTokens: req.maxOutputTokens,
      maxRetries: this.maxRetries,
      abortSignal: req.signal,
      ...(req.output ? { output: Output.object({ schema: jsonSchema(req.output.schema as never), name: req.output.name }) } : {}),
      // The SDK's default prints the error; ours is thrown to the caller with a code instead.
      onError: ({ error }) => {
        failure = error;
      },
    });
    try {
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') yield { type: 'text', delta: part.text };
        else if (part.type === 'tool-call') yield { type: 'tool_call', call: { id: part.toolCallId, name: part.toolName, input: part.input } };
        else if (part.type === 'finish') {
          yield { type: 'finish', reason: finishReason(part.finishReason), usage: { inputTokens: part.totalUsage.inputTokens ?? 0, outputTokens: part.totalUsage.outputTokens ?? 0 } };
        } else if (part.type === 'error') throw part.error;
        else if (part.type === 'abort') throw aborted(req.signal);
      }
    } catch (err) {
      throw modelError(this.id, failure ?? err, req.signal);
    }
    if (failure !== undefined) throw modelError(this.id, failure, req.signal);
  }
}

function finishReason(r: string): 'stop' | 'length' | 'tool_calls' | 'other' {
  return r === 'stop' ? 'stop' : r === 'length' ? 'length' : r === 'tool-calls' ? 'tool_calls' : 'other';
}

/** Our messages in the SDK's shape: tool calls and results matched by id. */
function toSdkMessages(messages: readonly ModelMessage[]): SdkMessage[] {
  return messages.map((m): SdkMessage => {
    if (m.role === 'user') return { role: 'user', content: m.text };
    if (m.role === 'assistant') {
      const parts = [
        ...(m.text ? [{ type: 'text' as const, text: m.text }] : []),
        ...m.toolCalls.map((c) => ({ type: 'tool-call' as const, toolCallId: c.id, toolName: c.name, input: c.input ?? {} })),
      ];
      return { role: 'assistant', content: parts };
    }
    return {
      role: 'tool',
      content: m.results.map((r) => ({ type: 'tool-result' as const, toolCallId: r.id, toolName: r.name, output: { type: 'text' as const, value: r.output } })),
    };
  });
}

/** Why the signal fired: the request's own coded reason (chat.timeout), else the caller went away. */
function aborted(signal: AbortSignal): AppError {
  return signal.reason instanceof AppError ? signal.reason : new AppError('query.cancelled', 'the chat request was cancelled: the caller went away');
}

/** A provider's failure as chat.model_error with its status; an abort keeps its reason. */
export function modelError(id: string, err: unknown, signal: AbortSignal): AppError {
  if (signal.aborted) return aborted(signal);
  if (err instanceof AppError) return err;
  const last = RetryError.isInstance(err) ? err.lastError : err;
  const tries = RetryError.isInstance(err) ? ` after ${err.errors.length} tries` : '';
  if (APICallError.isInstance(last)) {
    const status = last.statusCode ?? 'no status';
    return new AppError('chat.model_error', `the model ${id} failed${tries}: ${status} ${oneLine(last.message)}`, { status: last.statusCode ?? null, retryable: last.isRetryable });
  }
  return new AppError('chat.model_error', `the model ${id} failed${tries}: ${oneLine(errorMessage(last))}`);
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').slice(0, 300);
