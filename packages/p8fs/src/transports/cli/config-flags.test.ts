import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { addConfigOptions, CONFIG_DEFAULTS, configFlags, configSources, maskConfigValue } from './config-flags.js';

function parse(args: string[]) {
  const program = new Command('p8fs').exitOverride();
  addConfigOptions(program);
  program.parse(args, { from: 'user' });
  return configFlags(program.opts());
}

describe('config flags', () => {
  it('turns --kebab flags into config keys, with booleans taking no value', () => {
    expect(parse(['--data-dir', '/v', '--workers', '3', '--embedding-provider', 'hash', '--dev'])).toEqual({
      dataDir: '/v', workers: '3', embeddingProvider: 'hash', dev: true,
    });
  });

  it('reports where each value came from with the loader precedence: flag, env, default', () => {
    const env = { P8FS_WORKERS: '4', P8FS_PORT: '9000', P8FS_HOST: '' };
    const flags = parse(['--port', '9100']);
    const sources = configSources(env, flags);
    expect([sources.port, sources.workers, sources.host, sources.dataDir]).toEqual(['flag', 'env', 'default', 'default']);
    const config = loadConfig(env, flags);
    expect([config.port, config.workers, config.host]).toEqual([9100, 4, CONFIG_DEFAULTS.host]);
  });

  it('masks secrets and URL passwords but not sizes that merely mention tokens', () => {
    expect(maskConfigValue('embeddingApiKey', 'sk-123')).toBe('****');
    expect(maskConfigValue('pgUrl', 'postgres://me:hunter2@db:5432/p8fs')).toBe('postgres://me:****@db:5432/p8fs');
    expect(maskConfigValue('server', 'http://127.0.0.1:8808')).toBe('http://127.0.0.1:8808');
    expect(maskConfigValue('chunkTokens', 256)).toBe(256);
    expect(maskConfigValue('embeddingApiKey', undefined)).toBeUndefined();
  });
});
