import { AppError, errorMessage } from '../../domain/errors.js';
import { markdownToBlocks } from '../../domain/markdown-blocks.js';
import type { Parser } from '../../ports/parser.js';
import { htmlToMarkdown } from '../html/to-markdown.js';
import { normalizeRtf } from './rtf-normalize.js';

const RTF_MAGIC = '{\\rtf';

/**
 * RTF: normalized (rtf-normalize.ts) for rtf-parser, then @iarna/rtf-to-html, then the shared
 * HTML -> Markdown -> blocks path, which keeps paragraphs, bold and italic. RTF has no headings
 * rtf-to-html can see (they are styles), so the title is the one in \info, if any.
 */
export const rtfParser: Parser = {
  id: 'rtf',
  version: 1,
  mediaTypes: ['application/rtf', 'text/rtf'],
  extensions: ['.rtf'],
  async parse({ bytes, name }) {
    // RTF is 7-bit: anything else arrives as \'hh or \uN escapes, decoded by normalizeRtf.
    const source = bytes.toString('latin1').replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, '');
    if (!source.trimStart().startsWith(RTF_MAGIC)) throw new AppError('parser.corrupt', `${name} is not an RTF document (it does not start with {\\rtf)`, { name });
    const { rtf, info } = normalizeRtf(source.trimStart());
    const html = await toHtml(rtf, name);
    const blocks = markdownToBlocks(await htmlToMarkdown(html));
    if (blocks.length === 0) throw new AppError('parser.failed', `${name} has no text`, { name });
    return { title: info.title ?? null, blocks, metadata: { ...info } };
  },
};

async function toHtml(rtf: string, name: string): Promise<string> {
  // Loaded on first use: most ingests never see RTF.
  const { default: rtfToHtml } = await import('@iarna/rtf-to-html');
  return new Promise<string>((resolve, reject) => {
    try {
      // The template keeps only the converted content: the default wraps it in a styled page.
      rtfToHtml.fromString(rtf, { template: (_doc, _defaults, content) => content }, (err, html) => {
        if (err) reject(new AppError('parser.corrupt', `cannot read ${name}: ${errorMessage(err)}`, { name }));
        else resolve(html);
      });
    } catch (err) {
      reject(new AppError('parser.corrupt', `cannot read ${name}: ${errorMessage(err)}`, { name }));
    }
  });
}
