import type { SqlRunner } from '../../ports/db.js';

/** An agents row as stored. */
export interface AgentRow {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  system_prompt: string;
  output_schema: Record<string, unknown> | null;
  tools: unknown[];
  metadata: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface AgentWrite {
  id: string;
  name: string;
  description: string;
  systemPrompt: string;
  outputSchema: Record<string, unknown> | null;
  tools: unknown[];
  metadata: Record<string, unknown>;
}

const COLS = 'id, tenant_id, name, description, system_prompt, output_schema, tools, metadata, created_at, updated_at';

/** Insert or update an agent by name (unique per tenant); metadata is merged key by key, the rest replaced. */
export async function upsertAgent(db: SqlRunner, tenantId: string, a: AgentWrite): Promise<AgentRow> {
  const rows = await db.query<AgentRow>(
    `INSERT INTO agents (tenant_id, id, name, description, system_prompt, output_schema, tools, metadata)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb)
     ON CONFLICT (tenant_id, name) DO UPDATE SET description = EXCLUDED.description, system_prompt = EXCLUDED.system_prompt,
       output_schema = EXCLUDED.output_schema, tools = EXCLUDED.tools, metadata = agents.metadata || EXCLUDED.metadata, updated_at = now()
     RETURNING ${COLS}`,
    [tenantId, a.id, a.name, a.description, a.systemPrompt, a.outputSchema === null ? null : JSON.stringify(a.outputSchema),
      JSON.stringify(a.tools), JSON.stringify(a.metadata)],
  );
  return rows[0] as AgentRow;
}

export async function getAgentByName(db: SqlRunner, tenantId: string, name: string): Promise<AgentRow | null> {
  const rows = await db.query<AgentRow>(`SELECT ${COLS} FROM agents WHERE tenant_id = $1 AND name = $2`, [tenantId, name]);
  return rows[0] ?? null;
}

/** The tenant's agents by name (a vault holds a handful, so no paging). */
export async function listAgents(db: SqlRunner, tenantId: string, limit = 500): Promise<AgentRow[]> {
  return db.query<AgentRow>(`SELECT ${COLS} FROM agents WHERE tenant_id = $1 ORDER BY name LIMIT $2`, [tenantId, limit]);
}
