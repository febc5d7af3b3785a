import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The dependency direction of docs/ARCHITECTURE.md, enforced:
// domain -> nothing with I/O; services -> domain, ports (never adapters, transports, config);
// ports -> domain types only; only entrypoints (cli main, bench) read process.env.
const SRC = dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    // Tests and their fixtures may reach into test/ support code.
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.fixture.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] as string);
}

function layer(file: string): string {
  return relative(SRC, file).split('/')[0] as string;
}

function localTargets(file: string): string[] {
  return imports(file).filter((s) => s.startsWith('.')).map((s) => layer(resolve(dirname(file), s)));
}

const RULES: Record<string, string[]> = {
  domain: ['domain'],
  ports: ['domain', 'ports'],
  services: ['domain', 'ports', 'services'],
  parsers: ['domain', 'ports', 'parsers'],
};

describe('architecture', () => {
  const files = sources(SRC);
  for (const [from, allowed] of Object.entries(RULES)) {
    it(`${from} imports only ${allowed.join(', ')}`, () => {
      const bad = files
        .filter((f) => layer(f) === from)
        .flatMap((f) => localTargets(f).filter((t) => !allowed.includes(t)).map((t) => `${relative(SRC, f)} -> ${t}`));
      expect(bad).toEqual([]);
    });
  }

  it('domain does no I/O', () => {
    const io = /^(node:)?(fs|net|http|https|child_process|worker_threads)(\/|$)|^pg$|@electric-sql/;
    const bad = files.filter((f) => layer(f) === 'domain').flatMap((f) => imports(f).filter((s) => io.test(s)).map((s) => `${relative(SRC, f)} -> ${s}`));
    expect(bad).toEqual([]);
  });

  it('only entrypoints read the environment', () => {
    const allowed = /^(transports\/cli\/|bench\/)/;
    const bad = files.filter((f) => /process\.env\b/.test(readFileSync(f, 'utf8')) && !allowed.test(relative(SRC, f)));
    expect(bad.map((f) => relative(SRC, f))).toEqual([]);
  });
});
