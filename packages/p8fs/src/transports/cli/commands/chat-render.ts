import type { ChatEvent, Citation, ToolRun, Usage } from '@p8fs/contracts';
import type { CliIo } from '../io.js';
import { oneLine } from '../format.js';

// How `p8fs chat` shows a run: the answer streams to stdout (so `p8fs chat "…" > answer.md` keeps
// just the answer and its sources); tool calls, their results and the run's cost go to stderr.

/** A whole run, as `--json` prints it. */
export interface ChatResultJson {
  session_id: string;
  agent: string;
  model: string;
  retrieved: boolean;
  answer: string;
  tool_calls: ToolRun[];
  citations: Citation[];
  usage: Usage | null;
  cost_usd: number | null;
  finish_reason: 'stop' | 'length' | null;
}

/** Prints events as they come; `result()` is the run collected. */
export class ChatPrinter {
  private atLineStart = true;
  private readonly r: ChatResultJson = {
    session_id: '', agent: '', model: '', retrieved: false, answer: '', tool_calls: [], citations: [], usage: null, cost_usd: null, finish_reason: null,
  };

  /** quiet: collect only (--json). */
  constructor(private readonly io: CliIo, private readonly quiet = false) {}

  event(ev: ChatEvent): void {
    switch (ev.type) {
      case 'start':
        Object.assign(this.r, { session_id: ev.session_id, agent: ev.agent, model: ev.model, retrieved: ev.retrieved });
        return;
      case 'text':
        this.r.answer += ev.delta;
        this.out(ev.delta);
        return;
      case 'tool_call':
        this.note(`  → ${ev.name} ${oneLine(ev.arguments, 160)}\n`);
        return;
      case 'tool_result':
        this.r.tool_calls.push(ev.tool);
        this.note(`  ${ev.tool.ok ? '✓' : '✗'} ${oneLine(ev.tool.summary, 200)}\n`);
        return;
      case 'done':
        Object.assign(this.r, { citations: ev.citations, usage: ev.usage, cost_usd: ev.cost_usd, finish_reason: ev.finish_reason, session_id: ev.session_id });
        this.end(ev);
    }
  }

  result(): ChatResultJson {
    return this.r;
  }

  private end(ev: Extract<ChatEvent, { type: 'done' }>): void {
    if (!this.atLineStart) this.out('\n');
    // The sources the answer cites ([n]); the retrieved answer lists them itself.
    const cited = this.r.retrieved ? [] : ev.citations.filter((c) => this.r.answer.includes(`[${c.n}]`));
    if (cited.length) this.out(`\nSources:\n${cited.map((c) => `  [${c.n}] ${c.label === c.uri ? c.uri : `${c.label} — ${c.uri}`}\n`).join('')}`);
    if (ev.finish_reason === 'length') this.note('  (the answer was cut: it reached a token limit)\n');
    // Unknown prices (null) and free local models (0) show no cost.
    const cost = ev.cost_usd ? ` · $${ev.cost_usd.toFixed(4)}` : '';
    this.note(`  (${this.r.model} · ${ev.usage.total_tokens} tokens${cost} · session ${ev.session_id})\n`);
  }

  private out(text: string): void {
    if (this.quiet || text === '') return;
    this.io.out(text);
    this.atLineStart = text.endsWith('\n');
  }

  private note(text: string): void {
    if (this.quiet) return;
    if (!this.atLineStart) {
      this.io.out('\n');
      this.atLineStart = true;
    }
    this.io.err(text);
  }
}
