import type { ParseOutcome, ParseRequest, ParseRunner, ParserRegistry } from '../../ports/parser.js';
import type { ParseEnv } from './env.js';
import { createParseServices, type ParseServices, runParse } from './run-parse.js';

/**
 * Parses in the calling thread, with no time or memory limit beyond external tools' own. For
 * `--parse-isolation inline` (debugging a parser) and for commands that parse one file and exit.
 */
export class InlineParseRunner implements ParseRunner {
  private services: Promise<ParseServices> | null = null;

  constructor(
    private readonly registry: ParserRegistry,
    private readonly env: ParseEnv,
  ) {}

  async parse(req: ParseRequest): Promise<ParseOutcome> {
    this.services ??= createParseServices(this.env);
    return runParse(this.registry, await this.services, this.env, req);
  }

  async close(): Promise<void> {
    const s = this.services;
    this.services = null;
    if (s) await (await s).close();
  }
}
