import type { SqlRunner } from '../../ports/db.js';

/** A sessions row as chat uses it. */
export interface SessionRow {
  id: string;
  tenant_id: string;
  name: string | null;
  agent: string | null;
  model: string | null;
  channel_type: string | null;
  thread_id: string | null;
  moment_id: string | null;
  device_id: string | null;
  turns: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  latency_ms: number;
  compacted_through: number;
  created_at: Date;
  updated_at: Date;
}

/** One stored message of a session. */
export interface SessionMessageRow {
  seq: number;
  turn: number;
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls: { id: string; name: string; arguments: string }[] | null;
  tool_call_id: string | null;
  tool_name: string | null;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost_usd: number | null;
  latency_ms: number | null;
  error: string | null;
  created_at: Date;
}

export type NewSessionMessage = Omit<SessionMessageRow, 'seq' | 'created_at'>;

// numeric and bigint come back from the drivers as strings: cast to what the row types say.
const COLS = `id, tenant_id, name, agent, model, channel_type, thread_id, moment_id, device_id, turns, prompt_tokens,
  completion_tokens, cost_usd::float8 AS cost_usd, latency_ms::float8 AS latency_ms, compacted_through, created_at, updated_at`;
const MSG_COLS = `seq, turn, role, content, tool_calls, tool_call_id, tool_name, model, prompt_tokens, completion_tokens,
  cost_usd::float8 AS cost_usd, latency_ms, error, created_at`;

export async function insertSession(
  db: SqlRunner, tenantId: string,
  s: { id: string; name: string | null; agent: string; model: string; channel: string; momentId: string | null; deviceId: string | null },
): Promise<SessionRow> {
  const rows = await db.query<SessionRow>(
    `INSERT INTO sessions (tenant_id, id, name, query, agent, model, session_type, channel_type, moment_id, device_id)
     VALUES ($1, $2, $3, $3, $4, $5, 'chat', $6, $7, $8) RETURNING ${COLS}`,
    [tenantId, s.id, s.name, s.agent, s.model, s.channel, s.momentId, s.deviceId],
  );
  return rows[0] as SessionRow;
}

export async function getSession(db: SqlRunner, tenantId: string, id: string): Promise<SessionRow | null> {
  const rows = await db.query<SessionRow>(`SELECT ${COLS} FROM sessions WHERE tenant_id = $1 AND id = $2 AND session_type = 'chat'`, [tenantId, id]);
  return rows[0] ?? null;
}

/** The session a stateless client's conversation belongs to (by its first exchange), newest first. */
export async function findSessionByThread(db: SqlRunner, tenantId: string, threadId: string): Promise<SessionRow | null> {
  const rows = await db.query<SessionRow>(
    `SELECT ${COLS} FROM sessions WHERE tenant_id = $1 AND thread_id = $2 AND session_type = 'chat' ORDER BY updated_at DESC LIMIT 1`,
    [tenantId, threadId],
  );
  return rows[0] ?? null;
}

/** Lock the session row for a turn's write: two requests on one session number their messages in turn. */
export async function lockSession(tx: SqlRunner, tenantId: string, id: string): Promise<SessionRow | null> {
  const rows = await tx.query<SessionRow>(`SELECT ${COLS} FROM sessions WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
  return rows[0] ?? null;
}

export async function listSessions(db: SqlRunner, tenantId: string, limit: number, offset: number): Promise<{ rows: SessionRow[]; total: number }> {
  const rows = await db.query<SessionRow>(
    `SELECT ${COLS} FROM sessions WHERE tenant_id = $1 AND session_type = 'chat' ORDER BY updated_at DESC, id LIMIT $2 OFFSET $3`,
    [tenantId, limit, offset],
  );
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sessions WHERE tenant_id = $1 AND session_type = 'chat'`, [tenantId]);
  return { rows, total: total[0]?.n ?? 0 };
}

/** Delete a session (its messages go with it); false when the tenant has no such session. */
export async function deleteSession(db: SqlRunner, tenantId: string, id: string): Promise<boolean> {
  const rows = await db.query(`DELETE FROM sessions WHERE tenant_id = $1 AND id = $2 AND session_type = 'chat' RETURNING id`, [tenantId, id]);
  return rows.length > 0;
}

