import { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ModelList } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { isAppError } from '../../../domain/errors.js';
import type { Logger } from '../../../ports/logger.js';
import type { ChatRun } from '../../../services/chat/chat.js';
import { toModelList } from '../../chat-presenters.js';
import { collectCompletion, completionId, eventChunks, toChatInput } from '../../openai-chat.js';
import { parseWith, readJson } from '../input.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

// A conversation's whole history travels in every request (OpenAI clients are stateless): far more
// than the 64 KiB default, bounded all the same.
const CHAT_BODY_BYTES = 4 * 1024 * 1024;

/** OpenAI-compatible chat (decision 0019): POST /api/v1/chat/completions and GET /api/v1/models. */
export function chatRoutes(app: App): RouteSpec[] {
  const chat = app.services.chat;
  const models = async (c: Ctx) => c.json(toModelList(await chat.agents(c.get('actor'))));
  const complete = async (c: Ctx) => {
    const req = parseWith(ChatCompletionRequest, await readJson(c), 'body');
    const input = toChatInput(req, { sessionId: c.req.header('x-session-id'), momentId: c.req.header('x-moment-id') }, 'http');
    // Cancelled when the client disconnects (node-server aborts the request's signal) or stops reading.
    const abort = new AbortController();
    const signal = AbortSignal.any([c.req.raw.signal, abort.signal]);
    const run = await chat.start(c.get('actor'), input, signal);
    const base = { id: completionId(), created: Math.floor(Date.now() / 1000), model: run.agent };
    const headers = { 'x-session-id': run.sessionId };
    if (!req.stream) return c.json(await collectCompletion(run, base), 200, headers);
    return sse(run, base, abort, headers, app.log);
  };
  return [
    {
      method: 'get', path: '/api/v1/models', operationId: 'listModels', tag: 'agents',
      summary: 'The agents you can chat with, as OpenAI models (p8-system and the vault\'s agent documents)',
      responses: { 200: { description: 'the agents in the OpenAI list shape', body: json(ModelList) } }, handler: models,
    },
    {
      method: 'post', path: '/api/v1/chat/completions', operationId: 'chatCompletions', tag: 'agents',
      summary: 'Chat with an agent over your vault (OpenAI chat-completions format; stream: true for SSE chunks)',
      description:
        '`model` is an agent (default p8-system) or provider:model. The agent runs its tools (search, lookup, traverse, rem_query, ' +
        'list_moments, get_resource, save_memory with vault:write) on the server, as you; tool calls stream as tool-call deltas and ' +
        'their results in the chunk\'s `p8fs` field; `data: [DONE]` ends the whole run. X-Session-Id continues a session (the ' +
        'answer carries it), X-Moment-Id links the session to a moment. Without a configured model the answer is retrieved passages, labelled so.',
      body: json(ChatCompletionRequest), maxBodyBytes: CHAT_BODY_BYTES,
      responses: {
        200: {
          description: 'a completion, or with stream: true an event stream of chat.completion.chunk lines ending with data: [DONE]',
          body: json(ChatCompletion.or(ChatCompletionChunk)),
        },
      },
      errors: [400, 404, 408, 429, 502, 504], handler: complete,
    },
  ];
}

const encoder = new TextEncoder();

/**
 * The run as server-sent events in OpenAI's format. A failure after the first byte cannot change the
 * status any more: it is sent as `data: {"error": …}` (which the openai client throws), without
 * [DONE]. A client that stops reading cancels the run, which aborts the model call upstream.
 */
function sse(run: ChatRun, base: { id: string; created: number; model: string }, abort: AbortController, headers: Record<string, string>, log: Logger): Response {
  const events = run.events[Symbol.asyncIterator]();
  const line = (v: unknown) => encoder.encode(`data: ${JSON.stringify(v)}\n\n`);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await events.next();
        if (next.done) {
          controller.enqueue(encoder.encode('data: [DONE]\n\n'));
          controller.close();
          return;
        }
        for (const chunk of eventChunks(next.value, base)) controller.enqueue(line(chunk));
      } catch (err) {
        if (!isAppError(err)) log.error({ err: String(err), session: run.sessionId }, 'chat stream failed');
        const error = isAppError(err) ? { code: err.code, type: err.code, message: err.message } : { code: 'internal', type: 'internal', message: 'internal server error' };
        // The client may be gone already (a cancelled run); then there is nobody to tell.
        try {
          controller.enqueue(line({ error }));
          controller.close();
        } catch {}
      }
    },
    async cancel() {
      abort.abort();
      await events.return?.(undefined).catch(() => {});
    },
  });
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', ...headers },
  });
}
