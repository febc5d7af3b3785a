import { createInterface, type Interface } from 'node:readline';
import { DEFAULT_AGENT } from '@p8fs/contracts';
import { Command } from 'commander';
import { AppError, isAppError } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { examples, json } from '../format.js';
import type { CliIo } from '../io.js';
import type { VaultClient } from '../vault/client.js';
import { withVault } from '../vault/open.js';
import { ChatPrinter } from './chat-render.js';

interface ChatOptions {
  agent: string;
  session?: string;
  moment?: string;
  json?: boolean;
}

/** `p8fs chat ["question"]`: talk to an agent over the vault, once or interactively. */
export const chatCommand: CommandFactory = (io) =>
  new Command('chat')
    .summary('chat with your vault')
    .description(
      'Ask an agent (default p8-system) about your vault: it searches, looks up and walks the graph as you, streams its ' +
        'answer with the tools it used and the sources it cites, and keeps the conversation as a session. With a question it ' +
        'answers once; without one it asks in turn (/new starts a new session, /exit or Ctrl-D ends, Ctrl-C stops an answer). ' +
        'The model is P8FS_CHAT_MODEL (provider:model); without one the answer is the best retrieved passages.',
    )
    .argument('[question...]', 'the question (quote it, or give it as words)')
    .option('--agent <name>', 'the agent: p8-system or one of your p8-type: agent documents, or provider:model', DEFAULT_AGENT)
    .option('--session <id>', 'continue this session')
    .option('--moment <id>', 'link the session to this moment')
    .option('--json', 'one question: print {session_id, answer, tool_calls, citations, usage, cost_usd}; interactive: one event per line')
    .addHelpText('after', examples(
      'p8fs chat "where did I put the zanzibar ledger?"',
      'p8fs chat --agent travel-planner "plan my Lisbon weekend"',
      'p8fs chat --session 1f0c…   # go on with an earlier conversation',
      'p8fs chat "who did I meet in Lisbon?" --json | jq .citations',
    ))
    .action(async (words: string[], opts: ChatOptions, cmd: Command) => {
      const ctx = cliContext(cmd, io);
      const question = words.join(' ').trim();
      await withVault(ctx, (vault) => (question ? once(io, vault, question, opts) : interactive(io, vault, opts)));
    });

/** One question, one answer; Ctrl-C cancels it (the model call upstream too). */
async function once(io: CliIo, vault: VaultClient, question: string, opts: ChatOptions): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  try {
    const printer = new ChatPrinter(io, opts.json === true);
    const run = await vault.chat({ agent: opts.agent, message: question, sessionId: opts.session, momentId: opts.moment }, abort.signal);
    for await (const ev of run.events) printer.event(ev);
    if (opts.json) io.out(json(printer.result()));
  } finally {
    process.off('SIGINT', stop);
  }
}

/** A conversation at the terminal: each line is a turn of one session. */
async function interactive(io: CliIo, vault: VaultClient, opts: ChatOptions): Promise<void> {
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: tty });
  let sessionId = opts.session;
  let current: AbortController | null = null;
  // Ctrl-C stops the answer being written; at the prompt it ends the conversation.
  rl.on('SIGINT', () => (current ? current.abort() : rl.close()));
  if (tty) io.err(`p8fs chat with ${opts.agent} on ${vault.location}: /new for a new session, /exit to leave\n`);
  const prompt = () => tty && rl.prompt();
  rl.setPrompt('you> ');
  prompt();
  for await (const raw of lines(rl)) {
    const line = raw.trim();
    if (line === '/exit' || line === '/quit') break;
    if (line === '/new') {
      sessionId = undefined;
      io.err('  (a new session starts with your next question)\n');
    } else if (line !== '') {
      current = new AbortController();
      sessionId = await turn(io, vault, { ...opts, session: sessionId }, line, current.signal) ?? sessionId;
      current = null;
    }
    prompt();
  }
  rl.close();
}

/** One turn: its answer printed (or its events, with --json); the session it belongs to. */
async function turn(io: CliIo, vault: VaultClient, opts: ChatOptions, message: string, signal: AbortSignal): Promise<string | undefined> {
  const printer = new ChatPrinter(io, opts.json === true);
  try {
    const run = await vault.chat({ agent: opts.agent, message, sessionId: opts.session, momentId: opts.moment }, signal);
    for await (const ev of run.events) {
      if (opts.json) io.out(`${JSON.stringify(ev)}\n`);
      printer.event(ev);
    }
    return run.sessionId || printer.result().session_id;
  } catch (err) {
    if (signal.aborted) {
      io.err('\n  (stopped)\n');
      return printer.result().session_id || undefined;
    }
    if (!isAppError(err)) throw err;
    io.err(`\np8fs: ${err.code}: ${err.message}\n`);
    // A session that does not exist will not start to: the conversation cannot go on with it.
    if (err.code === 'not_found' && opts.session) throw new AppError('not_found', err.message);
    return opts.session;
  }
}

/** The lines typed, until Ctrl-D (or the interface closes). */
async function* lines(rl: Interface): AsyncGenerator<string> {
  const queue: string[] = [];
  let closed = false;
  let wake: (() => void) | null = null;
  rl.on('line', (l) => {
    queue.push(l);
    wake?.();
  });
  rl.on('close', () => {
    closed = true;
    wake?.();
  });
  for (;;) {
    const next = queue.shift();
    if (next !== undefined) {
      yield next;
      continue;
    }
    if (closed) return;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = null;
  }
}
