import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Db } from '../../ports/db.js';
import type { JobQueue } from '../../ports/job-queue.js';
import { isUuid } from '../files.js';
import { queueEmbedding } from '../moment-write.js';
import * as sql from '../sql/sessions.js';
import { getResource } from '../sql/resources.js';
import { mirrorTurn, turnResourceId } from './session-mirror.js';

/** How a chat request finds its session. */
export interface OpenSession {
  /** Continue this session (X-Session-Id); not_found when the tenant has none such. */
  sessionId?: string | undefined;
  /** A stateless client's conversation key (its first exchange, hashed): continue that session if there is one. */
  threadKey?: string | null | undefined;
  agent: string;
  model: string;
  momentId: string | null;
  channel: string;
  /** A new session's name: the start of its first question. */
  name: string | null;
}

/** A finished (or failed) turn, as stored. */
export interface TurnRecord {
  messages: Omit<sql.NewSessionMessage, 'turn'>[];
  question: string;
  answer: string;
  tools: string[];
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
  latencyMs: number;
  /** Set with the first turn: the key a stateless client's next request finds this session by. */
  threadKey: string | null;
}

/**
 * Chat sessions as the chat service keeps them: opened or continued per request, one turn written
 * per request in one transaction (messages, totals, the turn's searchable mirror). Authorisation is
 * the caller's (ChatService, SessionsService): every method here is scoped by tenant only.
 */
export class SessionStore {
  constructor(private readonly db: Db, private readonly queue: JobQueue) {}

  /** The session to use: the one named, the one the thread key finds, or a new one. */
  async open(actor: Actor, o: OpenSession): Promise<sql.SessionRow> {
    if (o.sessionId !== undefined) {
      const found = isUuid(o.sessionId) ? await sql.getSession(this.db, actor.tenantId, o.sessionId) : null;
      if (!found) throw new AppError('not_found', `no session ${o.sessionId}`);
      return found;
    }
    if (o.threadKey) {
      const found = await sql.findSessionByThread(this.db, actor.tenantId, o.threadKey);
      if (found) return found;
    }
    return sql.insertSession(this.db, actor.tenantId, {
      id: newId(), name: o.name, agent: o.agent, model: o.model, channel: o.channel, momentId: o.momentId, deviceId: actor.deviceId,
    });
  }

  /** The messages still in the model's context (after compacted_through), in order. */
  history(tenantId: string, session: sql.SessionRow): Promise<sql.SessionMessageRow[]> {
    return sql.listMessages(this.db, tenantId, session.id, session.compacted_through);
  }

  /** The first user message of each compacted turn: what the context's pointers name. */
  async compactedTurns(tenantId: string, session: sql.SessionRow): Promise<{ turn: number; question: string }[]> {
    if (session.compacted_through === 0) return [];
    const rows = await this.db.query<{ turn: number; content: string }>(
      `SELECT DISTINCT ON (turn) turn, content FROM session_messages
       WHERE tenant_id = $1 AND session_id = $2 AND seq <= $3 AND role = 'user' ORDER BY turn, seq`,
      [tenantId, session.id, session.compacted_through],
    );
    return rows.map((r) => ({ turn: r.turn, question: r.content }));
  }

  /** Drop messages up to seq from the model's context. */
  compact(tenantId: string, sessionId: string, seq: number): Promise<void> {
    return sql.setCompactedThrough(this.db, tenantId, sessionId, seq);
  }

  /** Store one turn: its messages, the session's totals and the turn's searchable mirror. Returns the turn number. */
  async saveTurn(tenantId: string, sessionId: string, t: TurnRecord): Promise<number> {
    return this.db.transaction(async (tx) => {
      const session = await sql.lockSession(tx, tenantId, sessionId);
      // Deleted while the turn ran: nothing to add to.
      if (!session) return 0;
      const turn = session.turns + 1;
      await sql.appendMessages(tx, tenantId, sessionId, t.messages.map((m) => ({ ...m, turn })));
      await sql.addTurnTotals(tx, tenantId, sessionId, {
        model: t.model, promptTokens: t.promptTokens, completionTokens: t.completionTokens, costUsd: t.costUsd ?? 0, latencyMs: t.latencyMs, threadId: t.threadKey,
      });
      if (t.answer.trim() !== '') {
        const previous = turn > 1 ? (await getResource(tx, tenantId, turnResourceId(tenantId, sessionId, turn - 1)))?.content ?? null : null;
        await mirrorTurn(tx, tenantId, {
          sessionId, sessionName: session.name, turn, agent: session.agent ?? '', momentId: session.moment_id,
          question: t.question, answer: t.answer, tools: t.tools, previous, at: new Date(),
        });
        await queueEmbedding(tx, this.queue, tenantId);
      }
      return turn;
    });
  }
}
