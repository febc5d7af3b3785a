import { Document, Packer, Paragraph } from 'docx';
import PDFDocument from 'pdfkit';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORPUS } from './shared/corpus.fixture.js';
import { AppError } from '../domain/errors.js';
import { createParserRegistry, PARSERS, type ResolveInput } from './index.js';

const registry = createParserRegistry();

function pdfBytes(): Promise<Buffer> {
  const doc = new PDFDocument();
  const parts: Buffer[] = [];
  doc.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(parts))));
  doc.text('Hello PDF');
  doc.end();
  return done;
}

const docxBytes = (): Promise<Buffer> => Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('Hello DOCX')] }] }));
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5e2a0b70000000049454e44ae426082', 'hex');

async function unsupported(input: ResolveInput): Promise<AppError> {
  const err = await registry.resolve(input).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('parser.unsupported_type');
  return err as AppError;
}

describe('parser registry', () => {
  it('lists the registered parsers explicitly, each with a version and its types', () => {
    expect(registry.list().map((p) => p.id)).toEqual([
      'pdf', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'epub', 'doc', 'xls', 'ppt', 'rtf', 'eml', 'mbox', 'msg', 'zip', 'tar', 'gzip', '7z', 'image', 'audio', 'video', 'notebook', 'xml',
      'html', 'markdown', 'csv', 'json', 'yaml', 'code', 'text',
    ]);
    expect(new Set(registry.list().map((p) => p.id)).size).toBe(registry.list().length);
    expect(registry.list()).toEqual([...PARSERS]);
    for (const p of registry.list()) {
      expect(p.version).toBeGreaterThanOrEqual(1);
      expect(p.mediaTypes.length).toBeGreaterThan(0);
      expect(p.extensions.every((e) => e.startsWith('.'))).toBe(true);
    }
  });

  it('sniffs binary formats from the bytes, whatever the name says', async () => {
    const pdf = await registry.resolve({ name: 'report.pdf', bytes: await pdfBytes() });
    expect(pdf).toMatchObject({ mimeType: 'application/pdf', reason: 'content sniffed as application/pdf' });
    expect(pdf.parser.id).toBe('pdf');
    const renamed = await registry.resolve({ name: 'report.txt', bytes: await pdfBytes(), declaredType: 'text/plain' });
    expect(renamed.parser.id).toBe('pdf');
    expect(renamed.reason).toBe('content sniffed as application/pdf (extension .txt ignored)');
    const docx = await registry.resolve({ name: 'letter.docx', bytes: await docxBytes() });
    expect(docx.parser.id).toBe('docx');
    expect(docx.mimeType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
  });

  it('picks text formats by extension, then by declared type, then plain text for bare names', async () => {
    const text = Buffer.from('# Hello\n\nworld');
    expect(await registry.resolve({ name: 'note.md', bytes: text, declaredType: 'text/plain' })).toMatchObject({
      mimeType: 'text/markdown',
      reason: 'text, extension .md',
    });
    expect(await registry.resolve({ name: 'page.HTM', bytes: Buffer.from('<p>x</p>') })).toMatchObject({ mimeType: 'text/html' });
    expect(await registry.resolve({ name: 'upload', bytes: text, declaredType: 'text/markdown; charset=utf-8' })).toMatchObject({
      mimeType: 'text/markdown',
      reason: 'text, declared type text/markdown',
    });
    const bare = await registry.resolve({ name: 'README', bytes: text });
    expect(bare.parser.id).toBe('text');
    expect(bare.reason).toBe('text with no extension or declared type');
    const xhtml = await registry.resolve({ name: 'page.xhtml', bytes: Buffer.from('<?xml version="1.0"?><html><body>x</body></html>') });
    expect(xhtml).toMatchObject({ mimeType: 'text/html', reason: 'application/xml content, text, extension .xhtml' });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello', 'utf16le')]);
    expect((await registry.resolve({ name: 'w.txt', bytes: utf16 })).parser.id).toBe('text');
  });

  it('accepts a bare zip named .docx (file-type names OOXML only when its manifest comes first)', async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(26), Buffer.from('word/document.xml')]);
    const resolved = await registry.resolve({ name: 'old.docx', bytes: zip });
    expect(resolved.parser.id).toBe('docx');
    expect(resolved.reason).toBe('zip container, extension .docx');
  });

  it('rejects binary content that claims to be text', async () => {
    const err = await unsupported({ name: 'notes.txt', bytes: Buffer.from([0x68, 0x69, 0x00, 0x01, 0x02, 0x00, 0xff]) });
    expect(err.message).toMatch(/^no parser for notes\.txt: content looks binary \(NUL bytes\)/);
    // A zip that claims to be Markdown is read as the archive it is.
    const zip = await registry.resolve({ name: 'notes.md', bytes: Buffer.from([0x50, 0x4b, 0x03, 0x04, ...new Array(40).fill(0)]) });
    expect(zip).toMatchObject({ mimeType: 'application/zip', reason: 'content sniffed as application/zip' });
    expect(zip.parser.id).toBe('zip');
  });

  it('rejects a non-PDF renamed .pdf with a clear message', async () => {
    const text = await unsupported({ name: 'fake.pdf', bytes: Buffer.from('hello, I am text') });
    expect(text.message).toBe('fake.pdf claims application/pdf (extension .pdf) but its content is not PDF');
    // A PNG named .pdf is read as the image it is.
    const png = await registry.resolve({ name: 'photo.pdf', bytes: PNG });
    expect(png).toMatchObject({ mimeType: 'image/png', reason: 'content sniffed as image/png (extension .pdf ignored)' });
  });

  it('does not let a chance MPEG-TS signature turn a text file into video', async () => {
    const line = `${'GLOBAL_LIMIT = 1;'.padEnd(187, ' ')}\n`; // 188 bytes: 'G' at byte 0 and byte 188
    const src = Buffer.from(`${line}${line}`);
    expect(src[0]).toBe(0x47);
    expect(src[188]).toBe(0x47);
    const r = await registry.resolve({ name: 'limits.ts', bytes: src });
    expect(r.parser.id).toBe('code');
  });

  it('rejects formats no parser handles yet, listing what is supported', async () => {
    const wasm = await unsupported({ name: 'module.wasm', bytes: Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04]) });
    expect(wasm.message).toMatch(/^no parser for module\.wasm \(content sniffed as application\/wasm\): supported: pdf/);
    const toml = await unsupported({ name: 'data.toml', bytes: Buffer.from('a = 1') });
    expect(toml.message).toMatch(/^no parser for data\.toml \(extension \.toml\)/);
    expect(toml.details).toMatchObject({ name: 'data.toml' });
  });

  it('routes OLE2 (CFB) files by extension among the formats that live in that container', async () => {
    const read = (f: string) => readFileSync(`${CORPUS}/${f}`);
    const doc = await registry.resolve({ name: 'legacy.doc', bytes: read('docling/sources/legacy_sample.doc') });
    expect(doc).toMatchObject({ mimeType: 'application/msword', reason: 'OLE2 (CFB) container, extension .doc' });
    expect(doc.parser.id).toBe('doc');
    expect((await registry.resolve({ name: 'sheet.xls', bytes: read('docling/sources/legacy_sample.xls') })).parser.id).toBe('xls');
    expect((await registry.resolve({ name: 'deck.ppt', bytes: read('docling/sources/legacy_sample.ppt') })).parser.id).toBe('ppt');
    expect((await registry.resolve({ name: 'mail.msg', bytes: read('docling/sources/msg_simple.msg') })).parser.id).toBe('msg');
    // A CFB file that names no format is refused with what it is, not guessed at.
    const bare = await unsupported({ name: 'blob', bytes: read('docling/sources/legacy_sample.doc') });
    expect(bare.message).toMatch(/application\/x-cfb/);
    // A CFB file claiming a zip-based format is not that format.
    const fake = await unsupported({ name: 'fake.docx', bytes: read('docling/sources/legacy_sample.doc') });
    expect(fake.message).toMatch(/is not DOCX/);
  });
});
