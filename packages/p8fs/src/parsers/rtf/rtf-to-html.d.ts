// @iarna/rtf-to-html ships no types; this declares the part of its API the RTF parser uses.
declare module '@iarna/rtf-to-html' {
  interface RtfToHtmlOptions {
    paraBreaks?: string;
    paraTag?: string;
    /** Builds the final HTML from the converted content; the default wraps it in a styled page. */
    template?: (doc: unknown, defaults: unknown, content: string) => string;
  }
  type Callback = (err: Error | null, html: string) => void;
  const rtfToHtml: {
    fromString(rtf: string, opts: RtfToHtmlOptions, cb: Callback): void;
    fromString(rtf: string, cb: Callback): void;
  };
  export default rtfToHtml;
}
