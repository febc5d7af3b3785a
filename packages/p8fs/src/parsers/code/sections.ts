import { countTokens } from '../../domain/chunking.js';
import type { LanguageFamily } from './languages.js';

/** A run of source lines: the file header or one top-level declaration with its comments. */
export interface CodeSection {
  /** Declared names, or 'header' for the lines before the first declaration. */
  names: string[];
  /** 1-based, inclusive, trailing blank lines excluded. */
  start: number;
  end: number;
}

/**
 * Sections this small are packed with their neighbours (up to twice this), so a run of one-line
 * type aliases or constants becomes one chunk, not a dozen near-empty ones.
 */
export const TINY_SECTION_TOKENS = 40;

/** The declared name when a line starts a top-level declaration, else null. */
export function declarationName(line: string, family: LanguageFamily): string | null {
  if (family.ignore?.test(line)) return null;
  for (const re of family.declarations) {
    const m = re.exec(line);
    if (m !== null) return m[1]?.trim() || 'default';
  }
  return null;
}

/** Split source lines into a header section and one section per top-level declaration. */
export function splitSections(lines: readonly string[], family: LanguageFamily): CodeSection[] {
  const starts: { line: number; name: string }[] = [];
  lines.forEach((line, i) => {
    const name = declarationName(line, family);
    if (name === null) return;
    // Comments and decorators directly above a declaration travel with it.
    let start = i;
    while (start > 0 && family.attached.test(lines[start - 1]!) && lines[start - 1]!.trim() !== '') start--;
    const prev = starts.at(-1);
    // A decorator line can itself look like a declaration's neighbour; never go back past the previous start.
    if (prev !== undefined && start <= prev.line) start = prev.line + 1;
    starts.push({ line: start, name });
  });
  const sections: CodeSection[] = [];
  const bounds = [{ line: 0, name: 'header' }, ...starts];
  bounds.forEach((b, k) => {
    const next = bounds[k + 1]?.line ?? lines.length;
    let end = next - 1;
    while (end >= b.line && lines[end]!.trim() === '') end--;
    let start = b.line;
    while (start <= end && lines[start]!.trim() === '') start++;
    if (start <= end) sections.push({ names: [b.name], start: start + 1, end: end + 1 });
  });
  return packTiny(sections, lines);
}

function packTiny(sections: CodeSection[], lines: readonly string[]): CodeSection[] {
  const tokens = (s: CodeSection): number => countTokens(lines.slice(s.start - 1, s.end).join('\n'));
  const out: CodeSection[] = [];
  for (const s of sections) {
    const prev = out.at(-1);
    const mergeable = prev !== undefined && prev.names[0] !== 'header' && s.names[0] !== 'header';
    if (mergeable && tokens(s) < TINY_SECTION_TOKENS && tokens(prev) + tokens(s) <= 2 * TINY_SECTION_TOKENS) {
      out[out.length - 1] = { names: [...prev.names, ...s.names], start: prev.start, end: s.end };
    } else out.push(s);
  }
  return out;
}
