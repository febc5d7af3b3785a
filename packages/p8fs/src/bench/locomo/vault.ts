import type { App } from '../../app.js';
import { ownerActor, type Actor } from '../../domain/actor.js';
import { type ContextPolicy, neighbourContexts } from '../../domain/search-text.js';
import { sha256, uuid5 } from '../../domain/ids.js';
import { upsertResources } from '../../services/sql/resources.js';
import { type Conversation, turnContent } from './dataset.js';

/** A conversation loaded as one vault: its actor and resource id -> dia_id. */
export interface ConversationVault {
  actor: Actor;
  diaOf: Map<string, string>;
}

/** Create the tenant row a vault needs (accounts arrive with issue P3; benchmarks insert directly). */
export async function ensureTenant(app: App, tenantId: string): Promise<Actor> {
  await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, $1) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId]);
  return ownerActor(tenantId);
}

/**
 * One resource per turn, in session order, through the same path as any sequence of resources
 * (neighbour context, then embedPending); the dia_id stays in metadata.
 */
export async function loadConversation(app: App, conv: Conversation, tenantId = `locomo-${conv.id}`): Promise<ConversationVault> {
  const actor = await ensureTenant(app, tenantId);
  const ids = await app.services.resources.writeSequence(
    actor,
    conv.turns.map((t) => ({
      name: `${conv.id}/${t.diaId}`,
      uri: `locomo://${conv.id}/${t.diaId}`,
      content: turnContent(t),
      category: 'conversation',
      metadata: { dia_id: t.diaId, speaker: t.speaker, session: t.session },
      timestamp: t.timestamp,
    })),
  );
  await app.services.embeddings.embedPending(tenantId, null);
  return { actor, diaOf: new Map(ids.map((id, i) => [id, conv.turns[i]?.diaId as string])) };
}

/**
 * Keyword-only copy of a conversation indexed with another neighbour-context policy (variant
 * runs). It writes resources directly because the production writer always uses the default policy.
 */
export async function loadKeywordVariant(app: App, conv: Conversation, tenantId: string, policy: ContextPolicy): Promise<ConversationVault> {
  const actor = await ensureTenant(app, tenantId);
  const texts = conv.turns.map(turnContent);
  const contexts = neighbourContexts(texts, policy);
  const rows = conv.turns.map((t, i) => ({
    id: uuid5(tenantId, 'resource', t.diaId), fileId: null, name: t.diaId, category: 'conversation', content: texts[i] as string,
    ordinal: i, uri: t.diaId, contentHash: sha256(texts[i] as string), metadata: { dia_id: t.diaId }, timestamp: t.timestamp,
    title: '', context: contexts[i] as string,
  }));
  for (let i = 0; i < rows.length; i += 500) await upsertResources(app.db, tenantId, rows.slice(i, i + 500));
  return { actor, diaOf: new Map(rows.map((r) => [r.id, r.name])) };
}
