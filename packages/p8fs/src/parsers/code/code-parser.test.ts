import { describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import type { ParsedDocument } from '../../ports/parser.js';
import { createParserRegistry } from '../index.js';
import { codeParser } from './code-parser.js';
import { splitSections } from './sections.js';
import { LANGUAGES_BY_EXTENSION } from './languages.js';

const parse = (text: string | Buffer, name: string, mimeType = 'text/plain'): Promise<ParsedDocument> =>
  codeParser.parse({ bytes: typeof text === 'string' ? Buffer.from(text) : text, name, mimeType });

const headings = (doc: ParsedDocument): string[] => doc.blocks.filter((b) => b.kind === 'heading').map((b) => b.text);

const TS = `import { readFile } from 'node:fs/promises';
import type { Config } from './config.js';

/**
 * Load the configuration file, falling back to defaults when it is missing.
 * The file is JSON; unknown keys are kept for forward compatibility.
 */
export async function loadConfig(path: string): Promise<Config> {
  const text = await readFile(path, 'utf8').catch(() => '{}');
  const parsed = JSON.parse(text) as Partial<Config>;
  return { retries: parsed.retries ?? 3, timeoutMs: parsed.timeoutMs ?? 1000, ...parsed };
}

/** Keeps open connections so repeated requests reuse them. */
@injectable()
export class ConnectionPool {
  private readonly open = new Map<string, number>();

  acquire(host: string): number {
    const count = (this.open.get(host) ?? 0) + 1;
    this.open.set(host, count);
    return count;
  }
}
`;

describe('codeParser', () => {
  it('splits TypeScript into the import header and one section per declaration, comments included', async () => {
    const doc = await parse(TS, 'config.ts');
    expect(headings(doc)).toEqual(['header (lines 1–2)', 'loadConfig (lines 4–12)', 'ConnectionPool (lines 14–24)']);
    expect(doc.blocks[3]!.text.split('\n').slice(0, 2)).toEqual(['```typescript', '/**']);
    expect(doc.blocks[5]!.text).toMatch(/^```typescript\n\/\*\* Keeps open connections.*\n@injectable\(\)\nexport class ConnectionPool \{/);
    expect(doc.blocks[5]!.text.endsWith('  }\n}\n```')).toBe(true);
    expect(doc.metadata).toEqual({ encoding: 'utf-8', language: 'typescript', lines: 24, symbols: ['loadConfig', 'ConnectionPool'] });
  });

  it('splits Python at top-level def and class, keeping decorators and comments, not methods', async () => {
    const py = [
      'import os',
      'import sys',
      '',
      '',
      '# Reads settings from the environment first.',
      '@dataclass',
      'class Settings:',
      '    home: str = os.environ.get("HOME", "/")',
      '',
      '    def describe(self) -> str:',
      '        return f"settings rooted at {self.home} for the current user and process"',
      '',
      '',
      'async def main(argv: list[str]) -> int:',
      '    """Run the command line tool with the given arguments and return its exit status."""',
      '    settings = Settings()',
      '    print(settings.describe(), argv, file=sys.stderr)',
      '    return 0',
      '',
    ].join('\n');
    const doc = await parse(py, 'tool.py');
    expect(headings(doc)).toEqual(['header (lines 1–2)', 'Settings (lines 5–11)', 'main (lines 14–18)']);
    expect(doc.blocks[3]!.text.startsWith('```python\n# Reads settings')).toBe(true);
    expect(doc.metadata).toMatchObject({ language: 'python', lines: 18, symbols: ['Settings', 'main'] });
  });

  it('packs runs of tiny declarations into one section', async () => {
    const doc = await parse("export type Id = string;\nexport type Name = string;\nexport const LIMIT = 10;\nexport const FLOOR = 1;\n", 'types.ts');
    expect(headings(doc)).toEqual(['Id, Name, LIMIT +1 more (lines 1–4)']);
    expect(doc.metadata.symbols).toEqual(['Id', 'Name', 'LIMIT', 'FLOOR']);
  });

  it('names Go methods, Rust impls and SQL objects', () => {
    const names = (ext: string, src: string): string[][] => splitSections(src.split('\n'), LANGUAGES_BY_EXTENSION[ext]!.family).map((s) => s.names);
    const filler = Array.from({ length: 30 }, (_, i) => `  // step ${i} of the long body`).join('\n');
    expect(names('.go', `package main\n\nfunc (s *Server) Start(ctx context.Context) error {\n${filler}\n}\n`)).toEqual([['header'], ['Start']]);
    expect(names('.rs', `/// Shown.\nimpl<T: Debug> Display for Wrapper<T> {\n${filler}\n}\n`)).toEqual([['impl<T: Debug> Display for Wrapper<T>']]);
    expect(names('.sql', `-- accounts\nCREATE TABLE IF NOT EXISTS accounts (\n${filler}\n);\n`)).toEqual([['accounts']]);
    expect(names('.c', `#include <stdio.h>\n\nint main(int argc, char **argv) {\n${filler}\n}\n`)).toEqual([['header'], ['main']]);
  });

  it('uses a fence longer than any backtick run in the code', async () => {
    const doc = await parse('// ```not a fence```\nconst x = 1;\n', 'x.js');
    expect(doc.blocks[1]!.text.startsWith('````javascript\n')).toBe(true);
  });

  it('refuses binary and non-UTF-8 content', async () => {
    for (const [bytes, reason] of [
      [Buffer.from([0x69, 0x6d, 0x00, 0x01, 0x02]), /binary/],
      [Buffer.from('const caf\xe9 = 1;\n', 'latin1'), /UTF-8/],
    ] as const) {
      const err = await parse(bytes, 'x.ts').catch((e: unknown) => e);
      expect(isAppError(err, 'parser.failed')).toBe(true);
      expect((err as Error).message).toMatch(reason);
    }
  });

  it('takes the language from the media type when the name has no known extension', async () => {
    const doc = await parse('def run():\n    return 1\n', 'script', 'text/x-python');
    expect(doc.metadata.language).toBe('python');
  });

  it('is picked by the registry for a .ts file, which file-type does not sniff as MPEG-TS', async () => {
    const registry = createParserRegistry([codeParser]);
    const resolution = await registry.resolve({ name: 'config.ts', bytes: Buffer.from(TS) });
    expect(resolution.parser.id).toBe('code');
  });
});
