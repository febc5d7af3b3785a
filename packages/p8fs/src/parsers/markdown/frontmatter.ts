/** A Markdown body with its YAML frontmatter split off. */
export interface Frontmatter {
  /** Parsed YAML, or null when there is none (or it was not valid YAML). */
  data: unknown;
  /** Why the frontmatter could not be read, so a broken header is reported, not silently dropped. */
  error: string | null;
  body: string;
}

// Frontmatter is a `---` fence on the very first line, closed by `---` or `...` on its own line.
const FRONTMATTER = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;

/** Split YAML frontmatter from a Markdown document. */
export async function splitFrontmatter(markdown: string): Promise<Frontmatter> {
  const text = markdown.replace(/\r\n?/g, '\n');
  const m = FRONTMATTER.exec(text);
  if (m === null) return { data: null, error: null, body: text };
  const body = text.slice(m[0].length);
  try {
    // Loaded only for notes that have frontmatter.
    const { parse } = await import('yaml');
    return { data: parse(m[1]!) ?? null, error: null, body };
  } catch (err) {
    return { data: null, error: `invalid YAML frontmatter: ${(err as Error).message.split('\n')[0]}`, body };
  }
}
