import { Readable } from 'node:stream';
import { z } from 'zod';
import type { App } from '../../../app.js';
import { archiveLength } from '../../../domain/backup/manifest.js';
import { parseWith } from '../input.js';
import type { Ctx, RouteSpec } from '../route-spec.js';

const BackupQuery = z.object({
  include_master_key: z.enum(['true', 'false']).default('false').describe('put master.key in the archive (whoever holds the archive can then read the vault)'),
});

/**
 * `p8fs backup` while a server holds the data dir (decision 0021): the archive streams back as the
 * reply. Only the vault's owner, signed in first-party, may take one (the service checks). The
 * length is sent up front, so a reply cut short (a blob deleted mid-stream) is an error to the client.
 */
export function backupRoutes(app: App): RouteSpec[] {
  const create = async (c: Ctx) => {
    const q = parseWith(BackupQuery, c.req.query(), 'query');
    const { manifest, chunks } = await app.services.backup.open(c.get('actor'), { includeMasterKey: q.include_master_key === 'true' });
    return c.body(Readable.toWeb(Readable.from(chunks)) as unknown as ReadableStream, 200, {
      'Content-Type': 'application/x-tar',
      'Content-Disposition': `attachment; filename="p8fs-backup-${manifest.created_at.slice(0, 10)}.tar"`,
      'Content-Length': String(archiveLength(manifest)),
      'Cache-Control': 'no-store',
    });
  };
  return [
    {
      method: 'post', path: '/api/v1/backup', operationId: 'createBackup', tag: 'system',
      summary: 'A consistent archive of the embedded vault (tar: manifest, database dump, blobs as stored); owner only',
      query: BackupQuery,
      responses: { 200: { description: 'the archive', body: { contentType: 'application/x-tar', schema: { jsonSchema: { type: 'string', contentMediaType: 'application/x-tar' } } } } },
      errors: [400, 401, 403, 409], handler: create,
    },
  ];
}
