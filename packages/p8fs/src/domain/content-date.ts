/**
 * The date a document's content carries, from its parse metadata: an e-mail's Date header, a
 * photo's EXIF time, a note's frontmatter `date` / `created`. Null when it names none (the
 * upload time then stands in; decision 0022). Only full dates count: "2024" alone is no day.
 */
export function contentDate(metadata: Record<string, unknown> | undefined): Date | null {
  if (!metadata) return null;
  const front = typeof metadata.frontmatter === 'object' && metadata.frontmatter !== null ? (metadata.frontmatter as Record<string, unknown>) : {};
  for (const v of [metadata.date, metadata.date_taken, front.date, front.created]) {
    const d = asDate(v);
    if (d) return d;
  }
  return null;
}

function asDate(v: unknown): Date | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(v.trim())) return null;
  const d = new Date(v.trim());
  return Number.isNaN(d.getTime()) ? null : d;
}
