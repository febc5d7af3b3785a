import { createHash } from 'node:crypto';
import { UploadResult } from '@p8fs/contracts';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../../test/support.js';
import { DEFAULT_SEGMENT_BYTES } from '../../../adapters/blob/encryption/format.js';
import type { App } from '../../../app.js';
import { dbBlobLedger } from '../../../services/blob-ledger.js';
import { createHttpApp } from '../app.js';
import type { HttpEnv } from '../route-spec.js';

const SIZE = 200_000;
const SEG = DEFAULT_SEGMENT_BYTES;

/** SIZE bytes without a short period (SHA-256 in counter mode), so a shifted range cannot pass by accident. */
function pattern(): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; i * 32 < SIZE; i++) blocks.push(createHash('sha256').update(`block ${i}`).digest());
  return Buffer.concat(blocks).subarray(0, SIZE);
}

describe('GET /api/v1/files/{id}/content with Range, through at-rest encryption', () => {
  let app: App & { dataDir: string };
  let http: Hono<HttpEnv>;
  let url = '';
  const data = pattern();
  const get = (headers: Record<string, string> = {}) => http.request(url, { headers });

  beforeAll(async () => {
    app = await createTestApp();
    http = createHttpApp(app, { actorFor: () => app.owner });
    const res = await http.request('/api/v1/files/content?path=media/pattern.bin', {
      method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(data),
    });
    expect(res.status).toBe(202);
    url = `/api/v1/files/${UploadResult.parse(await res.json()).id}/content`;
  });
  afterAll(() => app.close());

  it('stores the file encrypted in several segments and serves it whole with Accept-Ranges', async () => {
    const id = url.split('/')[4] as string;
    const row = await app.services.files.get(app.owner, id);
    expect(await dbBlobLedger(app.db).find(app.config.tenantId, row.blob_key)).toMatchObject({ kind: 'encrypted', size: SIZE });
    expect(SIZE).toBeGreaterThan(3 * SEG);
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe(String(SIZE));
    expect(res.headers.get('content-range')).toBeNull();
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
  });

  const cases: [string, string, number, number][] = [
    ['inside one segment', 'bytes=100-4195', 100, 4195],
    ['the first byte', 'bytes=0-0', 0, 0],
    ['across a segment boundary', `bytes=${SEG - 10}-${SEG + 9}`, SEG - 10, SEG + 9],
    ['across two boundaries', `bytes=${SEG - 1}-${2 * SEG}`, SEG - 1, 2 * SEG],
    ['a suffix', 'bytes=-1000', SIZE - 1000, SIZE - 1],
    ['a suffix longer than the file', 'bytes=-300000', 0, SIZE - 1],
    ['open-ended', 'bytes=150000-', 150_000, SIZE - 1],
    ['the last byte', `bytes=${SIZE - 1}-${SIZE - 1}`, SIZE - 1, SIZE - 1],
    ['an end past the file', `bytes=${SIZE - 10}-999999`, SIZE - 10, SIZE - 1],
    ['the start of the last segment', `bytes=${3 * SEG}-`, 3 * SEG, SIZE - 1],
  ];
  it.each(cases)('answers 206 with exactly the bytes of %s', async (_what, range, start, end) => {
    const res = await get({ Range: range });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${SIZE}`);
    expect(res.headers.get('content-length')).toBe(String(end - start + 1));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await res.arrayBuffer()).equals(data.subarray(start, end + 1))).toBe(true);
  });

  it('answers 416 with the size when the file has none of the bytes', async () => {
    for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE}-${SIZE + 5}`, 'bytes=-0']) {
      const res = await get({ Range: range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${SIZE}`);
      expect(await res.text()).toBe('');
    }
  });

  it('serves the whole file for several ranges, a malformed header, another unit or an If-Range', async () => {
    const variants: Record<string, string>[] = [{ Range: 'bytes=0-1,5-6' }, { Range: 'bytes=9-2' }, { Range: 'lines=1-2' }, { Range: 'bytes=0-1', 'If-Range': '"x"' }];
    for (const headers of variants) {
      const res = await get(headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(res.headers.get('content-range')).toBeNull();
      expect(res.headers.get('content-length')).toBe(String(SIZE));
      expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    }
  });

  it('still answers 404 for a file that is not there, range or not', async () => {
    const res = await http.request('/api/v1/files/00000000-0000-4000-8000-000000000000/content', { headers: { Range: 'bytes=0-1' } });
    expect(res.status).toBe(404);
  });

  it('documents 206 and 416 in /openapi.json', async () => {
    const doc = (await (await http.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths['/api/v1/files/{id}/content']?.get?.responses ?? {}).sort()).toEqual(['200', '206', '404', '416', '500']);
  });
});
