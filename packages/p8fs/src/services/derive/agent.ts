import { AgentDocument } from '@p8fs/contracts';
import type { ParsedDocument } from '../../domain/document.js';
import { writeAgent } from '../agents.js';
import type { Deriver } from './index.js';
import { structuredDocument } from './structured.js';

const isAgent = (doc: ParsedDocument): boolean => doc.metadata.document_kind?.toString().toLowerCase() === 'agent' && doc.structured !== undefined;

/** `p8-type: agent` documents: an agents row (by name) and one searchable resource, instead of chunks. */
export const agentDeriver: Deriver = {
  id: 'agent',
  claims: isAgent,
  async derive(ctx) {
    if (!isAgent(ctx.doc)) return undefined;
    return [await writeAgent(ctx.tx, ctx.tenantId, ctx.file, structuredDocument(AgentDocument, ctx, 'agent definition'))];
  },
};
