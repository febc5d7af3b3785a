import type { AgentDocument } from '@p8fs/contracts';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { sha256, uuid5 } from '../domain/ids.js';
import { embeddingText } from '../domain/search-text.js';
import type { Db, SqlRunner } from '../ports/db.js';
import type { FileRow } from './sql/files.js';
import * as sql from './sql/agents.js';
import { freeResourceName, upsertNamedResource } from './sql/named-resources.js';
import { requirePermission } from '../domain/scopes.js';

/** Agent definitions the tenant uploaded (`p8-type: agent`): read by HTTP, MCP and, later, chat. */
export class AgentsService {
  constructor(private readonly db: Db) {}

  list(actor: Actor): Promise<sql.AgentRow[]> {
    requirePermission(actor, 'vault:read');
    return sql.listAgents(this.db, actor.tenantId);
  }

  /** One agent by name, or not_found (another tenant's agents included). */
  async get(actor: Actor, name: string): Promise<sql.AgentRow> {
    requirePermission(actor, 'vault:read');
    const row = await sql.getAgentByName(this.db, actor.tenantId, name);
    if (!row) throw new AppError('not_found', `no agent ${name}`);
    return row;
  }
}

/** The agents row a document describes; both the create_agent shape and the original's JSON-schema shape. */
export function toAgentWrite(tenantId: string, a: AgentDocument): sql.AgentWrite {
  const name = (a.name ?? a.short_name) as string;
  const schema = a.output_schema ?? (a.properties ? { type: 'object', properties: a.properties, ...(a.required ? { required: a.required } : {}) }
    : typeof a.output === 'object' ? a.output : a.output ? { description: a.output } : null);
  // model, temperature and max_tool_rounds are how chat runs the agent (decision 0019).
  const extra = {
    title: a.title, version: a.version, use_in_dreaming: a.use_in_dreaming, priority: a.priority,
    model: a.model, temperature: a.temperature, max_tool_rounds: a.max_tool_rounds,
  };
  return {
    id: uuid5(tenantId, 'agent', name), name, description: a.description, outputSchema: schema, tools: a.tools,
    // The original kept the prompt in the description; an explicit prompt wins.
    systemPrompt: a.instructions ?? a.system_prompt ?? a.description,
    metadata: { ...a.metadata, ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) },
  };
}

/** Upsert an agent by name with its searchable resource (category 'agent', on the file); returns the resource id. */
export async function writeAgent(tx: SqlRunner, tenantId: string, file: FileRow, a: AgentDocument): Promise<string> {
  const row = await sql.upsertAgent(tx, tenantId, toAgentWrite(tenantId, a));
  const id = uuid5(tenantId, 'agent-resource', row.name);
  const tools = row.tools.map((t) => (typeof t === 'string' ? t : String((t as { name?: unknown }).name))).join(', ');
  const content = [row.name, a.title ?? '', row.description, row.system_prompt !== row.description ? row.system_prompt : '', tools && `Tools: ${tools}`]
    .filter((l) => l.trim() !== '').join('\n\n');
  await upsertNamedResource(tx, tenantId, {
    id, fileId: file.id, name: await freeResourceName(tx, tenantId, id, row.name, 'agent'), category: 'agent', content,
    summary: row.description || null, uri: file.uri, contentHash: sha256(embeddingText(content)),
    metadata: { agent_id: row.id, file_name: file.name }, timestamp: null, title: [row.name, a.title ?? ''].join(' '),
  });
  return id;
}
