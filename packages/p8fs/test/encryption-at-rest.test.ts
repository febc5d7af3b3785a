import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { textImage } from '../src/adapters/ocr/text-image.fixture.js';
import type { App } from '../src/app.js';
import { buildZip } from '../src/parsers/archive/archive.fixture.js';
import { type HttpServer, startHttpServer } from '../src/transports/http/server.js';
import { bucketObjects, startTestS3, type TestS3 } from './s3.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { createTestApp, waitFor } from './support.js';

// Proof of encryption at rest (issue 13, decision 0017): canary text goes in through every path
// that writes a blob — HTTP upload, an archive member, an e-mail attachment, an image whose OCR'd
// text and thumbnail come from the canary, MCP save_memory, a storage-event ingest — and then every
// byte of the blob folder (and of the S3 bucket on Ceph RGW) is scanned: no canary anywhere, while
// the API still returns the plaintext.

const tag = randomBytes(4).toString('hex').toUpperCase();
const CANARY = {
  upload: `CANARYUPLOAD${tag}`,
  member: `CANARYMEMBER${tag}`,
  mailBody: `CANARYMAILBODY${tag}`,
  attachment: `CANARYATTACHMENT${tag}`,
  exif: `CANARYEXIF${tag}`,
  memory: `CANARYMEMORY${tag}`,
  incoming: `CANARYINCOMING${tag}`,
};
// OCR reads words, not random hex: a fixed unusual word, checked through search.
const OCR_WORD = 'QUOKKAMARMALADE';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Every (object, canary) where the canary's bytes occur in the object. */
function findCanaries(objects: { name: string; bytes: Buffer }[], words: string[]): string[] {
  return objects.flatMap((o) => words.filter((w) => o.bytes.includes(Buffer.from(w))).map((w) => `${w} in ${o.name}`));
}

function eml(): Buffer {
  return Buffer.from([
    'From: Ada <ada@example.org>', 'To: Bob <bob@example.org>', 'Subject: Quarterly figures', 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/plain; charset=utf-8', '',
    `Hello Bob, the code word is ${CANARY.mailBody}.`, '', '--b1', 'Content-Type: text/plain; name="notes.txt"',
    'Content-Disposition: attachment; filename="notes.txt"', 'Content-Transfer-Encoding: base64', '',
    Buffer.from(`Attached notes: the second code word is ${CANARY.attachment}.\n`).toString('base64'), '--b1--', '',
  ].join('\r\n'));
}

interface Harness {
  app: App & { dataDir: string };
  server: HttpServer;
  api(path: string, init?: RequestInit): Promise<Response>;
  mcp: Client;
  /** Every stored object, byte for byte. */
  objects(): Promise<{ name: string; bytes: Buffer }[]>;
  /** Put an object into the incoming area as another tool would (plaintext until ingested). */
  dropIncoming(path: string, body: Buffer): Promise<void>;
  close(): Promise<void>;
}

