import { AppError, errorMessage } from '../../domain/errors.js';
import { markdownToBlocks } from '../../domain/markdown-blocks.js';
import type { Parser } from '../../ports/parser.js';
import { firstH1 } from '../markdown/markdown-parser.js';
import { htmlToMarkdown } from '../html/to-markdown.js';

// Word styles mammoth does not map by default. "Title" is the document title, so it becomes the H1
// that names the document; comment references pull reviewers' comments into the text (they are
// often the most searchable part of a reviewed document).
const STYLE_MAP = ["p[style-name='Title'] => h1:fresh", 'comment-reference => sup'];

/** DOCX: mammoth to HTML, then the shared HTML -> Markdown -> blocks path (headings kept). */
export const docxParser: Parser = {
  id: 'docx',
  version: 1,
  mediaTypes: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  extensions: ['.docx'],
  async parse({ bytes }) {
    const mammoth = (await import('mammoth')).default;
    let html: string;
    try {
      const result = await mammoth.convertToHtml(
        { buffer: bytes },
        {
          styleMap: STYLE_MAP,
          externalFileAccess: false,
          // Skip reading image bytes: only the media type and alt text reach the chunks.
          convertImage: mammoth.images.imgElement(async (image) => ({ src: `data:${image.contentType};base64,` })),
        },
      );
      html = result.value;
    } catch (err) {
      throw new AppError('parser.failed', `not a readable DOCX: ${errorMessage(err)}`, { cause: errorMessage(err) });
    }
    const blocks = markdownToBlocks(await htmlToMarkdown(html));
    const firstHeading = blocks.find((b) => b.kind === 'heading')?.text ?? null;
    return { title: firstH1(blocks) ?? firstHeading, blocks, metadata: {} };
  },
};
