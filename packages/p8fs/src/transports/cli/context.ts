import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { Config, ConfigKey } from '../../config/schema.js';
import { type ConfigSource, configFlags, configSources } from './config-flags.js';
import type { CliIo } from './io.js';

/** What every command action starts from: the validated config, where each value came from, and io. */
export interface CliContext {
  io: CliIo;
  config: Config;
  sources: Record<ConfigKey, ConfigSource>;
}

/** Load the config from P8FS_* variables and the global flags; throws config.invalid listing every problem. */
export function cliContext(cmd: Command, io: CliIo): CliContext {
  const flags = configFlags(cmd.optsWithGlobals());
  return { io, config: loadConfig(io.env, flags), sources: configSources(io.env, flags) };
}

/**
 * Log level for short commands: the info and warn lines a server wants (file stored, file failed)
 * repeat what the command itself reports, so they show only when the user asks for them.
 */
export function oneShotLogLevel(ctx: CliContext): Config['logLevel'] {
  return ctx.sources.logLevel === 'default' ? 'error' : ctx.config.logLevel;
}

/** True when notes (which server was used, …) should go to stderr at this log level. */
export function showNotes(ctx: CliContext): boolean {
  return ['info', 'debug', 'trace'].includes(ctx.config.logLevel);
}
