/** The text embedded for a resource: its heading path, then its content. */
export function embeddingText(content: string, headingPath: readonly string[] = []): string {
  return headingPath.length ? `${headingPath.join(' › ')}\n${content}` : content;
}

/** Heading path stored in a resource's metadata (written by ingest). */
export function headingPathOf(metadata: Record<string, unknown>): string[] {
  const hp = metadata.heading_path;
  return Array.isArray(hp) ? hp.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Neighbour context of item i: the text of up to `window` items on each side. Indexed with low
 * weight, it lets a keyword query match a passage whose topic is named next to it, which is how
 * conversations and documents usually read (measured on LoCoMo: see docs/decisions/0003-search-fusion.md).
 */
export function neighbourContext(texts: readonly string[], i: number, window = 1, maxChars = 4000): string {
  const parts: string[] = [];
  for (let d = 1; d <= window; d++) {
    const before = texts[i - d];
    const after = texts[i + d];
    if (before !== undefined) parts.push(before);
    if (after !== undefined) parts.push(after);
  }
  const joined = parts.join('\n');
  return joined.length > maxChars ? joined.slice(0, maxChars) : joined;
}
