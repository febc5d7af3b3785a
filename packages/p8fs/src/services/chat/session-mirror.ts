import { sha256, uuid5 } from '../../domain/ids.js';
import { embeddingText, neighbourContexts } from '../../domain/search-text.js';
import type { SqlRunner } from '../../ports/db.js';
import { upsertResources } from '../sql/resources.js';

// Sessions are part of the memory: each turn of a chat is mirrored as a resource (category 'session'),
// searchable like a note and found by name with LOOKUP, which is also how a compacted history points
// back at what it dropped. The session's messages stay the canonical record; mirrors are derived.

/** Characters of a turn kept in its mirror (a long answer is cut; the session keeps it whole). */
const TURN_CHARS = 12_000;

/** The name (and so the REM label) of a session's turn: `LOOKUP "session <id> turn <n>"` finds it. */
export const turnLabel = (sessionId: string, turn: number): string => `session ${sessionId} turn ${turn}`;

/** The id of a turn's mirror resource. */
export const turnResourceId = (tenantId: string, sessionId: string, turn: number): string => uuid5(tenantId, 'session-turn', sessionId, String(turn));

export interface TurnMirror {
  sessionId: string;
  sessionName: string | null;
  turn: number;
  agent: string;
  momentId: string | null;
  /** The user's words this turn. */
  question: string;
  answer: string;
  /** Tools the agent ran, one line each (`search "lisbon"`). */
  tools: string[];
  /** The previous turn's mirror text, for keyword context (neighbours, like a file's chunks). */
  previous: string | null;
  at: Date;
}

/** The text a turn's mirror holds. */
export function turnText(t: Pick<TurnMirror, 'question' | 'answer' | 'tools'>): string {
  const lines = [`User: ${t.question}`, ...(t.tools.length ? [`(tools: ${t.tools.join('; ')})`] : []), `Assistant: ${t.answer}`];
  return lines.join('\n\n').slice(0, TURN_CHARS);
}

/** Write (or rewrite) one turn's mirror resource inside the caller's transaction. */
export async function mirrorTurn(tx: SqlRunner, tenantId: string, t: TurnMirror): Promise<void> {
  const content = turnText(t);
  const context = neighbourContexts(t.previous === null ? [content] : [t.previous, content]).at(-1) ?? '';
  await upsertResources(tx, tenantId, [{
    id: turnResourceId(tenantId, t.sessionId, t.turn),
    fileId: null,
    name: turnLabel(t.sessionId, t.turn),
    category: 'session',
    content,
    ordinal: t.turn,
    uri: `p8fs://sessions/${t.sessionId}#turn=${t.turn}`,
    contentHash: sha256(embeddingText(content)),
    metadata: { session_id: t.sessionId, turn: t.turn, agent: t.agent, ...(t.momentId ? { moment_id: t.momentId } : {}) },
    timestamp: t.at,
    title: t.sessionName ?? '',
    context,
  }]);
}
