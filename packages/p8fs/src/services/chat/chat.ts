import type { ChatEvent } from '@p8fs/contracts';
import type { Actor } from '../../domain/actor.js';
import { costUsd } from '../../domain/chat/prices.js';
import { DeviceRate, takeModelRequest } from '../../domain/chat/device-rate.js';
import { AppError, errorMessage, isAppError } from '../../domain/errors.js';
import { requirePermission } from '../../domain/scopes.js';
import type { ChatModel, ChatModels } from '../../ports/chat-model.js';
import type { Clock } from '../../ports/clock.js';
import type { Db } from '../../ports/db.js';
import type { Logger } from '../../ports/logger.js';
import { momentText } from '../moment-write.js';
import { getAgentByName, listAgents } from '../sql/agents.js';
import type { SessionRow } from '../sql/sessions.js';
import { profileText } from '../sql/sessions.js';
import { type AgentSpec, agentFromRow, BUILTIN_AGENTS, P8_SYSTEM } from './agent-spec.js';
import { type ChatMessage, messageTokens, planCompaction, toModelMessages } from './history.js';
import { agentLoop, Citations, type LoopResult } from './loop.js';
import { systemPrompt } from './prompt.js';
import { RETRIEVED_LABEL, retrievedAnswer } from './retrieved.js';
import type { SessionStore } from './session-store.js';
import { offeredTools, type ToolServices } from './tools.js';
import { fromRow, newMessages, threadKey, toolLines, toRow } from './turn.js';

/** One chat request, as every transport hands it over. */
export interface ChatInput {
  /** An agent's name, or `provider:model` (p8-system on that model). */
  model: string;
  messages: ChatMessage[];
  sessionId?: string | undefined;
  momentId?: string | undefined;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  /** Structured output the caller asks for (OpenAI response_format). */
  output?: { name: string; schema: Record<string, unknown> } | undefined;
  channel: 'http' | 'cli';
}

/** A started run: the session it belongs to, and its events (iterate once). */
export interface ChatRun {
  sessionId: string;
  agent: string;
  /** `provider:model`, or `p8fs:retrieval` without a model. */
  model: string;
  events: AsyncIterable<ChatEvent>;
}

export interface ChatLimits {
  maxToolRounds: number;
  maxTokens: number;
  maxRequestTokens: number;
  timeoutMs: number;
  requestsPerMinute: number;
  historyTokens: number;
}

export interface ChatDeps {
  db: Db;
  store: SessionStore;
  models: ChatModels;
  tools: ToolServices;
  log: Logger;
  clock: Clock;
  /** The per-device count of model requests, shared with `rem --ask` (app.ts); its own when absent. */
  rate?: DeviceRate;
}

/** The model id of an answer made of retrieved passages (no model configured). */
export const RETRIEVAL_MODEL = 'p8fs:retrieval';

const PROFILE_CHARS = 4000;

interface Prepared {
  actor: Actor;
  agent: AgentSpec;
  model: ChatModel | null;
  session: SessionRow;
  incoming: ChatMessage[];
  moment: string | null;
  input: ChatInput;
}

/**
 * Chat with the vault (decision 0019): an agent answers with the caller's own tools over the
 * caller's own vault, streamed as events, and each request is stored as one turn of a session. With
 * no model configured, the answer is the best retrieved passages, labelled as such.
 */
export class ChatService {
  private readonly rate: DeviceRate;

  constructor(private readonly deps: ChatDeps, private readonly limits: ChatLimits) {
    this.rate = deps.rate ?? new DeviceRate(limits.requestsPerMinute, () => deps.clock.now().getTime());
  }

