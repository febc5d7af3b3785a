import type { OcrEngine } from '../../ports/ocr.js';
import type { ToolRunner } from '../../ports/tools.js';
import { type TesseractCliOptions, TesseractCliOcr } from './tesseract-cli-ocr.js';
import { TesseractJsOcr } from './tesseract-js-ocr.js';

export { TesseractCliOcr, type TesseractCliOptions } from './tesseract-cli-ocr.js';
export { TesseractJsOcr } from './tesseract-js-ocr.js';

/** The OCR engines a config may pick (config key ocrProvider). */
export type OcrKind = 'tesseract.js' | 'tesseract' | 'none';

/** The engine for a config choice; null for 'none' (parsers then leave image text out and say so). */
export function createOcrEngine(kind: OcrKind, tools: ToolRunner, cli: TesseractCliOptions = {}): OcrEngine | null {
  switch (kind) {
    case 'tesseract.js':
      return new TesseractJsOcr();
    case 'tesseract':
      return new TesseractCliOcr(tools, cli);
    case 'none':
      return null;
  }
}
