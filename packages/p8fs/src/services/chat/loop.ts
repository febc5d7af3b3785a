import type { ChatEvent, Citation, ToolRun } from '@p8fs/contracts';
import type { Actor } from '../../domain/actor.js';
import { AppError, errorMessage, isAppError } from '../../domain/errors.js';
import type { Logger } from '../../ports/logger.js';
import type { ChatModel, ModelMessage, ModelToolCall } from '../../ports/chat-model.js';
import type { ChatMessage } from './history.js';
import type { SourceRef } from './tool-text.js';
import { type AgentTool, modelTool, type ToolServices } from './tools.js';

/** Characters of one tool result the model reads (a long passage list is cut, not the context). */
const TOOL_RESULT_CHARS = 16_000;

/** Numbers the sources a run's tools show, once each, in the order first seen. */
export class Citations {
  private readonly byKey = new Map<string, Citation>();

  readonly cite = (s: SourceRef): number => {
    const key = `${s.uri}\u0000${s.resource_id ?? ''}`;
    const known = this.byKey.get(key);
    if (known) return known.n;
    const c: Citation = { n: this.byKey.size + 1, label: s.label, uri: s.uri, resource_id: s.resource_id, file_id: s.file_id, ...(s.snippet ? { snippet: s.snippet } : {}) };
    this.byKey.set(key, c);
    return c.n;
  };

  /** The sources cited so far (with these numbers). */
  pick(ns: readonly number[]): Citation[] {
    const want = new Set(ns);
    return this.all().filter((c) => want.has(c.n));
  }

  all(): Citation[] {
    return [...this.byKey.values()];
  }
}

export interface LoopInput {
  model: ChatModel;
  system: string;
  messages: ModelMessage[];
  /** The tools this run offers (already limited to the agent's list and the caller's rights). */
  tools: readonly AgentTool[];
  services: ToolServices;
  actor: Actor;
  signal: AbortSignal;
  maxRounds: number;
  maxOutputTokens: number;
  /** Tokens in and out over all rounds; past it no further round runs. */
  maxRequestTokens: number;
  temperature?: number | undefined;
  output?: { name: string; schema: Record<string, unknown> } | undefined;
  citations: Citations;
  log: Logger;
}

export interface LoopResult {
  /** The assistant and tool messages the run produced, to store with the turn. */
  produced: ChatMessage[];
  /** The answer (all assistant text of the run). */
  answer: string;
  finish: 'stop' | 'length';
  usage: { input: number; output: number };
  toolRuns: ToolRun[];
}

/**
 * The agent loop: call the model; if it asks for tools, run each as the caller and feed the results
 * back; at most `maxRounds` tool rounds, then one last call without tools so it answers. Text and tool
 * activity are yielded as they happen; the generator's return value is what to store.
 */
export async function* agentLoop(p: LoopInput): AsyncGenerator<ChatEvent, LoopResult> {
  const offered = new Map(p.tools.map((t) => [t.name, t]));
  const messages = [...p.messages];
  const produced: ChatMessage[] = [];
  const toolRuns: ToolRun[] = [];
  const usage = { input: 0, output: 0 };
  let answer = '';
  let index = 0;
  for (let round = 0; ; round++) {
    const lastRound = round >= p.maxRounds;
    const system = lastRound && round > 0 ? `${p.system}\n\nYou have used all your tool rounds: answer now from what the tools returned.` : p.system;
    let text = '';
    const calls: ModelToolCall[] = [];
    let reason: string = 'stop';
    for await (const ev of p.model.stream({
      system, messages, tools: lastRound ? [] : p.tools.map(modelTool), temperature: p.temperature,
      maxOutputTokens: p.maxOutputTokens, output: p.output, signal: p.signal,
    })) {
      if (ev.type === 'text') {
        text += ev.delta;
        yield { type: 'text', delta: ev.delta };
      } else if (ev.type === 'tool_call') calls.push(ev.call);
      else {
        reason = ev.reason;
        usage.input += ev.usage.inputTokens;
        usage.output += ev.usage.outputTokens;
      }
    }
    answer += text;
    // A model that calls a tool on the answer round gets no more: its text is the answer.
    if (calls.length === 0 || lastRound) {
      produced.push({ role: 'assistant', content: text, toolCalls: [] });
      return { produced, answer, finish: reason === 'length' ? 'length' : 'stop', usage, toolRuns };
    }
    const recorded = calls.map((c) => ({ id: c.id, name: c.name, arguments: typeof c.input === 'string' ? c.input : JSON.stringify(c.input ?? {}) }));
    produced.push({ role: 'assistant', content: text, toolCalls: recorded });
    messages.push({ role: 'assistant', text, toolCalls: calls });
    const results: { id: string; name: string; output: string }[] = [];
    for (const [i, call] of calls.entries()) {
      const args = (recorded[i] as { arguments: string }).arguments;
      yield { type: 'tool_call', index: index++, id: call.id, name: call.name, arguments: args };
      const run = await runTool(offered.get(call.name), call, args, p);
      toolRuns.push(run.tool);
      results.push({ id: call.id, name: call.name, output: run.output });
      produced.push({ role: 'tool', content: run.output, toolCallId: call.id, toolName: call.name });
      yield { type: 'tool_result', tool: run.tool };
    }
    messages.push({ role: 'tool', results });
    if (usage.input + usage.output >= p.maxRequestTokens) {
      const note = `\n\n[stopped: this request used its token budget (${p.maxRequestTokens} tokens) before the agent finished]`;
      yield { type: 'text', delta: note };
      answer += note;
      produced.push({ role: 'assistant', content: note.trim(), toolCalls: [] });
      return { produced, answer, finish: 'length', usage, toolRuns };
    }
  }
}

/** One tool call, as the caller: refused when not offered, arguments checked, failures reported to the model. */
async function runTool(tool: AgentTool | undefined, call: ModelToolCall, args: string, p: LoopInput): Promise<{ tool: ToolRun; output: string }> {
  const fail = (summary: string) => ({ tool: { id: call.id, name: call.name, arguments: args, ok: false, summary, citations: [] }, output: `error: ${summary}` });
  if (!tool) {
    const names = [...p.tools.map((t) => t.name)].join(', ') || 'none';
    return fail(`the tool ${call.name} is not available to this agent with this sign-in (available: ${names}); it was not run`);
  }
  const parsed = tool.schema.safeParse(typeof call.input === 'string' ? safeJson(call.input) : call.input);
  if (!parsed.success) return fail(`invalid arguments for ${call.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
  try {
    const out = await tool.run(p.services, { actor: p.actor, signal: p.signal, cite: p.citations.cite }, parsed.data as never);
    const output = out.text.length > TOOL_RESULT_CHARS ? `${out.text.slice(0, TOOL_RESULT_CHARS)}\n[… cut]` : out.text;
    return { tool: { id: call.id, name: call.name, arguments: args, ok: true, summary: out.summary, citations: p.citations.pick(out.sources) }, output };
  } catch (err) {
    // The caller going away or the request's time running out ends the run, not just the tool.
    if (p.signal.aborted) throw p.signal.reason instanceof AppError ? p.signal.reason : err;
    if (isAppError(err)) return fail(`${err.code}: ${err.message}`);
    // Internals (SQL, stacks) go to the log, never into a prompt.
    p.log.error({ tool: call.name, err: errorMessage(err) }, 'chat: tool failed');
    return fail('internal: the tool failed; the server log has the details');
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