async function start(kind: 'fs' | 's3', s3?: TestS3): Promise<Harness> {
  const bucket = s3 ? await s3.createBucket() : undefined;
  const app = await createTestApp(kind === 's3' && s3
    ? { blobProvider: 's3', s3Endpoint: s3.endpoint, s3Region: s3.region, s3Bucket: bucket, s3AccessKey: s3.accessKey, s3SecretKey: s3.secretKey }
    : {});
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  const auth = await app.auth();
  app.pool.start();
  const token = async (resource: string) =>
    (await auth.server.issueTokens({ tenantId: app.config.tenantId, deviceId: auth.ownerDeviceId, clientId: 'p8fs-cli', scope: 'vault:read vault:write', resource })).access_token;
  const apiToken = await token(auth.server.resources.api);
  const mcp = new Client({ name: 'p8fs-at-rest', version: '0.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/api/mcp`), { requestInit: { headers: { authorization: `Bearer ${await token(auth.server.resources.mcp)}` } } }));
  const raw = s3?.client();
  const blobDir = app.config.blobDir as string;
  return {
    app, server, mcp,
    api: (path, init = {}) => fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${apiToken}`, ...(init.headers ?? {}) } }),
    objects: async () => (raw && bucket ? bucketObjects(raw, bucket) : walk(blobDir).map((p) => ({ name: p, bytes: readFileSync(p) }))),
    dropIncoming: async (path, body) => {
      if (raw && bucket) {
        const { PutObjectCommand } = await import('@aws-sdk/client-s3');
        await raw.send(new PutObjectCommand({ Bucket: bucket, Key: `incoming/${app.config.tenantId}/${path}`, Body: body }));
      } else {
        const p = join(blobDir, 'incoming', app.config.tenantId, path);
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, body);
      }
    },
    close: async () => {
      await mcp.close();
      await server.close();
      await app.close();
      raw?.destroy();
    },
  };
}

async function upload(h: Harness, name: string, bytes: Buffer, type: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  const res = await h.api('/api/v1/files', { method: 'POST', body: form });
  expect(res.status).toBe(202);
  return ((await res.json()) as { file: { id: string } }).file.id;
}

async function fileStatus(h: Harness, id: string): Promise<string> {
  return ((await (await h.api(`/api/v1/files/${id}`)).json()) as { status: string }).status;
}

async function content(h: Harness, id: string): Promise<Buffer> {
  const res = await h.api(`/api/v1/files/${id}/content`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function memberId(h: Harness, parentId: string, name: string): Promise<string> {
  const found = await waitFor(async () => {
    const list = (await (await h.api(`/api/v1/files?parent_id=${parentId}&limit=50`)).json()) as { files: { id: string; name: string; status: string }[] };
    return list.files.find((f) => f.name === name && f.status === 'indexed');
  }, 60_000);
  return found.id;
}

function proof(kind: 'fs' | 's3') {
  let s3: TestS3 | undefined;
  let h: Harness;
  afterAll(async () => {
    await h?.close();
    await s3?.stop();
  });

  it(`${kind}: canaries through every path are readable through the API and absent from every stored byte`, async () => {
    if (kind === 's3') s3 = await startTestS3();
    h = await start(kind, s3);

    const uploaded = await upload(h, 'plain.md', Buffer.from(`# Notes\n\nThe launch code is ${CANARY.upload}.\n`), 'text/markdown');
    const zip = await upload(h, 'bundle.zip', await buildZip([{ name: 'inner/readme.txt', data: `Inside the zip: ${CANARY.member}.\n` }]), 'application/zip');
    const mail = await upload(h, 'figures.eml', eml(), 'message/rfc822');
    const picture = await textImage([OCR_WORD]).jpeg().withExif({ IFD0: { ImageDescription: CANARY.exif } }).toBuffer();
    expect(picture.includes(Buffer.from(CANARY.exif))).toBe(true);
    const photo = await upload(h, 'photo.jpg', picture, 'image/jpeg');
    const saved = await h.mcp.callTool({ name: 'save_memory', arguments: { text: `Remember this: ${CANARY.memory}.`, title: 'At rest' } });
    expect(saved.isError).toBeFalsy();
    const memory = (saved.structuredContent as { file_id: string }).file_id;
    await h.dropIncoming('dropped/note.txt', Buffer.from(`Dropped straight into storage: ${CANARY.incoming}.\n`));
    expect((await h.app.services.storageEvents.reconcile()).ingested).toBe(1);

    for (const id of [uploaded, zip, mail, photo, memory]) await waitFor(async () => (await fileStatus(h, id)) === 'indexed', 120_000);

    // The API returns plaintext: originals, archive member, attachment, memory, ingested object, thumbnail.
    expect((await content(h, uploaded)).toString()).toContain(CANARY.upload);
    expect((await content(h, await memberId(h, zip, 'readme.txt'))).toString()).toContain(CANARY.member);
    expect((await content(h, mail)).toString()).toContain(CANARY.mailBody);
    expect((await content(h, await memberId(h, mail, 'notes.txt'))).toString()).toContain(CANARY.attachment);
    expect((await content(h, photo)).equals(picture)).toBe(true);
    expect((await content(h, memory)).toString()).toContain(CANARY.memory);
    const dropped = (await h.app.services.files.list(h.app.owner, { uri: 'dropped/note.txt', limit: 1, offset: 0 } as never)).rows[0];
    expect((await content(h, dropped?.id as string)).toString()).toContain(CANARY.incoming);
    const thumb = await h.api(`/api/v1/files/${photo}/artifacts/thumbnail`);
    expect(thumb.status).toBe(200);
    expect(Buffer.from(await thumb.arrayBuffer()).subarray(8, 12).toString()).toBe('WEBP');
    const hits = (await (await h.api('/api/v1/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: OCR_WORD.toLowerCase(), mode: 'keyword' }) })).json()) as { results: { file_id: string }[] };
    expect(hits.results.map((r) => r.file_id)).toContain(photo);

    // Every stored byte: no canary. The scan itself finds canaries where they are (the uploads' own bytes).
    const objects = await h.objects();
    expect(objects.length).toBeGreaterThanOrEqual(9);
    expect(findCanaries([{ name: 'control', bytes: picture }], [CANARY.exif])).toEqual([`CANARYEXIF${tag} in control`]);
    expect(findCanaries(objects, [...Object.values(CANARY), OCR_WORD])).toEqual([]);
  }, 300_000);

  it(`${kind}: a byte changed in a stored blob makes its download fail cleanly, and nothing else`, async () => {
    const put = await h.api('/api/v1/files/content?name=tamper.txt', { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: `tamper target ${randomBytes(8).toString('hex')}` });
    expect(put.status).toBe(202);
    const id = ((await put.json()) as { id: string }).id;
    const file = await h.app.services.files.get(h.app.owner, id);
    const before = await h.objects();
    const target = before.find((o) => o.name.endsWith(file.blob_key));
    expect(target).toBeDefined();
    const bytes = Buffer.from(target?.bytes as Buffer);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 0xff;
    if (kind === 's3') {
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      const raw = s3?.client() as S3Client;
      await raw.send(new PutObjectCommand({ Bucket: h.app.config.s3Bucket, Key: file.blob_key, Body: bytes }));
      raw.destroy();
    } else writeFileSync(target?.name as string, bytes);
    const res = await h.api(`/api/v1/files/${id}/content`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('blob.corrupt');
    expect((await content(h, (await h.app.services.files.list(h.app.owner, { limit: 1, offset: 0, uri: 'plain.md' } as never)).rows[0]?.id as string)).toString()).toContain(CANARY.upload);
    // Not about encryption: a streamed download as the last request on a keep-alive connection
    // holds server.close() for the keep-alive timeout (65 s); one more small request settles it.
    expect((await h.api('/api/v1/files?limit=1')).status).toBe(200);
  }, 60_000);
}

describe('encryption at rest, local blob folder', () => proof('fs'));
describe('encryption at rest, S3 (Ceph RGW)', () => proof('s3'));
