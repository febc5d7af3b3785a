import { type Command, Option } from 'commander';
import { CONFIG_KEYS, envName, flagName } from '../../config/load.js';
import { type Config, type ConfigKey, ConfigShape, EXTRA_SECRET_KEYS } from '../../config/schema.js';

/** Where an effective config value came from. */
export type ConfigSource = 'default' | 'env' | 'flag';

/** The schema's defaults (keys without one are absent), computed once for help and `p8fs config`. */
export const CONFIG_DEFAULTS: Partial<Config> = ConfigShape.parse({});

const HELP_GROUP = 'Config options (each also a P8FS_* environment variable; flags win):';

/** Add one global option per config key, named by flagName and documented with its variable. */
export function addConfigOptions(program: Command): void {
  for (const key of CONFIG_KEYS) {
    const def = CONFIG_DEFAULTS[key];
    const { type, choices } = innerType(key);
    const flag = typeof def === 'boolean' ? `--${flagName(key)}` : `--${flagName(key)} <${placeholder(key, type)}>`;
    const parts = [
      ConfigShape.shape[key].description, choices && `one of ${choices.join(', ')}`, envName(key),
      def === undefined ? undefined : `default ${String(def)}`,
    ];
    program.addOption(new Option(flag, parts.filter(Boolean).join('; ')).helpGroup(HELP_GROUP));
  }
}

// Values are validated by the config schema, not by commander: one place reports every problem.
function innerType(key: ConfigKey): { type: string; choices: string[] | undefined } {
  let s = ConfigShape.shape[key] as unknown as { _zod: { def: { type: string; innerType?: unknown } }; options?: string[] };
  while (s._zod.def.innerType) s = s._zod.def.innerType as typeof s;
  return { type: s._zod.def.type, choices: s.options };
}

function placeholder(key: string, type: string): string {
  if (type === 'number') return 'n';
  if (type === 'enum') return 'name';
  if (/Dir$/.test(key)) return 'dir';
  if (/Url$|^server$/.test(key)) return 'url';
  return 'value';
}

/** The config flags among a command's parsed options (commander names them like the config keys). */
export function configFlags(opts: Record<string, unknown>): Partial<Record<ConfigKey, unknown>> {
  const flags: Partial<Record<ConfigKey, unknown>> = {};
  for (const key of CONFIG_KEYS) if (opts[key] !== undefined) flags[key] = opts[key];
  return flags;
}

/** Which source set each key, with the same precedence as loadConfig: flag, then env, then default. */
export function configSources(env: NodeJS.ProcessEnv, flags: Partial<Record<ConfigKey, unknown>>): Record<ConfigKey, ConfigSource> {
  const out = {} as Record<ConfigKey, ConfigSource>;
  for (const key of CONFIG_KEYS) {
    const fromEnv = env[envName(key)];
    out[key] = flags[key] !== undefined ? 'flag' : fromEnv !== undefined && fromEnv !== '' ? 'env' : 'default';
  }
  return out;
}

// Matched at the end of the key: chunkTokens is a size, embeddingApiKey is a secret.
const SECRET_KEY = /(?:key|secret|password|token)$/i;

/** A value safe to print: secrets become ****, and URLs lose their password. */
export function maskConfigValue(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (SECRET_KEY.test(key) || EXTRA_SECRET_KEYS.has(key)) return '****';
  if (typeof value !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = '****';
    return url.toString();
  } catch {
    return value;
  }
}
