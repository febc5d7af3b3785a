import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkDocument } from '../../domain/chunking.js';
import { isAppError } from '../../domain/errors.js';
import type { ParsedDocument, Parser } from '../../ports/parser.js';
import { CORPUS, render, type ExpectedVector, type ManifestEntry } from '../shared/corpus.fixture.js';
import { jsonErrorPosition } from './json-error.js';
import { jsonParser } from './json-parser.js';
import { yamlParser } from './yaml-parser.js';

const parse = (parser: Parser, text: string, name = 'data'): Promise<ParsedDocument> =>
  parser.parse({ bytes: Buffer.from(text), name, mimeType: parser.mediaTypes[0]! });

const headings = (doc: ParsedDocument): string[] => doc.blocks.filter((b) => b.kind === 'heading').map((b) => `${b.level}:${b.text}`);

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(isAppError(err, 'parser.failed'), String(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected parser.failed');
}

describe('jsonParser', () => {
  it('keeps small nested values as code under a heading per top-level key', async () => {
    const doc = await parse(jsonParser, JSON.stringify({ name: 'vault', settings: { depth: 2, tags: ['a', 'b'] } }));
    expect(headings(doc)).toEqual(['1:name', '1:settings']);
    expect(doc.blocks[3]).toEqual({ kind: 'code', text: '```json\n{\n  "depth": 2,\n  "tags": [\n    "a",\n    "b"\n  ]\n}\n```' });
    expect(doc.metadata).toMatchObject({ top_level_keys: ['name', 'settings'], document_kind: null });
  });

  it('opens a large nested object into sub-headings, at most three levels deep', async () => {
    const big = (tag: string): Record<string, string> => Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`${tag}${i}`, `value number ${i} of ${tag}`]));
    const value = { config: { server: big('s'), client: { a: big('a'), b: { deep: big('d'), other: big('o') } } } };
    const doc = await parse(jsonParser, JSON.stringify(value));
    const hs = headings(doc);
    expect(hs.slice(0, 2)).toEqual(['1:config', '2:server']);
    const serverGroups = hs.filter((h) => h.startsWith('3:s'));
    expect(serverGroups[0]).toMatch(/^3:s0 … s\d+$/);
    expect(serverGroups.at(-1)).toMatch(/^3:s\d+ … s59$/);
    expect(hs).toEqual(expect.arrayContaining(['2:client', '3:a', '3:b']));
    // Small siblings share a block; beyond depth 3 a value is code even when large (the chunker splits it).
    expect(serverGroups.length).toBeGreaterThan(1);
    expect(serverGroups.length).toBeLessThan(10);
    expect(Math.max(...doc.blocks.map((b) => (b.kind === 'heading' ? b.level : 0)))).toBe(3);
    expect(doc.blocks.at(-1)!.text).toMatch(/^```json\n\{\n {2}"deep": \{/);
  });

  it('renders a large array of same-shape flat objects as table blocks', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, name: `item-${i + 1}`, active: i % 2 === 0 }));
    const doc = await parse(jsonParser, JSON.stringify({ rows }));
    const tables = doc.blocks.filter((b) => b.kind === 'table');
    expect(tables.length).toBeGreaterThan(1);
    for (const t of tables) expect(t.text.split('\n')[0]).toBe('| id | name | active |');
    expect(tables.map((t) => t.text).join('\n')).toContain('| 100 | item-100 | false |');
  });

  it('groups a large top-level array of mixed items under item-range headings', async () => {
    const items = Array.from({ length: 80 }, (_, i) => (i % 2 === 0 ? { id: i, note: `note ${i} with a few words` } : [i, `entry ${i}`]));
    const doc = await parse(jsonParser, JSON.stringify(items));
    const hs = headings(doc);
    expect(hs.length).toBeGreaterThan(1);
    expect(hs[0]).toMatch(/^1:items 1–\d+$/);
    expect(hs.at(-1)).toMatch(/^1:items \d+–80$/);
    // Every group fits one default chunk, so a hit lands on a whole group.
    for (const c of chunkDocument(doc, { chunkTokens: 512, overlapTokens: 50 })) expect(c.headingPath[0]).toMatch(/^items /);
  });

  it('records the document kind, preferring p8-type over kind', async () => {
    expect((await parse(jsonParser, '{"kind":"engram","name":"x"}')).metadata.document_kind).toBe('engram');
    expect((await parse(jsonParser, '{"kind":"Deployment","p8-type":"agent"}')).metadata.document_kind).toBe('agent');
  });

  it('hands the parsed value of an engram or agent to the derivers, and nothing else', async () => {
    expect((await parse(jsonParser, '{"kind":"Engram","name":"x"}')).structured).toEqual({ kind: 'Engram', name: 'x' });
    expect((await parse(jsonParser, '{"kind":"Deployment","name":"x"}')).structured).toBeUndefined();
  });

  it('reports malformed JSON with its line and column', async () => {
    const message = await failure(parse(jsonParser, '{\n  "a": 1,\n  "b": }\n'));
    expect(message).toMatch(/^invalid JSON at line 3, column 8: /);
    await expect(failure(parse(jsonParser, '{"a": [1, 2'))).resolves.toMatch(/at line 1, column 12/);
    await expect(failure(parse(jsonParser, '  '))).resolves.toMatch(/empty/);
  });

  it('locates errors the way a reader counts lines', () => {
    expect(jsonErrorPosition('{"a": 1}')).toBeNull();
    expect(jsonErrorPosition('[1,]')).toEqual({ line: 1, column: 4 });
    expect(jsonErrorPosition('{"a": "x\\q"}')).toEqual({ line: 1, column: 9 });
    expect(jsonErrorPosition('{}\n\n x')).toEqual({ line: 3, column: 2 });
  });
});

describe('yamlParser', () => {
  it('makes each document of a multi-document stream a section', async () => {
    const doc = await parse(yamlParser, 'kind: engram\nname: first\n---\nname: second\nitems: [1, 2]\n');
    expect(headings(doc)).toEqual(['1:Document 1', '2:kind', '2:name', '1:Document 2', '2:name', '2:items']);
    expect(doc.blocks[4]).toEqual({ kind: 'code', text: '```yaml\nfirst\n```' });
    expect(doc.metadata).toMatchObject({ documents: 2, document_kind: 'engram', top_level_keys: ['kind', 'name', 'items'] });
    expect(doc.structured).toEqual({ kind: 'engram', name: 'first' });
  });

  it('keeps a single document at top level with its title', async () => {
    const doc = await parse(yamlParser, 'title: Agent\np8-type: agent\ntools:\n  - search\n');
    expect(headings(doc)).toEqual(['1:title', '1:p8-type', '1:tools']);
    expect(doc.title).toBe('Agent');
    expect(doc.metadata.document_kind).toBe('agent');
  });

  it('refuses a billion-laughs alias bomb', async () => {
    const names = 'abcdefghij'.split('');
    const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < names.length; i++) {
      const prev = `*${names[i - 1]!}`;
      bomb.push(`${names[i]!}: &${names[i]!} [${new Array<string>(9).fill(prev).join(',')}]`);
    }
    // Refused by the alias guard (not a timing: the message says which guard); expanding it would
    // build 9^10 nodes and run into the test's time limit.
    await expect(failure(parse(yamlParser, `${bomb.join('\n')}\n`))).resolves.toMatch(/refused: .*alias/i);
  });

  it('still reads a few honest aliases', async () => {
    const doc = await parse(yamlParser, 'base: &b {x: 1}\nother: *b\n');
    expect(doc.blocks[3]).toEqual({ kind: 'code', text: '```yaml\nx: 1\n```' });
  });

  it('reports malformed YAML with its line and column', async () => {
    const message = await failure(parse(yamlParser, 'a: 1\nb: [1, 2\nc: 3\n'));
    expect(message).toMatch(/^invalid YAML at line 3, column 1: /);
    await expect(failure(parse(yamlParser, 'a: 1\n  b: 2\n'))).resolves.toMatch(/^invalid YAML at line \d+, column \d+: /);
  });

  it('refuses an empty stream', async () => {
    await expect(failure(parse(yamlParser, '# nothing here\n'))).resolves.toMatch(/empty/);
  });
});

describe('docs-corpus JSON', () => {
  const manifestPath = resolve(CORPUS, 'manifest.json');
  const entries = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as ManifestEntry[]).filter((e) => e.format === 'json') : [];
  it('has JSON files in the corpus', () => expect(entries.length).toBeGreaterThan(0));
  // Only markitdown's strings: the manifest pairs test.json with expected/test.md, which is test.pdf's output.
  it.each(entries.map((e) => [e.file, e] as const))('%s yields its must-include strings', async (file, entry) => {
    const doc = await jsonParser.parse({ bytes: readFileSync(resolve(CORPUS, file)), name: basename(file), mimeType: 'application/json' });
    const text = render(doc);
    expect(entry.expected_strings).not.toBeNull();
    const vectors = (JSON.parse(readFileSync(resolve(CORPUS, entry.expected_strings!), 'utf8')) as { GENERAL_TEST_VECTORS: ExpectedVector[] }).GENERAL_TEST_VECTORS;
    const mine = vectors.filter((v) => v.filename === basename(file));
    expect(mine.length).toBeGreaterThan(0);
    for (const v of mine) {
      for (const s of v.must_include) expect(text).toContain(s);
      for (const s of v.must_not_include) expect(text).not.toContain(s);
    }
    expect(headings(doc)).toContain('1:5b64c88c-b3c3-4510-bcb8-da0b200602d8');
  });
});