  /**
   * Check and prepare a run (permission, rate, agent, model, moment, session) before anything
   * streams, so a refusal is an ordinary error; the events then run the agent.
   */
  async start(actor: Actor, input: ChatInput, signal: AbortSignal): Promise<ChatRun> {
    requirePermission(actor, 'vault:read');
    takeModelRequest(this.rate, actor, this.limits.requestsPerMinute, 'chat and rem --ask');
    const agent = await this.agent(actor, input.model);
    const spec = agent.model ?? this.deps.models.defaultModel;
    const model = spec ? this.deps.models.get(spec) : null;
    const moment = input.momentId ? momentText(await this.deps.tools.moments.get(actor, input.momentId)) : null;
    const key = input.sessionId === undefined ? threadKey(input.messages) : null;
    const session = await this.deps.store.open(actor, {
      sessionId: input.sessionId, threadKey: key, agent: agent.name, model: model?.id ?? RETRIEVAL_MODEL,
      momentId: input.momentId ?? null, channel: input.channel, name: firstQuestion(input.messages).slice(0, 120) || null,
    });
    const incoming = newMessages(input.messages, session.turns > 0);
    const prepared: Prepared = { actor, agent, model, session, incoming, moment, input };
    return { sessionId: session.id, agent: agent.name, model: model?.id ?? RETRIEVAL_MODEL, events: this.run(prepared, signal) };
  }

  /** The agents a caller may chat with (GET /api/v1/models): the built-in ones, then the vault's, by name. */
  async agents(actor: Actor): Promise<(AgentSpec & { createdAt: Date | null })[]> {
    requirePermission(actor, 'vault:read');
    const rows = await listAgents(this.deps.db, actor.tenantId);
    return [
      ...BUILTIN_AGENTS.map((a) => ({ ...a, createdAt: null })),
      ...rows.filter((r) => !BUILTIN_AGENTS.some((b) => b.name === r.name)).map((r) => ({ ...agentFromRow(r), createdAt: r.created_at })),
    ];
  }

  /** The agent a request names: built in, the vault's own, or p8-system on `provider:model`. */
  private async agent(actor: Actor, name: string): Promise<AgentSpec> {
    const builtin = BUILTIN_AGENTS.find((a) => a.name === name);
    if (builtin) return builtin;
    const row = await getAgentByName(this.deps.db, actor.tenantId, name);
    if (row) return agentFromRow(row);
    if (name.includes(':')) return { ...P8_SYSTEM, model: name };
    throw new AppError('chat.unknown_model', `no agent "${name}" in this vault, and not provider:model (GET /api/v1/models lists the agents)`);
  }

