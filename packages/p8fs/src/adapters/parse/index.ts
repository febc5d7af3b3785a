import type { Config } from '../../config/schema.js';
import { createParserRegistry } from '../../parsers/index.js';
import type { ParseRunner } from '../../ports/parser.js';
import { parseEnvFromConfig } from './env.js';
import { InlineParseRunner } from './inline-runner.js';
import { ThreadParseRunner } from './thread-runner.js';

export { parseEnvFromConfig, type ParseEnv } from './env.js';
export { InlineParseRunner } from './inline-runner.js';
export { ThreadParseRunner } from './thread-runner.js';

/** The parse runner the config asks for: worker threads with limits (default) or inline. */
export function createParseRunner(config: Config, mode: Config['parseIsolation'] = config.parseIsolation): ParseRunner {
  const env = parseEnvFromConfig(config);
  // One parser thread per concurrent job: a worker never waits on another file's parse.
  if (mode === 'thread') return new ThreadParseRunner({ env, threads: Math.max(1, config.workers) });
  return new InlineParseRunner(createParserRegistry(), env);
}
