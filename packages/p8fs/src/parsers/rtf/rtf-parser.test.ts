import { describe, expect, it } from 'vitest';
import { testParseContext } from '../../../test/parse-context.js';
import { AppError } from '../../domain/errors.js';
import type { ParsedDocument } from '../../ports/parser.js';
import { normalizeRtf } from './rtf-normalize.js';
import { rtfParser } from './rtf-parser.js';

const parse = (rtf: string | Buffer): Promise<ParsedDocument> =>
  rtfParser.parse({ bytes: typeof rtf === 'string' ? Buffer.from(rtf, 'latin1') : rtf, name: 'doc.rtf', mimeType: 'application/rtf' }, testParseContext());
const texts = async (rtf: string): Promise<string[]> => (await parse(rtf)).blocks.map((b) => b.text);

describe('rtfParser', () => {
  it('keeps paragraphs and bold/italic, and reads \\info', async () => {
    const doc = await parse(String.raw`{\rtf1\ansi\deff0{\fonttbl{\f0\fswiss Arial;}}{\colortbl;\red255\green0\blue0;}{\info{\title Quarterly {\i notes}}{\author Ada Lovelace}}{\stylesheet{\s1 heading 1;}}\f0\pard Hello \b bold\b0  and \i italic\i0  text.\par Second paragraph.\par}`);
    expect(doc.blocks.map((b) => b.text)).toEqual(['Hello **bold** and *italic* text.', 'Second paragraph.']);
    expect(doc.title).toBe('Quarterly notes');
    expect(doc.metadata).toMatchObject({ title: 'Quarterly notes', author: 'Ada Lovelace' });
  });

  it('decodes \\uN escapes, skipping their \\ucN fallback characters', async () => {
    expect(await texts(String.raw`{\rtf1\ansi caf\u233?, na\u239?ve, \u8364? 5, {\uc2\u26085\'93\'fa\u26412\'96\'7b}, {\uc0\u-21504 x}, \u-10179?\u-8704?\par}`)).toEqual(['café, naïve, € 5, 日本, 가x, 😀']);
  });

  it('decodes \\\'hh escapes in the document code page and in font charsets', async () => {
    expect(await texts(String.raw`{\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2\par}`)).toEqual(['Привет']);
    expect(await texts(String.raw`{\rtf1\ansi\ansicpg1255 \'f9\'ec\'e5\'ed\par}`)).toEqual(['שלום']);
    expect(await texts(String.raw`{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}{\f1\fcharset128 MS Mincho;}}\f0 caf\'e9 {\f1 \'93\'fa\'96\'7b\'8c\'ea}\par}`)).toEqual(['café 日本語']);
  });

  it('maps typographic control words and escaped braces to characters', async () => {
    expect(await texts(String.raw`{\rtf1\ansi \ldblquote quoted\rdblquote\emdash it\rquote s \{braced\} a\\b\~c\par}`)).toEqual(['“quoted”—it’s {braced} a\\b\u00a0c']);
  });

  it('drops pictures, binary data, field instructions and other destinations', async () => {
    const rtf = String.raw`{\rtf1\ansi Before {\pict\pngblip\picw10 89504e470d0a1a0a}{\*\generator Writer 1.0;}{\object\objemb{\*\objdata 0105000002}}{\field{\*\fldinst HYPERLINK "https://example.org"}{\fldrslt link text}} after {\*\shppict{\pict 00ff}}x\bin4 {}\\ y\par}`;
    expect(await texts(rtf)).toEqual(['Before link text after x y']);
  });

  it('separates table cells and rows', async () => {
    expect(await texts(String.raw`{\rtf1\ansi\trowd\cellx1000\cellx2000 A1\cell B1\cell\row\trowd\cellx1000\cellx2000 A2\cell B2\cell\row}`)).toEqual(['A1 B1', 'A2 B2']);
  });

  it('accepts a UTF-8 byte order mark and leading whitespace', async () => {
    expect(await texts(`\uFEFF  {\\rtf1\\ansi Hi\\par}`.replace('\uFEFF', '\u00EF\u00BB\u00BF'))).toEqual(['Hi']);
  });

  it('refuses text that is not RTF with parser.corrupt', async () => {
    const err = await parse('Just some text {not rtf}').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('parser.corrupt');
  });

  it('fails an RTF with no text with parser.failed, never an empty document', async () => {
    const err = await parse(String.raw`{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\pict 00ff}}`).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('parser.failed');
  });
});

describe('normalizeRtf', () => {
  it('rewrites non-ASCII text to signed \\uN and removes machinery', () => {
    const { rtf } = normalizeRtf(String.raw`{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}\f0 \'e9\u-4064?\par}`);
    expect(rtf).toBe(String.raw`{\rtf1 \ansi \u233 \u-4064 \par }`);
  });
});
