import { EngramDocument } from '@p8fs/contracts';
import type { ParsedDocument } from '../../domain/document.js';
import { writeEngram } from '../engrams.js';
import type { Deriver } from './index.js';
import { structuredDocument } from './structured.js';

const isEngram = (doc: ParsedDocument): boolean => doc.metadata.document_kind?.toString().toLowerCase() === 'engram' && doc.structured !== undefined;

/**
 * `kind: engram` documents: one resource (by name), explicit edges and attached moments, instead of
 * the chunks of a generic YAML/JSON file. A malformed engram fails the file naming the field.
 */
export const engramDeriver: Deriver = {
  id: 'engram',
  claims: isEngram,
  async derive(ctx) {
    if (!isEngram(ctx.doc)) return undefined;
    return writeEngram(ctx, structuredDocument(EngramDocument, ctx, 'engram'));
  },
};
