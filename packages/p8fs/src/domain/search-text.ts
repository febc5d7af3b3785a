/** The text embedded for a resource: its heading path, then its content. */
export function embeddingText(content: string, headingPath: readonly string[] = []): string {
  return headingPath.length ? `${headingPath.join(' › ')}\n${content}` : content;
}

/** Heading path stored in a resource's metadata (written by ingest). */
export function headingPathOf(metadata: Record<string, unknown>): string[] {
  const hp = metadata.heading_path;
  return Array.isArray(hp) ? hp.filter((x): x is string => typeof x === 'string') : [];
}

/** How much neighbouring text a resource's keyword document borrows, per side. */
export interface ContextPolicy {
  /** at most this many items on each side */
  window: number;
  /** and at most this many characters on each side (the nearest item is cut to fit) */
  maxCharsPerSide: number;
}

/**
 * Chosen on LoCoMo dev (docs/decisions/0003-search-fusion.md). The character budget makes one
 * policy fit both short conversation turns (several neighbours) and document chunks (about one).
 */
export const DEFAULT_CONTEXT: ContextPolicy = { window: 4, maxCharsPerSide: 300 };

/**
 * Neighbour context of item i: text of the items around it, nearest first. Indexed with low weight,
 * it lets a keyword query match a passage whose topic is named next to it, which is how
 * conversations and documents usually read.
 */
export function neighbourContext(texts: readonly string[], i: number, policy: ContextPolicy = DEFAULT_CONTEXT): string {
  const parts: string[] = [];
  for (const dir of [-1, 1]) {
    let budget = policy.maxCharsPerSide;
    for (let d = 1; d <= policy.window && budget > 0; d++) {
      const t = texts[i + dir * d];
      if (t === undefined) break;
      // Cut a neighbour on the side nearest to item i: the end of what precedes, the start of what follows.
      parts.push(t.length <= budget ? t : dir < 0 ? t.slice(t.length - budget) : t.slice(0, budget));
      budget -= t.length + 1;
    }
  }
  return parts.join('\n');
}

/** Neighbour context of every item of a sequence (see neighbourContext). */
export function neighbourContexts(texts: readonly string[], policy: ContextPolicy = DEFAULT_CONTEXT): string[] {
  return texts.map((_, i) => neighbourContext(texts, i, policy));
}
