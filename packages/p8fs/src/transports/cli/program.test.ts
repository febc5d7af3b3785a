import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { run } from './main.js';
import { buildProgram } from './program.js';

function capture(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { env, out: (s) => void out.push(s), err: (s) => void err.push(s), stderr: process.stderr };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

function paths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...paths(c, [...prefix, c.name()])]);
}

describe('p8fs program', () => {
  const program = buildProgram(capture().io, '0.0.0');

  it('registers the documented commands', () => {
    expect(paths(program).map((p) => p.join(' '))).toEqual([
      'serve', 'worker', 'router', 'reconcile', 'ingest', 'search', 'rem', 'chat', 'files', 'files ls', 'files info', 'files rm', 'files reprocess', 'moments', 'moments ls', 'moments show', 'moments add', 'moments rm', 'export', 'backup', 'restore', 'status', 'config',
      'providers', 'test-file', 'process', 'auth', 'auth token', 'auth rotate-keys', 'auth keygen', 'register', 'login', 'approve', 'devices', 'devices ls',
      'devices rename', 'devices rm', 'sync', 'recover', 'tokens', 'tokens create', 'tokens ls', 'tokens rm', 'keys', 'keys status', 'keys rotate', 'mcp',
    ]);
  });

  it.each(paths(program))('%s has a description and examples in --help', async (...path) => {
    const c = capture();
    expect(await run(['node', 'p8fs', ...path, '--help'], c.io)).toBe(0);
    expect(c.out()).toMatch(/^Usage: p8fs /);
    expect(c.out()).toContain('Examples:\n  $ p8fs');
  });

  it('exits 2 on usage errors and 0 for --version', async () => {
    const bad = capture();
    expect(await run(['node', 'p8fs', 'search'], bad.io)).toBe(2);
    expect(bad.err()).toContain("missing required argument 'query'");
    expect(await run(['node', 'p8fs', 'frobnicate'], capture().io)).toBe(2);
    const v = capture();
    expect(await run(['node', 'p8fs', '--version'], v.io)).toBe(0);
    expect(v.out().trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists every config problem and exits 2', async () => {
    const c = capture({ P8FS_PORT: 'abc', P8FS_EMBEDDING_PROVIDER: 'nope' });
    expect(await run(['node', 'p8fs', 'config'], c.io)).toBe(2);
    expect(c.err()).toContain('P8FS_PORT / --port');
    expect(c.err()).toContain('P8FS_EMBEDDING_PROVIDER / --embedding-provider');
    expect(c.out()).toBe('');
  });

  it('rejects an empty search query before opening any vault', async () => {
    const c = capture({ P8FS_DATA_DIR: '/nonexistent/p8fs-never-created' });
    expect(await run(['node', 'p8fs', 'search', '  '], c.io)).toBe(2);
    expect(c.err()).toContain('query must not be empty');
  });

  it('prints the effective config with sources and masked secrets as JSON', async () => {
    const c = capture({ P8FS_EMBEDDING_API_KEY: 'sk-secret', P8FS_WORKERS: '3' });
    expect(await run(['node', 'p8fs', 'config', '--json', '--port', '9001'], c.io)).toBe(0);
    const cfg = JSON.parse(c.out());
    expect(cfg.port).toEqual({ value: 9001, source: 'flag', env: 'P8FS_PORT', flag: '--port' });
    expect(cfg.workers).toMatchObject({ value: 3, source: 'env' });
    expect(cfg.host).toMatchObject({ value: '127.0.0.1', source: 'default' });
    expect(cfg.embeddingApiKey).toMatchObject({ value: '****', source: 'env' });
    expect(c.out()).not.toContain('sk-secret');
  });
});
