import { AppError, isAppError } from '../../domain/errors.js';
import { parseRem } from '../../domain/rem/parser.js';
import type { ChatModels } from '../../ports/chat-model.js';
import type { Clock } from '../../ports/clock.js';
import type { QueryPlan, QueryPlanContext, QueryPlanner } from '../../ports/query-planner.js';

const MAX_STATEMENTS = 3;

/** The planner's answer, as structured output. */
const PLAN_SCHEMA = {
  type: 'object',
  properties: {
    statements: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: MAX_STATEMENTS },
    note: { type: 'string' },
  },
  required: ['statements', 'note'],
  additionalProperties: false,
};

export interface PlannerOptions {
  timeoutMs: number;
  maxOutputTokens: number;
}

/**
 * NL -> REM with the chat model (`p8fs rem --ask`, `{"ask": …}`): the model gets the REM forms, the
 * tables and columns and today's date, and answers with 1-3 statements as structured output. Each
 * must parse; one that does not is sent back once with the parser's error. The statements then run
 * through RemService exactly as typed REM (same guard, tenant scope and budget): the model gains nothing.
 */
export class ModelQueryPlanner implements QueryPlanner {
  constructor(private readonly models: ChatModels, private readonly clock: Clock, private readonly opts: PlannerOptions) {}

  async plan(question: string, ctx: QueryPlanContext): Promise<QueryPlan> {
    const spec = this.models.defaultModel;
    if (!spec) throw new AppError('chat.unknown_model', 'no chat model is configured (P8FS_CHAT_MODEL)');
    const model = this.models.get(spec);
    const system = plannerPrompt(ctx, this.clock.now());
    let messages: { role: 'user'; text: string }[] = [{ role: 'user', text: question }];
    for (let attempt = 0; ; attempt++) {
      const text = await this.complete(model, system, messages, ctx.signal);
      try {
        return { ...parsePlan(text), model: model.id };
      } catch (err) {
        if (attempt > 0 || !isAppError(err)) throw err;
        messages = [{ role: 'user', text: `${question}\n\nYour previous answer was:\n${text}\nIt failed: ${err.message}\nAnswer again.` }];
      }
    }
  }

  private async complete(model: ReturnType<ChatModels['get']>, system: string, messages: { role: 'user'; text: string }[], caller?: AbortSignal): Promise<string> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = caller ? AbortSignal.any([caller, timeout]) : timeout;
    let text = '';
    try {
      for await (const ev of model.stream({ system, messages, tools: [], maxOutputTokens: this.opts.maxOutputTokens, output: { name: 'rem_plan', schema: PLAN_SCHEMA }, signal })) {
        if (ev.type === 'text') text += ev.delta;
      }
    } catch (err) {
      if (timeout.aborted && !caller?.aborted) throw new AppError('chat.timeout', `the planner took longer than ${Math.round(this.opts.timeoutMs / 1000)} s`);
      throw err;
    }
    return text;
  }
}

/** The statements of a planner's JSON answer; rem.syntax (naming the statement) when one does not parse. */
export function parsePlan(text: string): { statements: string[]; note: string | null } {
  let json: unknown;
  try {
    json = JSON.parse(text.trim().replace(/^```(?:json)?\s*|\s*```$/g, ''));
  } catch {
    throw new AppError('rem.syntax', `the planner did not answer with JSON: ${text.slice(0, 200)}`);
  }
  const o = json as { statements?: unknown; note?: unknown };
  const statements = Array.isArray(o.statements) ? o.statements.filter((s): s is string => typeof s === 'string' && s.trim() !== '').slice(0, MAX_STATEMENTS) : [];
  if (statements.length === 0) throw new AppError('rem.syntax', 'the planner answered without a REM statement');
  for (const s of statements) {
    try {
      parseRem(s);
    } catch (err) {
      throw isAppError(err) ? new AppError(err.code, `the planned statement ${JSON.stringify(s)} is not valid REM: ${err.message}`, err.details) : err;
    }
  }
  return { statements: statements.map((s) => s.trim()), note: typeof o.note === 'string' && o.note.trim() !== '' ? o.note.trim() : null };
}

function plannerPrompt(ctx: QueryPlanContext, now: Date): string {
  const columns = ctx.columns ? Object.entries(ctx.columns).map(([t, cols]) => `  ${t}(${cols.filter((c) => c !== 'tenant_id').join(', ')})`).join('\n') : `  ${ctx.tables.join(', ')}`;
  return [
    "You translate a question about the user's personal memory vault into REM, the vault's query language.",
    `Today is ${now.toISOString().slice(0, 10)}. Resolve relative dates ("last spring", "yesterday") to absolute ones.`,
    `REM forms, one statement each:\n${ctx.syntax}`,
    `Tables and columns SQL may read (only this user's rows; read-only SELECT):\n${columns}`,
    'Moments are episodes (meetings, trips) with starts_at, ends_at, location, present_persons (JSON array of {name}) and topic_tags. ' +
      'Edges link labels: src_label -rel_type-> dst_label. Prefer LOOKUP for known names, SEARCH for topics, TRAVERSE for connections, SQL for counts and dates.',
    `Answer with JSON: {"statements": [1 to ${MAX_STATEMENTS} REM statements, most useful first], "note": "one sentence on the plan, or empty"}.`,
  ].join('\n\n');
}
