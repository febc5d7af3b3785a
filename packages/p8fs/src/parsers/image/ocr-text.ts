import type { OcrResult } from '../../ports/ocr.js';
import type { Block } from '../../ports/parser.js';

/**
 * Below this mean word confidence (0..100) OCR output is mostly noise: photos of scenery, patterns
 * and textures come back as confident-looking garbage in the 10s to 30s. Scans of print score 80+.
 */
export const MIN_OCR_CONFIDENCE = 40;

/** True when OCR found something worth keeping: confident enough, and with letters in it. */
export function usableOcr(result: OcrResult): boolean {
  return result.confidence >= MIN_OCR_CONFIDENCE && /\p{L}/u.test(result.text);
}

/**
 * OCR text as paragraph blocks: Tesseract separates paragraphs with blank lines. Line breaks inside
 * a paragraph are kept, since OCR'd pages are often forms and tables where a line is a record.
 */
export function ocrBlocks(text: string, page?: number): Block[] {
  const blocks: Block[] = [];
  for (const para of text.split(/\n[ \t]*\n/)) {
    const lines = para
      .split('\n')
      .map((l) => l.replace(/\s+/g, ' ').trim())
      .filter((l) => l !== '');
    if (lines.length === 0) continue;
    blocks.push(page === undefined ? { kind: 'paragraph', text: lines.join('\n') } : { kind: 'paragraph', text: lines.join('\n'), page });
  }
  return blocks;
}
