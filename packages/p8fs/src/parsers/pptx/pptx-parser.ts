import { AppError } from '../../domain/errors.js';
import type { Block } from '../../domain/document.js';
import type { Parser } from '../../ports/parser.js';
import { childElements, firstDescendant, openZip } from '../shared/zip-xml.js';
import { coreProperties } from './core-props.js';
import { readRels, relId } from './rels.js';
import { commentAuthors, slideBlocks } from './slide.js';

const PRESENTATION = 'ppt/presentation.xml';

/** PPTX: slides in presentation order, each a "Slide N: title" heading, its text, tables, charts, comments and notes. */
export const pptxParser: Parser = {
  id: 'pptx',
  version: 1,
  mediaTypes: ['application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  extensions: ['.pptx'],
  async parse({ bytes }) {
    const zip = await openZip(bytes, 'PPTX');
    const presentation = await zip.xml(PRESENTATION);
    if (presentation === null) throw new AppError('parser.failed', `not a readable PPTX: ${PRESENTATION} is missing`);
    const rels = await readRels(zip, PRESENTATION);
    // sldIdLst is the presentation order; slide file numbers are only creation order.
    const list = firstDescendant(presentation.documentElement, 'sldIdLst');
    const parts = (list === null ? [] : childElements(list, 'sldId'))
      .map((s) => rels.get(relId(s)))
      .filter((r) => r !== undefined && !r.external && r.type === 'slide')
      .map((r) => r!.target);
    const authors = await commentAuthors(zip);
    const blocks: Block[] = [];
    let firstTitle: string | null = null;
    for (const [i, part] of parts.entries()) {
      const slide = await slideBlocks(zip, part, i + 1, authors);
      firstTitle ??= slide.title;
      blocks.push(...slide.blocks);
    }
    const core = await coreProperties(zip);
    return { title: core.title ?? firstTitle, blocks, metadata: { ...core, slides: parts.length } };
  },
};
