import type { ExportEdgePage, ExportResourcePage } from '@p8fs/contracts';
import type { ExportPage } from '../services/export.js';
import type { EdgeRow, ExportResourceRow } from '../services/sql/export.js';
import { toResourceDto } from './presenters.js';

/** A page of resources as the wire has it: DTOs, with the vector parsed when one was asked for. */
export function toExportResourcePage(page: ExportPage<ExportResourceRow>): ExportResourcePage {
  const { provider } = page;
  const resources = page.rows.map((r) => ({
    ...toResourceDto(r),
    // pgvector's text form is a JSON array.
    ...(provider ? { embedding: r.embedding_text ? (JSON.parse(r.embedding_text) as number[]) : null, embedding_provider: r.embedding_text ? provider : null } : {}),
  }));
  return { resources, next_after: page.nextAfter };
}

/** A page of edges as the wire has it. */
export function toExportEdgePage(page: ExportPage<EdgeRow>): ExportEdgePage {
  const edges = page.rows.map((e) => ({ ...e, weight: Number(e.weight), created_at: new Date(e.created_at).toISOString(), updated_at: new Date(e.updated_at).toISOString() }));
  return { edges, next_after: page.nextAfter };
}
