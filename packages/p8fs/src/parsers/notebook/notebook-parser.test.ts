import { describe, expect, it } from 'vitest';
import { testParseContext } from '../../../test/parse-context.js';
import { isAppError } from '../../domain/errors.js';
import type { ParsedDocument } from '../../ports/parser.js';
import { corpusGoldenTests, render } from '../shared/corpus.fixture.js';
import { MAX_OUTPUT_CHARS } from './notebook-cells.js';
import { notebookParser } from './notebook-parser.js';

const parse = (value: unknown, name = 'nb.ipynb'): Promise<ParsedDocument> =>
  notebookParser.parse({ bytes: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), name, mimeType: 'application/x-ipynb+json' }, testParseContext());

const code = (source: string | string[], outputs: unknown[] = []): Record<string, unknown> => ({ cell_type: 'code', execution_count: 1, metadata: {}, source, outputs });
const markdown = (source: string | string[]): Record<string, unknown> => ({ cell_type: 'markdown', metadata: {}, source });
const nb4 = (cells: unknown[], metadata: Record<string, unknown> = {}): Record<string, unknown> => ({ cells, metadata, nbformat: 4, nbformat_minor: 5 });

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(isAppError(err, 'parser.corrupt'), String(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected parser.corrupt');
}

describe('notebookParser', () => {
  corpusGoldenTests({ ipynb: notebookParser });

  it('renders markdown cells as blocks and code cells as fenced code in the kernel language, with text output', async () => {
    const doc = await parse(
      nb4(
        [
          markdown(['# Analysis\n', '\n', 'Some *notes*.']),
          code(['x = 6 * 7\n', 'print(x)'], [{ output_type: 'stream', name: 'stdout', text: ['42\n'] }]),
          code('x', [
            { output_type: 'execute_result', execution_count: 2, data: { 'text/plain': ['42'], 'text/html': ['<b>42</b>'] }, metadata: {} },
            { output_type: 'display_data', data: { 'image/png': 'iVBORw0KGgo=', 'text/plain': ['<Figure size 640x480>'] }, metadata: {} },
          ]),
        ],
        { kernelspec: { language: 'python', name: 'python3' }, language_info: { name: 'Python' } },
      ),
    );
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Analysis' },
      { kind: 'paragraph', text: 'Some *notes*.' },
      { kind: 'code', text: '```python\nx = 6 * 7\nprint(x)\n```' },
      { kind: 'code', text: '```output\n42\n```' },
      { kind: 'code', text: '```python\nx\n```' },
      { kind: 'code', text: '```output\n42\n```' },
    ]);
    expect(render(doc)).not.toMatch(/iVBOR|Figure size|<b>|image output/);
    expect(doc.title).toBe('Analysis');
    expect(doc.metadata).toEqual({ cells: 3, code_cells: 2, language: 'python', nbformat: 4 });
  });

  it('takes the title from notebook metadata, the language from the kernelspec, and keeps errors without colour codes', async () => {
    const doc = await parse(
      nb4([code('stop()', [{ output_type: 'error', ename: 'NameError', evalue: "name 'stop' is not defined", traceback: ['\u001b[31mNameError\u001b[0m'] }])], {
        title: 'Run log',
        kernelspec: { language: 'R' },
      }),
    );
    expect(doc.title).toBe('Run log');
    expect(doc.blocks).toEqual([
      { kind: 'code', text: '```r\nstop()\n```' },
      { kind: 'code', text: "```output\nNameError: name 'stop' is not defined\n```" },
    ]);
    expect(doc.metadata.language).toBe('r');
  });

  it('lengthens the fence around code that contains a fence', async () => {
    const doc = await parse(nb4([code('s = """\n```\n"""')]));
    expect(doc.blocks[0]!.text).toBe('````python\ns = """\n```\n"""\n````');
  });

  it('cuts very long output at a line end and says so in metadata', async () => {
    const line = `${'x'.repeat(99)}\n`;
    const doc = await parse(nb4([code('train()', [{ output_type: 'stream', name: 'stdout', text: line.repeat(500) }])]));
    const output = doc.blocks[1]!.text;
    expect(output.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS + 20);
    expect(output.endsWith(`${'x'.repeat(99)}\n\`\`\``)).toBe(true);
    expect(doc.metadata.truncated_outputs).toBe(1);
  });

  it('reads nbformat 3 worksheets, heading cells and pyout results', async () => {
    const doc = await parse({
      nbformat: 3,
      nbformat_minor: 0,
      metadata: { name: 'old' },
      worksheets: [
        {
          cells: [
            { cell_type: 'heading', level: 2, source: ['Old style'] },
            { cell_type: 'code', language: 'python', input: ['1 + 1'], outputs: [{ output_type: 'pyout', text: ['2'] }] },
          ],
        },
      ],
    });
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 2, text: 'Old style' },
      { kind: 'code', text: '```python\n1 + 1\n```' },
      { kind: 'code', text: '```output\n2\n```' },
    ]);
    expect(doc.metadata).toEqual({ cells: 2, code_cells: 1, language: 'python', nbformat: 3 });
  });

  it('refuses invalid JSON and JSON that is not a notebook as parser.corrupt', async () => {
    expect(await failure(parse('{"cells": [', 'cut.ipynb'))).toMatch(/cut\.ipynb is not a readable notebook: invalid JSON/);
    expect(await failure(parse({ hello: 'world' }))).toMatch(/no nbformat version/);
    expect(await failure(parse({ nbformat: 4, metadata: {} }))).toMatch(/has no cells/);
  });
});
