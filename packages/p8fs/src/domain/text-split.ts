// Token counting and text splitting used by the chunker. Pure and deterministic.

// One alternative per tokenizer behaviour, tried in order at each position.
const TOKEN_RUNS = new RegExp(
  [
    '(?<latin>\\p{Script=Latin}[\\p{Script=Latin}\\p{M}]*)',
    '(?<cjk>[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}])',
    '(?<hangul>\\p{Script=Hangul})',
    '(?<alphabet>[\\p{Script=Cyrillic}\\p{Script=Greek}\\p{Script=Armenian}\\p{Script=Georgian}][\\p{Script=Cyrillic}\\p{Script=Greek}\\p{Script=Armenian}\\p{Script=Georgian}\\p{M}]*)',
    // Any other script, stopping where one of the scripts above begins.
    '(?<otherLetters>(?:(?![\\p{Script=Latin}\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\p{Script=Cyrillic}\\p{Script=Greek}\\p{Script=Armenian}\\p{Script=Georgian}])[\\p{L}\\p{M}])+)',
    '(?<digits>\\p{N}+)',
    '(?<repeated>(?<ch>\\S)\\k<ch>+)',
    '(?<symbol>[^\\s\\p{L}\\p{M}\\p{N}])',
  ].join('|'),
  'gu',
);

/**
 * Approximate GPT-style (cl100k) token count without a tokenizer. Latin words of up to 7 letters
 * are one token, longer ones one per 5 letters; digits one per 3 (BPE splits numbers into
 * triples); a CJK character 1.2, a Hangul syllable 1.35; Cyrillic/Greek 0.5 per letter and other
 * scripts (Arabic, Hebrew, Indic, Thai) 0.85; a symbol 1, a run of one repeated symbol ("=====")
 * one per 8. On the docs corpus it lands at 0.74-1.27x of cl100k per file: English prose
 * over-counts by 10-27% (the safe side); lorem ipsum and short list items under-count by up to
 * ~25%, so budgets need headroom. No code point costs more than 2, which keeps word slicing
 * finite.
 */
export function countTokens(text: string): number {
  let tokens = 0;
  for (const m of text.matchAll(TOKEN_RUNS)) {
    const g = m.groups!;
    if (g.latin !== undefined) tokens += g.latin.length <= 7 ? 1 : Math.ceil(g.latin.length / 5);
    else if (g.cjk !== undefined) tokens += 1.2;
    else if (g.hangul !== undefined) tokens += 1.35;
    else if (g.alphabet !== undefined) tokens += Math.max(1, g.alphabet.length * 0.5);
    else if (g.otherLetters !== undefined) tokens += Math.max(1, g.otherLetters.length * 0.85);
    else if (g.digits !== undefined) tokens += Math.ceil(g.digits.length / 3);
    else if (g.repeated !== undefined) tokens += Math.ceil(g.repeated.length / 8);
    else tokens += 1;
  }
  // Tolerance for float drift (1.2 * 5 = 6.000000000000001).
  return Math.max(0, Math.ceil(tokens - 1e-9));
}

// Sentence ends: terminal punctuation (plus closing quotes/brackets) before whitespace, or a CJK
// full stop, which needs no space after it.
const SENTENCE_BREAK = /(?<=[.!?…][)"'»”’\]]*)\s+(?=\S)|(?<=[。！？])/u;
// Abbreviations and initials whose period does not end a sentence.
const ABBREVIATION = /(?:^|[\s(])(?:[A-Z]|Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|vs|cf|al|e\.g|i\.e|Fig|Figs|Eq|No|Vol|pp|approx|Inc|Ltd|Co)\.$/;

/** Split text into sentences; whitespace inside a sentence is kept as written. */
export function splitSentences(text: string): string[] {
  const parts = text.trim().split(SENTENCE_BREAK);
  const sentences: string[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') continue;
    const prev = sentences[sentences.length - 1];
    // "e.g. the", "J. Smith", "approx. 5": the break was a false positive, glue it back.
    if (prev !== undefined && (ABBREVIATION.test(prev) || /^[\p{Ll}]/u.test(part))) {
      sentences[sentences.length - 1] = `${prev} ${part}`;
    } else {
      sentences.push(part);
    }
  }
  return sentences;
}

/** Split text into pieces of at most `budget` tokens at word boundaries (cutting a monster word by characters). */
export function splitByWords(text: string, budget: number): string[] {
  const pieces: string[] = [];
  let current: string[] = [];
  let tokens = 0;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const t = countTokens(word);
    if (t > budget) {
      if (current.length > 0) pieces.push(current.join(' '));
      current = [];
      tokens = 0;
      pieces.push(...sliceWord(word, budget));
      continue;
    }
    if (tokens + t > budget && current.length > 0) {
      pieces.push(current.join(' '));
      current = [];
      tokens = 0;
    }
    current.push(word);
    tokens += t;
  }
  if (current.length > 0) pieces.push(current.join(' '));
  return pieces;
}

/** Cut one word (a hash, base64, a URL) into the longest slices that fit in `budget` tokens. */
function sliceWord(word: string, budget: number): string[] {
  const chars = Array.from(word);
  const slices: string[] = [];
  let start = 0;
  while (start < chars.length) {
    // Start from the most characters a Latin run could hold and shrink in proportion to the
    // overshoot; one code point costs at most 2 tokens, so a slice of one always fits a budget >= 2.
    let len = Math.min(chars.length - start, budget * 5);
    let slice = chars.slice(start, start + len).join('');
    for (let t = countTokens(slice); t > budget && len > 1; t = countTokens(slice)) {
      len = Math.max(1, Math.min(len - 1, Math.floor((len * budget) / t)));
      slice = chars.slice(start, start + len).join('');
    }
    slices.push(slice);
    start += len;
  }
  return slices;
}

/**
 * Greedily pack segments (sentences, lines) into pieces of at most `budget` tokens, joined by
 * `joiner`; a segment that alone exceeds the budget is split by words.
 */
export function packSegments(segments: string[], budget: number, joiner: string): string[] {
  const pieces: string[] = [];
  let current: string[] = [];
  let tokens = 0;
  const flush = (): void => {
    if (current.length > 0) pieces.push(current.join(joiner));
    current = [];
    tokens = 0;
  };
  for (const segment of segments) {
    const t = countTokens(segment);
    if (t > budget) {
      flush();
      pieces.push(...splitByWords(segment, budget));
      continue;
    }
    if (tokens + t > budget) flush();
    current.push(segment);
    tokens += t;
  }
  flush();
  return pieces.filter((p) => p.trim() !== '');
}

/** The trailing sentences of `text` that fit in `budget` tokens (its tail words if even the last sentence is too long). */
export function tailText(text: string, budget: number): string {
  if (budget <= 0) return '';
  const sentences = splitSentences(text);
  const kept: string[] = [];
  let tokens = 0;
  for (let i = sentences.length - 1; i >= 0; i--) {
    const t = countTokens(sentences[i]!);
    if (tokens + t > budget) break;
    kept.unshift(sentences[i]!);
    tokens += t;
  }
  if (kept.length > 0) return kept.join(' ');
  const words = text.trim().split(/\s+/);
  const tail: string[] = [];
  tokens = 0;
  for (let i = words.length - 1; i >= 0; i--) {
    const t = countTokens(words[i]!);
    if (tokens + t > budget) break;
    tail.unshift(words[i]!);
    tokens += t;
  }
  return tail.join(' ');
}