/** A session's messages from seq `after` + 1 on, in order. */
export async function listMessages(db: SqlRunner, tenantId: string, sessionId: string, after = 0): Promise<SessionMessageRow[]> {
  return db.query<SessionMessageRow>(
    `SELECT ${MSG_COLS} FROM session_messages WHERE tenant_id = $1 AND session_id = $2 AND seq > $3 ORDER BY seq`,
    [tenantId, sessionId, after],
  );
}

/** Append messages after the last one (call inside the transaction that locked the session). */
export async function appendMessages(tx: SqlRunner, tenantId: string, sessionId: string, messages: readonly NewSessionMessage[]): Promise<number> {
  const last = await tx.query<{ seq: number }>(
    `SELECT coalesce(max(seq), 0)::int AS seq FROM session_messages WHERE tenant_id = $1 AND session_id = $2`, [tenantId, sessionId],
  );
  let seq = last[0]?.seq ?? 0;
  for (const m of messages) {
    seq++;
    await tx.query(
      `INSERT INTO session_messages (tenant_id, session_id, seq, turn, role, content, tool_calls, tool_call_id, tool_name, model,
         prompt_tokens, completion_tokens, cost_usd, latency_ms, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [tenantId, sessionId, seq, m.turn, m.role, m.content, m.tool_calls === null ? null : JSON.stringify(m.tool_calls), m.tool_call_id,
        m.tool_name, m.model, m.prompt_tokens, m.completion_tokens, m.cost_usd, m.latency_ms, m.error],
    );
  }
  return seq;
}

/** Add a finished turn's totals to its session; the thread key is set once, by the first turn. */
export async function addTurnTotals(
  tx: SqlRunner, tenantId: string, id: string,
  t: { model: string; promptTokens: number; completionTokens: number; costUsd: number; latencyMs: number; threadId: string | null },
): Promise<void> {
  await tx.query(
    `UPDATE sessions SET turns = turns + 1, model = $3, prompt_tokens = prompt_tokens + $4, completion_tokens = completion_tokens + $5,
       cost_usd = cost_usd + $6, latency_ms = latency_ms + $7, thread_id = coalesce(thread_id, $8), updated_at = now(), completed_at = now()
     WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, t.model, t.promptTokens, t.completionTokens, t.costUsd, Math.round(t.latencyMs), t.threadId],
  );
}

/** Messages up to seq leave the model's context (compaction); never moves backwards. */
export async function setCompactedThrough(db: SqlRunner, tenantId: string, id: string, seq: number): Promise<void> {
  await db.query(`UPDATE sessions SET compacted_through = greatest(compacted_through, $3) WHERE tenant_id = $1 AND id = $2`, [tenantId, id, seq]);
}

/** The searchable turn mirrors of a session (category 'session', metadata.session_id). */
export async function deleteSessionResources(db: SqlRunner, tenantId: string, sessionId: string): Promise<void> {
  await db.query(`DELETE FROM resources WHERE tenant_id = $1 AND category = 'session' AND file_id IS NULL AND metadata->>'session_id' = $2`, [tenantId, sessionId]);
}

/**
 * The user's profile, if they keep one: a file named profile.md or me.md (anywhere in the vault) or
 * resources of category 'profile', first chunks first, at most `maxChars`.
 */
export async function profileText(db: SqlRunner, tenantId: string, maxChars: number): Promise<string | null> {
  const rows = await db.query<{ content: string }>(
    `SELECT r.content FROM resources r LEFT JOIN files f ON f.tenant_id = r.tenant_id AND f.id = r.file_id
     WHERE r.tenant_id = $1 AND (r.category = 'profile' OR lower(f.name) IN ('profile.md', 'me.md'))
     ORDER BY r.category = 'profile' DESC, f.updated_at DESC NULLS LAST, r.ordinal LIMIT 20`,
    [tenantId],
  );
  const text = rows.map((r) => r.content).join('\n\n').trim();
  return text === '' ? null : text.slice(0, maxChars);
}
