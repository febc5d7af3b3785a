import { AppError, errorMessage } from '../../domain/errors.js';
import { markdownToBlocks } from '../../domain/markdown-blocks.js';
import type { Block, Parser } from '../../ports/parser.js';
import { decodeText } from '../text/decode.js';
import { htmlToMarkdown } from './to-markdown.js';

// jsdom's type package pulls the DOM lib into the whole program (clashing with Node's worker
// types), so it is imported untyped and described by the few members used here.
const JSDOM_MODULE: string = 'jsdom';

interface Element {
  getAttribute(name: string): string | null;
  remove(): void;
}

interface Doc {
  title: string;
  body: (Element & { querySelectorAll(selector: string): ArrayLike<Element> }) | null;
  querySelector(selector: string): Element | null;
  cloneNode(deep: true): unknown;
}

interface Jsdom {
  JSDOM: new (input: string | Buffer, options: { contentType: string; virtualConsole: unknown }) => { window: { document: Doc } };
  VirtualConsole: new () => unknown;
}

// Chrome that is never content, dropped when the whole body is used. (Not <form>: ASP.NET pages wrap
// everything in one.)
const NON_CONTENT = 'script, style, noscript, template, iframe, nav, svg, canvas, button, [hidden], [aria-hidden="true"]';

type ReadabilityModule = typeof import('@mozilla/readability');
type Article = NonNullable<ReturnType<InstanceType<ReadabilityModule['Readability']>['parse']>>;

/** HTML: main content via Readability, converted to Markdown blocks; title and meta kept. */
export const htmlParser: Parser = {
  id: 'html',
  version: 1,
  mediaTypes: ['text/html', 'application/xhtml+xml'],
  extensions: ['.html', '.htm', '.xhtml'],
  async parse({ bytes }) {
    // jsdom and Readability are heavy (~1 s to import): load them only when HTML arrives.
    const jsdom = (await import(JSDOM_MODULE)) as Jsdom;
    const readability = await import('@mozilla/readability');
    const document = load(jsdom, bytes);
    const meta = readMeta(document);
    const { markdown, article } = await extractContent(readability, document);
    // Readability already weighs og:title, dc:title and <title>; <title> is the fallback.
    const title = clean(article?.title) ?? clean(document.title);
    const metadata: Record<string, unknown> = { extraction: markdown !== null ? 'readability' : 'body' };
    const fields: Record<string, string | null | undefined> = {
      description: meta.description,
      author: meta.author ?? article?.byline,
      published: meta.published ?? article?.publishedTime,
      siteName: article?.siteName,
      lang: article?.lang,
    };
    for (const [key, value] of Object.entries(fields)) if (clean(value) !== null) metadata[key] = clean(value);
    const blocks = withTitle(markdownToBlocks(markdown ?? (await bodyMarkdown(document))), title);
    return { title, blocks, metadata };
  },
};

/**
 * The article's Markdown when the page reads as an article, else null (use the body). Readability
 * runs either way: it is also the source of title, byline and JSON-LD dates.
 */
async function extractContent(readability: ReadabilityModule, document: Doc): Promise<{ markdown: string | null; article: Article | null }> {
  type ReadabilityDoc = ConstructorParameters<ReadabilityModule['Readability']>[0];
  // Readability trims whatever it is given; it gets a copy so the body stays whole for the fallback.
  const readerable = readability.isProbablyReaderable(document as unknown as ReadabilityDoc);
  const article = new readability.Readability(document.cloneNode(true) as ReadabilityDoc).parse();
  // Not an article (a form, a list page, a short note): Readability would keep one fragment of it.
  if (!readerable || article === null || (article.textContent ?? '').trim() === '') return { markdown: null, article };
  return { markdown: await htmlToMarkdown(article.content ?? ''), article };
}

function load(jsdom: Jsdom, bytes: Buffer): Doc {
  try {
    // Valid UTF-8 is decoded here (jsdom would default to windows-1252 without a <meta charset>);
    // anything else goes in as bytes so jsdom honours the page's declared charset.
    const decoded = decodeText(bytes);
    const input = decoded.encoding === 'latin1' ? bytes : decoded.text;
    // No scripts, no subresource loading, and a silent console: pages are data, never code.
    const dom = new jsdom.JSDOM(input, { contentType: 'text/html', virtualConsole: new jsdom.VirtualConsole() });
    return dom.window.document;
  } catch (err) {
    throw new AppError('parser.failed', `could not parse HTML: ${errorMessage(err)}`);
  }
}

interface Meta {
  description: string | null;
  author: string | null;
  published: string | null;
}

function readMeta(document: Doc): Meta {
  const pick = (...selectors: string[]): string | null => {
    for (const selector of selectors) {
      const value = clean(document.querySelector(selector)?.getAttribute('content'));
      if (value !== null) return value;
    }
    return null;
  };
  return {
    description: pick('meta[name="description"]', 'meta[property="og:description"]', 'meta[name="twitter:description"]'),
    // Not article:author: it is usually a profile URL; Readability's byline is the next best.
    author: pick('meta[name="author"]', 'meta[name="dc.creator" i]'),
    published: pick('meta[property="article:published_time"]', 'meta[name="date"]', 'meta[itemprop="datePublished"]', 'meta[name="dc.date" i]'),
  };
}

function bodyMarkdown(document: Doc): Promise<string> {
  const body = document.body;
  if (body === null) return Promise.resolve('');
  for (const el of Array.from(body.querySelectorAll(NON_CONTENT))) el.remove();
  return htmlToMarkdown(body as unknown as Parameters<typeof htmlToMarkdown>[0]);
}

/** Put the title first as a level-1 heading, unless the content already opens with it. */
function withTitle(blocks: Block[], title: string | null): Block[] {
  if (title === null) return blocks;
  const first = blocks[0];
  if (first?.kind === 'heading' && first.text.replace(/\s+/g, ' ').trim() === title) return blocks;
  return [{ kind: 'heading', level: 1, text: title }, ...blocks];
}

function clean(value: string | null | undefined): string | null {
  const text = (value ?? '').replace(/\s+/g, ' ').trim();
  return text === '' ? null : text;
}
