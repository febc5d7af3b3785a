import { readFileSync } from 'node:fs';

/** One turn of a LoCoMo conversation, in session order. */
export interface Turn {
  diaId: string;
  session: number;
  speaker: string;
  /** session date as written in the data, e.g. "1:56 pm on 8 May, 2023" */
  date: string;
  timestamp: Date | null;
  text: string;
}

/** A question with its evidence turns (categories 1–4 only; 5 is adversarial). */
export interface Question {
  question: string;
  category: 1 | 2 | 3 | 4;
  evidence: string[];
}

export interface Conversation {
  id: string;
  turns: Turn[];
  questions: Question[];
  /** questions dropped because none of their evidence ids names a turn */
  dropped: number;
}

export const CATEGORY_NAMES: Record<number, string> = { 1: 'multi-hop', 2: 'temporal', 3: 'open-domain', 4: 'single-hop' };

interface RawSample {
  sample_id: string;
  conversation: Record<string, unknown>;
  qa: { question: string; category: number; evidence?: string[] }[];
}

interface RawTurn {
  speaker: string;
  dia_id: string;
  text: string;
}

/** Load the LoCoMo json (the list of samples mem0/Zep load) into conversations. */
export function loadLocomo(path: string): Conversation[] {
  const samples = JSON.parse(readFileSync(path, 'utf8')) as RawSample[];
  return samples.map(toConversation);
}

/** The text a turn is indexed as: `Speaker (date): text` (the yardstick's document format). */
export function turnContent(t: Turn): string {
  return `${t.speaker} (${t.date}): ${t.text}`;
}

function toConversation(s: RawSample): Conversation {
  const turns: Turn[] = [];
  const sessions = Object.keys(s.conversation)
    .map((k) => /^session_(\d+)$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  for (const n of sessions) {
    const date = String(s.conversation[`session_${n}_date_time`] ?? '');
    for (const t of s.conversation[`session_${n}`] as RawTurn[]) {
      turns.push({ diaId: t.dia_id, session: n, speaker: t.speaker, date, timestamp: parseSessionDate(date), text: t.text });
    }
  }
  const known = new Set(turns.map((t) => t.diaId));
  const questions: Question[] = [];
  let dropped = 0;
  for (const q of s.qa) {
    if (q.category < 1 || q.category > 4) continue;
    const evidence = [...new Set((q.evidence ?? []).flatMap(normaliseEvidence))].filter((e) => known.has(e));
    if (evidence.length === 0) dropped++;
    else questions.push({ question: q.question, category: q.category as Question['category'], evidence });
  }
  return { id: s.sample_id, turns, questions, dropped };
}

/** A few evidence entries are malformed in the source ("D8:6; D9:17", "D:11:26"); read them as meant. */
export function normaliseEvidence(raw: string): string[] {
  return raw
    .split(/[;,\s]+/)
    .map((e) => e.replace(/^D:(\d+):(\d+)$/, 'D$1:$2'))
    .filter((e) => /^D\d+:\d+$/.test(e));
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** "1:56 pm on 8 May, 2023" -> Date (UTC), or null when the format differs. */
export function parseSessionDate(s: string): Date | null {
  const m = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})/i.exec(s);
  if (!m) return null;
  const month = MONTHS.indexOf((m[5] as string).toLowerCase());
  if (month < 0) return null;
  const hour = (Number(m[1]) % 12) + ((m[3] as string).toLowerCase() === 'pm' ? 12 : 0);
  return new Date(Date.UTC(Number(m[6]), month, Number(m[4]), hour, Number(m[2])));
}
