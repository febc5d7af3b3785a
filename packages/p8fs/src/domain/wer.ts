/**
 * Word error rate for speech-to-text checks, with the text normalisation Whisper's evaluation uses
 * (simplified: no number or contraction rewriting). Pure: the spelling map is passed in, callers
 * load it (yardsticks/audio/whisper-english-normalizer.json).
 */

/** British → American spellings and similar word-for-word rewrites, applied after cleaning. */
export type SpellingMap = Readonly<Record<string, string>>;

// Whisper drops bracketed asides ("[MUSIC]", "(laughs)") before comparing.
const BRACKETED = /\[[^\]]*\]|\([^)]*\)/g;
// Combining marks left after NFKD: "café" and "cafe" are the same word to a listener.
const COMBINING = /\p{M}+/gu;
// Apostrophes join a word ("don't" → "dont") so both sides split the same way; other symbols separate.
const APOSTROPHES = /['\u2018\u2019\u02bc]/g;
const NOT_WORD = /[^\p{L}\p{N}\s]+/gu;

/** Lower-case, drop bracketed asides, accents and punctuation, collapse spaces, apply the spelling map. */
export function normalizeEnglish(text: string, spelling: SpellingMap = {}): string {
  return normalizedWords(text, spelling).join(' ');
}

/** The words of normalizeEnglish, in order. */
export function normalizedWords(text: string, spelling: SpellingMap = {}): string[] {
  const cleaned = text
    .toLowerCase()
    .replace(BRACKETED, ' ')
    .normalize('NFKD')
    .replace(COMBINING, '')
    .replace(APOSTROPHES, '')
    .replace(NOT_WORD, ' ');
  return cleaned
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => (Object.hasOwn(spelling, w) ? spelling[w]! : w));
}

export interface WordErrors {
  /** (substitutions + deletions + insertions) / reference words. */
  wer: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  referenceWords: number;
}

/**
 * Word-level Levenshtein alignment of a hypothesis against a reference. Two rolling rows keep
 * memory linear, so hour-long transcripts are fine. An empty reference gives 0 for an empty
 * hypothesis and 1 otherwise (there is no meaningful denominator).
 */
export function wordErrors(reference: readonly string[], hypothesis: readonly string[]): WordErrors {
  const m = hypothesis.length;
  // Each cell holds the edit cost and how it splits into the three kinds of error.
  let prev = row(m);
  for (let j = 1; j <= m; j++) prev.set(j, j, 0, 0, j);
  for (let i = 1; i <= reference.length; i++) {
    const cur = row(m);
    cur.set(0, i, 0, i, 0);
    for (let j = 1; j <= m; j++) {
      const same = reference[i - 1] === hypothesis[j - 1];
      const diag = prev.cost[j - 1]! + (same ? 0 : 1);
      const del = prev.cost[j]! + 1;
      const ins = cur.cost[j - 1]! + 1;
      // Prefer the diagonal on ties: it gives the conventional S/D/I split.
      if (diag <= del && diag <= ins) cur.set(j, diag, prev.sub[j - 1]! + (same ? 0 : 1), prev.del[j - 1]!, prev.ins[j - 1]!);
      else if (del <= ins) cur.set(j, del, prev.sub[j]!, prev.del[j]! + 1, prev.ins[j]!);
      else cur.set(j, ins, cur.sub[j - 1]!, cur.del[j - 1]!, cur.ins[j - 1]! + 1);
    }
    prev = cur;
  }
  const [substitutions, deletions, insertions] = [prev.sub[m]!, prev.del[m]!, prev.ins[m]!];
  const errors = substitutions + deletions + insertions;
  const n = reference.length;
  const wer = n === 0 ? (errors === 0 ? 0 : 1) : errors / n;
  return { wer, substitutions, deletions, insertions, referenceWords: n };
}

/** WER of two raw texts after normalizeEnglish. */
export function wordErrorRate(reference: string, hypothesis: string, spelling: SpellingMap = {}): number {
  return wordErrors(normalizedWords(reference, spelling), normalizedWords(hypothesis, spelling)).wer;
}

interface Row {
  cost: Int32Array;
  sub: Int32Array;
  del: Int32Array;
  ins: Int32Array;
  set(j: number, cost: number, sub: number, del: number, ins: number): void;
}

function row(m: number): Row {
  const r = { cost: new Int32Array(m + 1), sub: new Int32Array(m + 1), del: new Int32Array(m + 1), ins: new Int32Array(m + 1) };
  return {
    ...r,
    set(j, cost, sub, del, ins) {
      r.cost[j] = cost;
      r.sub[j] = sub;
      r.del[j] = del;
      r.ins[j] = ins;
    },
  };
}
