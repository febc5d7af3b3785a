// word-extractor ships no types; this declares the part of its API the .doc parser uses.
declare module 'word-extractor' {
  interface TextOptions {
    filterUnicode?: boolean;
  }
  interface HeaderOptions extends TextOptions {
    includeFooters?: boolean;
  }
  interface TextboxOptions extends TextOptions {
    includeHeadersAndFooters?: boolean;
    includeBody?: boolean;
  }
  /** The text streams of one Word document. */
  class WordDocument {
    getBody(options?: TextOptions): string;
    getFootnotes(options?: TextOptions): string;
    getEndnotes(options?: TextOptions): string;
    getHeaders(options?: HeaderOptions): string;
    getFooters(options?: TextOptions): string;
    getAnnotations(options?: TextOptions): string;
    getTextboxes(options?: TextboxOptions): string;
  }
  class WordExtractor {
    extract(source: Buffer | string): Promise<WordDocument>;
  }
  export default WordExtractor;
}
