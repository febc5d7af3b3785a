import { createHash } from 'node:crypto';
import type { VaultStatus } from '@p8fs/contracts';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { OpenApiDocument } from './openapi.js';

// Server-rendered, dependency-free pages: they must work offline and behind no CDN.
// hono/html escapes every interpolated value, so file names and paths cannot inject markup.

type Page = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
code{background:#f4f4f4;padding:0 .2rem}.m{font-weight:600;text-transform:uppercase;font-family:monospace}`;

/** The CSP source that allows the pages' one inline style and nothing else (no 'unsafe-inline'). */
export const PAGE_STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

function layout(title: string, body: Page): Page {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** GET /: the vault at a glance, with links to the API description and probes. */
export function statusPage(s: VaultStatus): Page {
  const rows = Object.entries(s.files).map(([status, n]) => html`<tr><td>files ${status}</td><td>${n}</td></tr>`);
  const jobs = Object.entries(s.jobs).map(([state, n]) => html`<tr><td>jobs ${state}</td><td>${n}</td></tr>`);
  return layout(
    'P8FS',
    html`<h1>P8FS memory vault</h1>
<p>version <code>${s.version}</code> &middot; tenant <code>${s.tenant_id}</code></p>
<table>${rows}<tr><td>resources</td><td>${s.resources}</td></tr><tr><td>embeddings</td><td>${s.embeddings}</td></tr>${jobs}
<tr><td>embedder</td><td><code>${s.embedder.id}</code> (${s.embedder.dimension}-d, ${s.embedder.pending} pending)</td></tr></table>
<p><a href="/docs">API docs</a> &middot; <a href="/openapi.json">openapi.json</a> &middot; <a href="/health">health</a> &middot; <a href="/ready">ready</a></p>`,
  );
}

/** GET /docs: every operation of the OpenAPI document, readable without a client-side viewer. */
export function docsPage(doc: OpenApiDocument): Page {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const responses = Object.keys((op.responses as Record<string, unknown> | undefined) ?? {}).join(', ');
      const body = op.requestBody ? Object.keys((op.requestBody as { content: Record<string, unknown> }).content).join(', ') : '';
      return html`<tr><td class="m">${method}</td><td><code>${path}</code></td><td>${String(op.summary ?? '')}${
        op.description ? html`<br><small>${String(op.description)}</small>` : ''
      }</td><td>${body}</td><td>${responses}</td></tr>`;
    }),
  );
  return layout(
    'P8FS API',
    html`<h1>P8FS API <small>${doc.info.version}</small></h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${doc.openapi}). Errors answer <code>{"error":{"code","message","details?"}}</code>.</p>
<table><tr><th>method</th><th>path</th><th>what</th><th>body</th><th>responses</th></tr>${ops}</table>`,
  );
}
