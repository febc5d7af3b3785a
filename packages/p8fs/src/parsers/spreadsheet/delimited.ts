/** Field separators a delimited text file may use, in order of preference when sniffing ties. */
export const DELIMITERS = [',', '\t', ';', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/**
 * Read delimited text per RFC 4180: fields in double quotes may hold the delimiter, line breaks and
 * doubled quotes (""); CRLF, LF and CR all end a record. A quote inside an unquoted field is taken
 * literally, as Excel does, rather than failing the whole file.
 */
export function readDelimited(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let atFieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
      continue;
    }
    if (ch === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else if (ch === delimiter) {
      row.push(field);
      field = '';
      atFieldStart = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      atFieldStart = true;
    } else {
      field += ch;
      atFieldStart = false;
    }
  }
  // The last record needs no line break after it; a trailing break adds no empty record.
  if (!atFieldStart || row.length > 0 || field !== '') {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Bytes of text sniffing looks at: enough for dozens of records, cheap on huge files. */
const SNIFF_CHARS = 16_384;

/**
 * The delimiter that splits the first records into the most columns, consistently. A candidate
 * that gives different field counts on different lines is what a comma inside prose looks like.
 */
export function sniffDelimiter(text: string): Delimiter {
  let sample = text.slice(0, SNIFF_CHARS);
  // Cut at the last line break so a truncated record does not count as inconsistent.
  if (text.length > SNIFF_CHARS) sample = sample.slice(0, Math.max(sample.lastIndexOf('\n'), 1));
  let best: Delimiter = ',';
  let bestScore = 0;
  for (const d of DELIMITERS) {
    const counts = readDelimited(sample, d)
      .filter((r) => r.some((f) => f.trim() !== ''))
      .map((r) => r.length);
    if (counts.length === 0) continue;
    const width = mode(counts);
    if (width < 2) continue;
    const agreeing = counts.filter((c) => c === width).length / counts.length;
    const score = agreeing * width;
    // Strictly greater keeps the earlier (preferred) delimiter on ties.
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

function mode(values: readonly number[]): number {
  const freq = new Map<number, number>();
  for (const v of values) freq.set(v, (freq.get(v) ?? 0) + 1);
  let best = 0;
  let bestCount = 0;
  for (const [v, c] of freq) if (c > bestCount || (c === bestCount && v > best)) [best, bestCount] = [v, c];
  return best;
}
