import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import type { OcrEngine } from '../../ports/ocr.js';
import { ProcessToolRunner } from '../tools/process-tool-runner.js';
import { createOcrEngine, TesseractCliOcr, TesseractJsOcr } from './index.js';
import { parseTsv } from './tesseract-cli-ocr.js';
import { textImage } from './text-image.fixture.js';

const LINES = ['Invoice 4471 for garden tools', 'Paid in full on 12 March'];
const tools = new ProcessToolRunner();
const jsOcr = new TesseractJsOcr();
const cliOcr = new TesseractCliOcr(tools);
afterAll(() => jsOcr.close());

const words = (s: string): string => s.replace(/\s+/g, ' ').trim();

describe.each([
  ['tesseract.js', jsOcr],
  ['tesseract CLI', cliOcr],
] as [string, OcrEngine][])('%s', (_name, engine) => {
  it('reads rendered text back, lines in order, with a high confidence', async () => {
    const png = await textImage(LINES).png().toBuffer();
    const { text, confidence } = await engine.recognize(png);
    expect(words(text)).toBe(LINES.join(' '));
    expect(text.split('\n').filter((l) => l.trim() !== '')).toEqual(LINES);
    expect(confidence).toBeGreaterThan(80);
    expect(confidence).toBeLessThanOrEqual(100);
  });

  it('reads JPEG input too', async () => {
    const jpeg = await textImage(LINES).jpeg({ quality: 90 }).toBuffer();
    expect(words((await engine.recognize(jpeg)).text)).toBe(LINES.join(' '));
  });

  it('finds no text on a blank image', async () => {
    const blank = await textImage([]).png().toBuffer();
    expect((await engine.recognize(blank)).text.trim()).toBe('');
  });

  it('fails with parser.failed on bytes that are not an image', async () => {
    const err = await engine.recognize(Buffer.from('not an image at all')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('parser.failed');
  });

  it('refuses to start when the parse is already cancelled', async () => {
    const png = await textImage(LINES).png().toBuffer();
    const err = await engine.recognize(png, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('parser.timeout');
  });
});

describe('TesseractJsOcr', () => {
  const page = (): Promise<Buffer> => textImage(Array.from({ length: 30 }, (_, i) => `Line ${i + 1} of a long scanned page`)).png().toBuffer();

  it('answers a cancelled caller at once, while the job runs', async () => {
    const engine = new TesseractJsOcr();
    await engine.recognize(await textImage(['warm up']).png().toBuffer());
    const ac = new AbortController();
    const pending = engine.recognize(await page(), { signal: ac.signal });
    setTimeout(() => ac.abort(), 0);
    await expect(pending).rejects.toMatchObject({ code: 'parser.timeout' });
    // The engine still works for everyone else.
    expect(words((await engine.recognize(await textImage(['Still here']).png().toBuffer())).text)).toBe('Still here');
    await engine.close();
  });

  it('fails recognitions in flight when closed, instead of leaving them waiting', async () => {
    const engine = new TesseractJsOcr();
    await engine.recognize(await textImage(['warm up']).png().toBuffer());
    const pending = engine.recognize(await page());
    setTimeout(() => void engine.close(), 0);
    await expect(pending).rejects.toMatchObject({ code: 'parser.failed', message: 'OCR was stopped: the engine was closed' });
  });

  it('recovers after close(): the next call starts a fresh worker', async () => {
    const engine = new TesseractJsOcr();
    const png = await textImage(['Second life']).png().toBuffer();
    await engine.recognize(png);
    await engine.close();
    expect(words((await engine.recognize(png)).text)).toBe('Second life');
    await engine.close();
  });
});

describe('TesseractCliOcr', () => {
  it('names the Debian package when tesseract is not installed', async () => {
    const engine = new TesseractCliOcr(new ProcessToolRunner('/nonexistent'));
    const err = await engine.recognize(Buffer.alloc(10)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'parser.tool_missing' });
    expect((err as AppError).message).toContain('tesseract-ocr');
  });

  it('rebuilds lines and paragraphs from TSV and averages word confidence', () => {
    const head = 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext';
    const word = (b: number, p: number, l: number, conf: number, text: string): string => `5\t1\t${b}\t${p}\t${l}\t1\t0\t0\t1\t1\t${conf}\t${text}`;
    const tsv = [head, '1\t1\t0\t0\t0\t0\t0\t0\t9\t9\t-1\t', word(1, 1, 1, 90, 'Hello'), word(1, 1, 1, 80, 'there'), word(1, 1, 2, 70, 'again'), word(2, 1, 1, 60, 'Next'), word(2, 1, 1, 95, ' ')].join('\n');
    expect(parseTsv(tsv)).toEqual({ text: 'Hello there\nagain\n\nNext', confidence: 75 });
    expect(parseTsv(head)).toEqual({ text: '', confidence: -1 });
  });
});

describe('createOcrEngine', () => {
  it('builds the configured engine, or none', () => {
    expect(createOcrEngine('tesseract.js', tools)?.id).toBe('tesseract.js');
    expect(createOcrEngine('tesseract', tools)?.id).toBe('tesseract');
    expect(createOcrEngine('none', tools)).toBeNull();
  });
});
