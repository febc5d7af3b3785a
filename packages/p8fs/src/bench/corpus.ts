/**
 * Deterministic generated text for throughput and latency benchmarks: words drawn from a Zipf
 * distribution over a vocabulary of common English words plus pronounceable made-up words, so
 * posting lists have the long tail of real text (a few huge, most tiny).
 */

const COMMON = `the of and to in is was that for it with as on be at by this had not are but from or have an they which
one you were all we her she there would their will when who him been has more if no out so said what up its about
into than them can only other new some could time these two may then do first any my now such like our over man me
even most made after also did many before must through back years where much your way well down should because each
just those people how too little state good very make world still own see men work long get here between both life
being under never day same another know while last might us great old year off come since against go came right used
take three project meeting budget travel family garden music recipe doctor school report market river mountain city
coffee paint dog cat book movie friend weekend holiday photo camera guitar bike beach summer winter letter invoice
contract design server database network cloud storage search index vector memory vault ticket flight hotel dinner
lunch birthday wedding concert museum library lecture class exam paper research theory model data chart figure`.split(/\s+/);

const ONSETS = ['b', 'br', 'c', 'ch', 'd', 'dr', 'f', 'g', 'gr', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'pl', 'r', 's', 'st', 't', 'tr', 'v', 'w', 'z'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou', 'io'];
const CODAS = ['', 'n', 'r', 's', 't', 'l', 'm', 'nd', 'st', 'x'];

/** A small fast seeded PRNG (mulberry32): the same seed always gives the same corpus. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Words with Zipf-distributed frequencies (rank r has weight 1 / r^1.07). */
export class Vocabulary {
  readonly words: string[];
  private readonly cdf: Float64Array;

  constructor(size = 30_000, seed = 7) {
    const rnd = seededRandom(seed);
    const made = new Set<string>(COMMON);
    while (made.size < size) {
      const syllables = 1 + Math.floor(rnd() * 3);
      let w = '';
      for (let i = 0; i < syllables; i++) w += pickFrom(rnd, ONSETS) + pickFrom(rnd, VOWELS) + (i === syllables - 1 ? pickFrom(rnd, CODAS) : '');
      if (w.length > 2) made.add(w);
    }
    this.words = [...made];
    this.cdf = new Float64Array(this.words.length);
    let sum = 0;
    for (let r = 0; r < this.words.length; r++) this.cdf[r] = sum += 1 / (r + 1) ** 1.07;
    for (let r = 0; r < this.cdf.length; r++) this.cdf[r] = (this.cdf[r] as number) / sum;
  }

  /** One word drawn by frequency. */
  word(rnd: () => number): string {
    const x = rnd();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cdf[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo] as string;
  }

  /** A sentence of 6–20 words. */
  sentence(rnd: () => number): string {
    const n = 6 + Math.floor(rnd() * 15);
    const words = Array.from({ length: n }, () => this.word(rnd));
    const first = words[0] as string;
    words[0] = first.charAt(0).toUpperCase() + first.slice(1);
    return `${words.join(' ')}.`;
  }

  /** Sentences until about `chars` characters. */
  text(rnd: () => number, chars: number): string {
    const parts: string[] = [];
    let len = 0;
    while (len < chars) {
      const s = this.sentence(rnd);
      parts.push(s);
      len += s.length + 1;
    }
    return parts.join(' ');
  }
}

function pickFrom<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)] as T;
}

/** A Markdown document of about `chars` characters: title, sections, paragraphs and lists. */
export function markdownDoc(vocab: Vocabulary, rnd: () => number, chars: number): string {
  const out: string[] = [`# ${vocab.sentence(rnd).slice(0, 60)}`];
  let len = 0;
  while (len < chars) {
    const block = rnd();
    const text =
      block < 0.12 ? `## ${vocab.sentence(rnd).slice(0, 50)}`
      : block < 0.22 ? Array.from({ length: 3 + Math.floor(rnd() * 4) }, () => `- ${vocab.sentence(rnd)}`).join('\n')
      : vocab.text(rnd, 200 + rnd() * 600);
    out.push(text);
    len += text.length + 2;
  }
  return `${out.join('\n\n')}\n`;
}

/** A plain-text document of about `chars` characters in paragraphs. */
export function textDoc(vocab: Vocabulary, rnd: () => number, chars: number): string {
  const out: string[] = [];
  let len = 0;
  while (len < chars) {
    const p = vocab.text(rnd, 200 + rnd() * 800);
    out.push(p);
    len += p.length + 2;
  }
  return `${out.join('\n\n')}\n`;
}

/** File sizes spread log-uniformly between min and max characters (a few large, many small). */
export function logUniform(rnd: () => number, min: number, max: number): number {
  return Math.round(Math.exp(Math.log(min) + rnd() * (Math.log(max) - Math.log(min))));
}
