import { extname } from 'node:path';
import { AppError } from '../../domain/errors.js';
import type { Block, Parser } from '../../ports/parser.js';
import { decodeText, hasUtf16Bom } from '../text/decode.js';
import { LANGUAGES_BY_EXTENSION, LANGUAGES_BY_MEDIA_TYPE, type Language } from './languages.js';
import { splitSections, type CodeSection } from './sections.js';

/** Most names shown in one section heading; the rest are counted. */
const HEADING_NAMES = 3;

/** Source code: a section per top-level declaration (comments kept with it), plus the import header. */
export const codeParser: Parser = {
  id: 'code',
  version: 1,
  mediaTypes: Object.keys(LANGUAGES_BY_MEDIA_TYPE),
  extensions: Object.keys(LANGUAGES_BY_EXTENSION),
  async parse({ bytes, name, mimeType }) {
    const language = languageOf(name, mimeType);
    if (!hasUtf16Bom(bytes) && bytes.includes(0)) throw new AppError('parser.failed', `${name} is binary (contains NUL bytes), not source code`);
    const { text, encoding } = decodeText(bytes);
    if (encoding === 'latin1') throw new AppError('parser.failed', `${name} is not valid UTF-8 text; source code must be Unicode`);
    const lines = text.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
    const sections = splitSections(lines, language.family);
    return {
      title: null,
      blocks: sections.flatMap((s) => sectionBlocks(s, lines, language)),
      metadata: {
        encoding,
        language: language.name,
        lines: text === '' ? 0 : lines.length,
        symbols: sections.flatMap((s) => s.names).filter((n) => n !== 'header'),
      },
    };
  },
};

function languageOf(name: string, mimeType: string): Language {
  const ext = LANGUAGES_BY_EXTENSION[extname(name).toLowerCase()] !== undefined ? extname(name).toLowerCase() : LANGUAGES_BY_MEDIA_TYPE[mimeType.split(';')[0]!.trim().toLowerCase()];
  const language = ext === undefined ? undefined : LANGUAGES_BY_EXTENSION[ext];
  if (language === undefined) throw new AppError('parser.failed', `${name}: no known source language for its extension or type ${mimeType}`);
  return language;
}

function sectionBlocks(s: CodeSection, lines: readonly string[], language: Language): Block[] {
  const shown = s.names.slice(0, HEADING_NAMES).join(', ') + (s.names.length > HEADING_NAMES ? ` +${s.names.length - HEADING_NAMES} more` : '');
  const range = s.start === s.end ? `line ${s.start}` : `lines ${s.start}–${s.end}`;
  const body = lines.slice(s.start - 1, s.end).join('\n');
  // A longer fence than any backtick run in the body, so Markdown in comments cannot close it.
  const fence = '`'.repeat(Math.max(3, ...(body.match(/`+/g) ?? []).map((r) => r.length + 1)));
  return [
    { kind: 'heading', level: 1, text: `${shown} (${range})` },
    { kind: 'code', text: `${fence}${language.name}\n${body}\n${fence}` },
  ];
}