  private async *run(p: Prepared, caller: AbortSignal): AsyncGenerator<ChatEvent> {
    const started = performance.now();
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new AppError('chat.timeout', `the chat request took longer than ${Math.round(this.limits.timeoutMs / 1000)} s`)), this.limits.timeoutMs);
    const signal = AbortSignal.any([caller, timeout.signal]);
    const citations = new Citations();
    const modelId = p.model?.id ?? RETRIEVAL_MODEL;
    let result: LoopResult | null = null;
    let failure: string | null = 'cancelled: the caller went away';
    try {
      yield { type: 'start', session_id: p.session.id, agent: p.agent.name, model: modelId, retrieved: p.model === null };
      if (p.model === null) {
        const answer = await retrievedAnswer(this.deps.tools, p.actor, lastQuestion(p.incoming), citations, signal);
        yield { type: 'text', delta: answer };
        result = { produced: [{ role: 'assistant', content: answer, toolCalls: [] }], answer, finish: 'stop', usage: { input: 0, output: 0 }, toolRuns: [] };
      } else {
        result = yield* agentLoop(await this.loopInput(p, p.model, citations, signal));
      }
      failure = null;
      const usage = { prompt_tokens: result.usage.input, completion_tokens: result.usage.output, total_tokens: result.usage.input + result.usage.output };
      yield { type: 'done', finish_reason: result.finish, usage, cost_usd: p.model ? costUsd(modelId, result.usage.input, result.usage.output) : 0, citations: citations.all(), session_id: p.session.id };
    } catch (err) {
      failure = isAppError(err) ? `${err.code}: ${err.message}` : 'internal error';
      if (!isAppError(err)) this.deps.log.error({ err: errorMessage(err), session: p.session.id }, 'chat: run failed');
      throw signal.aborted && signal.reason instanceof AppError ? signal.reason : err;
    } finally {
      clearTimeout(timer);
      await this.save(p, modelId, result, failure, performance.now() - started);
    }
  }

  private async loopInput(p: Prepared, model: ChatModel, citations: Citations, signal: AbortSignal) {
    const tools = offeredTools(p.agent.tools, p.actor);
    const history = await this.history(p);
    const clientInstructions = p.incoming.filter((m) => m.role === 'system').map((m) => m.content);
    const system = systemPrompt({
      agent: p.agent, now: this.deps.clock.now(), profile: await profileText(this.deps.db, p.actor.tenantId, PROFILE_CHARS),
      moment: p.moment, clientInstructions, tools: tools.map((t) => t.name), sessionId: p.session.id, compacted: history.compacted,
    });
    const output = p.input.output ?? (p.agent.outputSchema ? { name: p.agent.name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64), schema: p.agent.outputSchema } : undefined);
    return {
      model, system, messages: toModelMessages([...history.messages, ...p.incoming]), tools, services: this.deps.tools, actor: p.actor, signal,
      maxRounds: Math.min(this.limits.maxToolRounds, p.agent.maxToolRounds ?? Number.POSITIVE_INFINITY),
      maxOutputTokens: Math.min(this.limits.maxTokens, p.input.maxTokens ?? this.limits.maxTokens),
      maxRequestTokens: this.limits.maxRequestTokens, temperature: p.input.temperature ?? p.agent.temperature, output, citations, log: this.deps.log,
    };
  }

  /** The session's messages still in context, compacting the oldest turns first when they do not fit. */
  private async history(p: Prepared): Promise<{ messages: ChatMessage[]; compacted: { turn: number; question: string }[] }> {
    let session = p.session;
    let stored = (await this.deps.store.history(p.actor.tenantId, session)).map(fromRow);
    const through = planCompaction(stored, this.limits.historyTokens, p.incoming.reduce((n, m) => n + messageTokens(m), 0));
    if (through > 0) {
      await this.deps.store.compact(p.actor.tenantId, session.id, through);
      session = { ...session, compacted_through: through };
      stored = stored.filter((s) => s.seq > through);
    }
    return { messages: stored.map((s) => s.message), compacted: await this.deps.store.compactedTurns(p.actor.tenantId, session) };
  }

  /** Store the turn (also a failed or cancelled one, with its error), never failing the request for it. */
  private async save(p: Prepared, model: string, r: LoopResult | null, error: string | null, latencyMs: number): Promise<void> {
    const produced = r?.produced ?? [];
    const rows = [...p.incoming, ...produced].map(toRow);
    const cost = p.model && r ? costUsd(model, r.usage.input, r.usage.output) : p.model ? null : 0;
    const last = rows.at(-1);
    if (last) Object.assign(last, { model, prompt_tokens: r?.usage.input ?? 0, completion_tokens: r?.usage.output ?? 0, cost_usd: cost, latency_ms: Math.round(latencyMs), error });
    try {
      await this.deps.store.saveTurn(p.actor.tenantId, p.session.id, {
        messages: rows, question: lastQuestion(p.incoming), answer: r?.answer ?? '', tools: toolLines(produced), model,
        promptTokens: r?.usage.input ?? 0, completionTokens: r?.usage.output ?? 0, costUsd: cost, latencyMs,
        // What the client shows as the answer is all the run's text: that is what it will send back.
        threadKey: p.session.thread_id ?? threadKey([...p.input.messages, { role: 'assistant', content: r?.answer ?? '', toolCalls: [] }]),
      });
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err), session: p.session.id }, 'chat: storing the turn failed');
    }
  }
}

function firstQuestion(messages: readonly ChatMessage[]): string {
  return (messages.find((m) => m.role === 'user')?.content ?? '').replace(/\s+/g, ' ').trim();
}

function lastQuestion(messages: readonly ChatMessage[]): string {
  return messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n\n').trim();
}

export { RETRIEVED_LABEL };
