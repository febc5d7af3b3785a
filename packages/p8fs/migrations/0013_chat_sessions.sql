-- 0013: chat sessions (decision 0019). The sessions table of 0001 holds one row per conversation;
-- its messages live here, one row each, so a long session is read and compacted without rewriting
-- a growing JSON array, and every tool call and result is kept with its turn.

ALTER TABLE sessions ADD COLUMN turns integer NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN latency_ms bigint NOT NULL DEFAULT 0;
-- Messages with seq <= compacted_through are no longer sent to the model (they stay stored and
-- searchable; the context carries REM pointers to them instead).
ALTER TABLE sessions ADD COLUMN compacted_through integer NOT NULL DEFAULT 0;
-- The device that started the session (NULL: the local owner in process).
ALTER TABLE sessions ADD COLUMN device_id uuid;
-- A stateless OpenAI client (Open WebUI) resends the whole conversation without a session id: its
-- first user message and first answer, hashed, find the session again (sessions.thread_id).
CREATE INDEX sessions_thread ON sessions (tenant_id, thread_id) WHERE thread_id IS NOT NULL;

CREATE TABLE session_messages (
  tenant_id          text NOT NULL,
  session_id         uuid NOT NULL,
  seq                integer NOT NULL CHECK (seq >= 1),
  turn               integer NOT NULL CHECK (turn >= 1),
  role               text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content            text NOT NULL DEFAULT '',
  -- assistant: [{id, name, arguments}] the model asked for; tool: which call this answers.
  tool_calls         jsonb,
  tool_call_id       text,
  tool_name          text,
  -- On the last message of a turn: what the turn cost.
  model              text,
  prompt_tokens      integer,
  completion_tokens  integer,
  cost_usd           numeric(12, 6),
  latency_ms         integer,
  error              text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, session_id, seq),
  FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE
);
