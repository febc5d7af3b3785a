// The three streaming formats the fake model server speaks, as the real APIs send them: OpenAI chat
// completions (also every OpenAI-compatible server), Anthropic Messages and Gemini streamGenerateContent.

/** One scripted answer: text, tool calls, or both. */
export interface Answer {
  /** Text, sent in these pieces (a string is split into words). */
  text?: string | string[];
  toolCalls?: { name: string; arguments: Record<string, unknown> | string; id?: string }[];
  usage?: { input: number; output: number };
  /** finish reason override ('length' to simulate a cut answer). */
  finish?: 'stop' | 'length';
}

export const pieces = (text: string | string[] | undefined): string[] =>
  text === undefined ? [] : Array.isArray(text) ? text : text.split(/(?<= )/);

const args = (a: Record<string, unknown> | string): string => (typeof a === 'string' ? a : JSON.stringify(a));

/** OpenAI chat.completion.chunk events (each a JSON string for one `data:` line), ending before [DONE]. */
export function openaiChunks(a: Answer, model: string, n: number): string[] {
  const base = { id: `chatcmpl-fake-${n}`, object: 'chat.completion.chunk', created: 1_700_000_000, model };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
  const out = [chunk({ role: 'assistant', content: '' })];
  for (const p of pieces(a.text)) out.push(chunk({ content: p }));
  (a.toolCalls ?? []).forEach((c, index) => {
    const text = args(c.arguments);
    const half = Math.floor(text.length / 2);
    out.push(chunk({ tool_calls: [{ index, id: c.id ?? `call_${n}_${index}`, type: 'function', function: { name: c.name, arguments: '' } }] }));
    out.push(chunk({ tool_calls: [{ index, function: { arguments: text.slice(0, half) } }] }));
    out.push(chunk({ tool_calls: [{ index, function: { arguments: text.slice(half) } }] }));
  });
  out.push(chunk({}, a.toolCalls?.length ? 'tool_calls' : (a.finish ?? 'stop')));
  const u = a.usage ?? { input: 11, output: 7 };
  out.push(JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output } }));
  return out;
}

/** A non-streamed OpenAI chat.completion. */
export function openaiCompletion(a: Answer, model: string, n: number): string {
  const u = a.usage ?? { input: 11, output: 7 };
  const toolCalls = (a.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `call_${n}_${i}`, type: 'function', function: { name: c.name, arguments: args(c.arguments) } }));
  return JSON.stringify({
    id: `chatcmpl-fake-${n}`, object: 'chat.completion', created: 1_700_000_000, model,
    choices: [{ index: 0, message: { role: 'assistant', content: pieces(a.text).join('') || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
      finish_reason: toolCalls.length ? 'tool_calls' : (a.finish ?? 'stop') }],
    usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output },
  });
}

/** Anthropic Messages stream events: [event name, JSON data]. */
export function anthropicEvents(a: Answer, model: string, n: number): [string, string][] {
  const u = a.usage ?? { input: 13, output: 5 };
  const ev = (name: string, data: Record<string, unknown>): [string, string] => [name, JSON.stringify({ type: name, ...data })];
  const out: [string, string][] = [ev('message_start', {
    message: { id: `msg_fake_${n}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: u.input, output_tokens: 1 } },
  })];
  let index = 0;
  const text = pieces(a.text);
  if (text.length) {
    out.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    for (const p of text) out.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: p } }));
    out.push(ev('content_block_stop', { index }));
    index++;
  }
  for (const [i, c] of (a.toolCalls ?? []).entries()) {
    out.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: c.id ?? `toolu_${n}_${i}`, name: c.name, input: {} } }));
    out.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: args(c.arguments) } }));
    out.push(ev('content_block_stop', { index }));
    index++;
  }
  const stop = a.toolCalls?.length ? 'tool_use' : a.finish === 'length' ? 'max_tokens' : 'end_turn';
  out.push(ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: u.output } }));
  out.push(ev('message_stop', {}));
  return out;
}

/** Gemini streamGenerateContent (alt=sse) chunks. */
export function geminiChunks(a: Answer): string[] {
  const u = a.usage ?? { input: 17, output: 3 };
  const chunk = (parts: unknown[], finish?: string) => JSON.stringify({
    candidates: [{ content: { role: 'model', parts }, index: 0, ...(finish ? { finishReason: finish } : {}) }],
    ...(finish ? { usageMetadata: { promptTokenCount: u.input, candidatesTokenCount: u.output, totalTokenCount: u.input + u.output } } : {}),
  });
  const out = pieces(a.text).map((p) => chunk([{ text: p }]));
  const calls = (a.toolCalls ?? []).map((c) => ({ functionCall: { name: c.name, args: typeof c.arguments === 'string' ? JSON.parse(c.arguments) : c.arguments } }));
  out.push(chunk(calls, a.finish === 'length' ? 'MAX_TOKENS' : 'STOP'));
  return out;
}
