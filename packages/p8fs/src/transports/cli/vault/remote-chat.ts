import { type ChatEvent, ChatCompletionChunk, ERROR_CODES, type ErrorCode } from '@p8fs/contracts';
import { AppError, errorMessage } from '../../../domain/errors.js';
import { ChunkReader } from '../../openai-chat.js';
import type { ChatRequest, ChatStream } from './client.js';
import { toAppError } from './remote.js';

/**
 * `p8fs chat` against a server: the same OpenAI chat-completions endpoint any client uses, streamed,
 * with the session in X-Session-Id; the chunks are read back into events (P8FS's `p8fs` field
 * carries the tool results and citations). Aborting the signal closes the connection, which makes
 * the server cancel the model call.
 */
export async function remoteChat(base: string, token: string | null, request: ChatRequest, signal: AbortSignal): Promise<ChatStream> {
  const headers: Record<string, string> = {
    'content-type': 'application/json', accept: 'text/event-stream',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(request.sessionId ? { 'x-session-id': request.sessionId } : {}),
    ...(request.momentId ? { 'x-moment-id': request.momentId } : {}),
  };
  const body = JSON.stringify({ model: request.agent, messages: [{ role: 'user', content: request.message }], stream: true, stream_options: { include_usage: true } });
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/chat/completions`, { method: 'POST', headers, body, signal });
  } catch (err) {
    if (signal.aborted) throw new AppError('query.cancelled', 'cancelled');
    throw new AppError('internal', `cannot reach the p8fs server at ${base} (${(err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err)})`);
  }
  if (!res.ok) throw await toAppError(res);
  if (!res.body) throw new AppError('internal', 'the server answered without a stream');
  return { sessionId: res.headers.get('x-session-id') ?? '', events: readEvents(res.body, signal) };
}

/** Server-sent `data:` lines to events; `data: {"error": …}` becomes the error it names. */
async function* readEvents(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<ChatEvent> {
  const reader = new ChunkReader();
  let buffer = '';
  const decoder = new TextDecoder();
  try {
    for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(bytes, { stream: true });
      let cut = buffer.indexOf('\n\n');
      while (cut >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        cut = buffer.indexOf('\n\n');
        const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
        if (data === '') continue;
        if (data === '[DONE]') return;
        yield* reader.read(parseChunk(data));
      }
    }
  } catch (err) {
    if (signal.aborted) throw new AppError('query.cancelled', 'cancelled');
    throw err;
  }
  throw new AppError('internal', 'the server closed the chat stream before it ended');
}

function parseChunk(data: string): ChatCompletionChunk {
  const json = JSON.parse(data) as { error?: { code?: string; message?: string } };
  if (json.error) {
    const code = (ERROR_CODES as readonly string[]).includes(json.error.code ?? '') ? (json.error.code as ErrorCode) : 'internal';
    throw new AppError(code, json.error.message ?? 'the chat failed on the server');
  }
  return ChatCompletionChunk.parse(json);
}
