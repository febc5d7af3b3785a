import { resolve } from 'node:path';
import { ConfigSchema, ConfigShape, type Config } from './schema.js';
import { AppError } from '../domain/errors.js';

/** dataDir -> P8FS_DATA_DIR */
export function envName(key: string): string {
  return `P8FS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** dataDir -> data-dir (the CLI flag) */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export const CONFIG_KEYS = Object.keys(ConfigShape.shape) as (keyof Config)[];

/**
 * Build the config from P8FS_* variables, overridden by flags. Throws config.invalid listing every
 * problem at once, each with the variable and flag that set it.
 */
export function loadConfig(env: NodeJS.ProcessEnv, flags: Partial<Record<string, unknown>> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const fromEnv = env[envName(key)];
    if (fromEnv !== undefined && fromEnv !== '') raw[key] = fromEnv;
    if (flags[key] !== undefined) raw[key] = flags[key];
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const where = key ? `${envName(key)} / --${flagName(key)}` : 'config';
      return `${where}: ${i.message}`;
    });
    throw new AppError('config.invalid', `invalid configuration:\n  - ${problems.join('\n  - ')}`, { problems });
  }
  const cfg = parsed.data;
  cfg.dataDir = resolve(cfg.dataDir);
  cfg.blobDir = resolve(cfg.blobDir ?? `${cfg.dataDir}/blobs`);
  return cfg;
}
