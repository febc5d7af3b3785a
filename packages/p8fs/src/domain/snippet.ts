/**
 * A short passage of content around the densest cluster of query terms. Terms are matched by
 * prefix of the stemmed lexemes (so "running" matches lexeme "run"), falling back to raw words.
 */
export function makeSnippet(content: string, query: string, lexemes: readonly string[], width = 240): string {
  const text = content.replace(/\s+/g, ' ').trim();
  if (text.length <= width) return text;
  const terms = (lexemes.length ? lexemes : query.toLowerCase().split(/\W+/)).filter((t) => t.length > 1);
  const lower = text.toLowerCase();
  const hits: number[] = [];
  for (const t of terms) {
    let at = lower.indexOf(t);
    while (at !== -1 && hits.length < 200) {
      hits.push(at);
      at = lower.indexOf(t, at + t.length);
    }
  }
  if (hits.length === 0) return `${text.slice(0, width).trimEnd()}…`;
  hits.sort((a, b) => a - b);
  let best = hits[0] as number;
  let bestCount = 0;
  for (let i = 0; i < hits.length; i++) {
    let j = i;
    while (j < hits.length && (hits[j] as number) < (hits[i] as number) + width) j++;
    if (j - i > bestCount) [best, bestCount] = [hits[i] as number, j - i];
  }
  const start = Math.max(0, best - Math.floor(width / 4));
  const end = Math.min(text.length, start + width);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).trim()}${end < text.length ? '…' : ''}`;
}
