import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactDto, FileDto, FileList, SearchResponse, UploadResult } from '@p8fs/contracts';
import { Document, Packer, Paragraph } from 'docx';
import JSZip from 'jszip';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CORPUS } from '../../src/parsers/shared/corpus.fixture.js';
import { assertBuilt, cleanup, ownerFetch, p8fs, p8fsJson, poll, Running, tempDir, vaultEnv } from './cli.js';

// Every kind of content a vault receives, through the real server (parsers in worker threads,
// system tools, child files, artifacts) and through `p8fs ingest`: each ends up searchable with
// provenance, or failed with a stable code while everything else goes on.

const AUDIO = join(CORPUS, '..', 'audio');
const ArtifactList = z.object({ artifacts: z.array(ArtifactDto) });
const IngestSummary = z.object({ total: z.number(), failed: z.number(), files: z.array(z.object({ uri: z.string(), id: z.string().nullable(), status: z.string().nullable() })) });

const EML = [
  'From: Ada Lovelace <ada@example.com>',
  'To: Charles Babbage <charles@example.com>',
  'Subject: Notes on the analytical engine',
  'Date: Tue, 10 Sep 1843 10:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'The engine weaves algebraical patterns just as the Jacquard loom weaves flowers.',
  '--b1',
  'Content-Type: text/plain; name="minutes.txt"',
  'Content-Disposition: attachment; filename="minutes.txt"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('Minutes: the committee approved the bernoulli numbers table.').toString('base64'),
  '--b1--',
  '',
].join('\r\n');

describe('content processors end to end', () => {
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let server: Running;
  let url: string;
  let authed: (input: string, init?: RequestInit) => Promise<Response>;

  const upload = async (path: string, bytes: Buffer, type = 'application/octet-stream') => {
    const form = new FormData();
    form.append('path', path);
    form.append('file', new Blob([bytes], { type }), path.split('/').pop());
    const res = await authed(`${url}/api/v1/files`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    return UploadResult.parse(await res.json()).id;
  };
  const getFile = async (id: string) => FileDto.parse(await (await authed(`${url}/api/v1/files/${id}`)).json());
  const settled = (id: string, timeoutMs = 120_000) =>
    poll(async () => {
      const f = await getFile(id);
      return f.status === 'indexed' || f.status === 'failed' ? f : null;
    }, `file ${id} to settle`, timeoutMs);
  const members = async (id: string) => FileList.parse(await (await authed(`${url}/api/v1/files?parent_id=${id}&limit=500`)).json()).files;
  const search = async (query: string) => {
    const res = await authed(`${url}/api/v1/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, limit: 5, mode: 'keyword' }) });
    return SearchResponse.parse(await res.json()).results;
  };

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('formats');
    dataDir = join(dir, 'vault');
    env = vaultEnv(dataDir, { P8FS_ARCHIVE_MAX_RATIO: '50' });
    server = new Running(['serve', '--port', '0', '--workers', '2'], env);
    url = await server.listening(180_000);
    authed = await ownerFetch(env);
  }, 200_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    cleanup(dir);
  });

  it('an archive becomes a file tree: members processed recursively, searchable by their own uris', async () => {
    const inner = new JSZip();
    inner.file('deep/orchard.md', '# Orchard\n\nThe quince tree by the north wall fruited for the first time.\n');
    const outer = new JSZip();
    outer.file('letters/engine.docx', await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('The difference engine needs brass gears from Birmingham.')] }] })));
    outer.file('mail/notes.eml', EML);
    outer.file('nested/inner.zip', await inner.generateAsync({ type: 'nodebuffer' }));
    const id = await upload('/uploads/bundle.zip', await outer.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }), 'application/zip');
    const bundle = await settled(id);
    expect(bundle).toMatchObject({ status: 'indexed', parser: 'zip', depth: 0 });
    const kids = await poll(async () => {
      const rows = await members(id);
      return rows.length === 3 && rows.every((r) => r.status === 'indexed') ? rows : null;
    }, 'the members to be indexed', 120_000);
    expect(kids.map((k) => k.uri).sort()).toEqual(['/uploads/bundle.zip!/letters/engine.docx', '/uploads/bundle.zip!/mail/notes.eml', '/uploads/bundle.zip!/nested/inner.zip']);
    const mail = kids.find((k) => k.name === 'notes.eml')!;
    const [attachment] = await poll(async () => {
      const rows = await members(mail.id);
      return rows.length === 1 && rows[0]!.status === 'indexed' ? rows : null;
    }, 'the attachment', 60_000);
    expect(attachment).toMatchObject({ uri: '/uploads/bundle.zip!/mail/notes.eml!/attachments/minutes.txt', depth: 2 });

    expect((await search('brass gears Birmingham'))[0]?.uri).toMatch(/^\/uploads\/bundle\.zip!\/letters\/engine\.docx#chunk=\d+$/);
    expect((await search('bernoulli numbers committee'))[0]?.uri).toMatch(/!\/mail\/notes\.eml!\/attachments\/minutes\.txt#chunk=0$/);
    await poll(async () => (await search('quince tree north wall'))[0]?.uri.includes('!/nested/inner.zip!/deep/orchard.md'), 'the nested member', 60_000);

    // Deleting the archive deletes the whole tree.
    expect((await authed(`${url}/api/v1/files/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await authed(`${url}/api/v1/files/${attachment!.id}`)).status).toBe(404);
    expect(await search('quince tree north wall')).toEqual([]);
  });

  it('a photo gets EXIF metadata, OCR text and a thumbnail artifact', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="260"><rect width="100%" height="100%" fill="white"/>
      <text x="30" y="110" font-family="DejaVu Sans, sans-serif" font-size="64" fill="black">INVOICE 4471 PAID</text>
      <text x="30" y="200" font-family="DejaVu Sans, sans-serif" font-size="48" fill="black">Harbour Street Bakery</text></svg>`;
    const jpeg = await sharp(Buffer.from(svg)).jpeg().withExif({ IFD0: { Make: 'Fujifilm', Model: 'X100V' } }).toBuffer();
    const id = await upload('/photos/receipt.jpg', jpeg, 'image/jpeg');
    const photo = await settled(id);
    expect(photo).toMatchObject({ status: 'indexed', parser: 'image', mime_type: 'image/jpeg' });
    expect(JSON.stringify(photo.metadata)).toContain('X100V');
    expect((await search('invoice 4471 bakery'))[0]?.file_id).toBe(id);
    const { artifacts } = ArtifactList.parse(await (await authed(`${url}/api/v1/files/${id}/artifacts`)).json());
    expect(artifacts.map((a) => a.role)).toContain('thumbnail');
    const thumb = await authed(`${url}/api/v1/files/${id}/artifacts/${artifacts.find((a) => a.role === 'thumbnail')!.name}`);
    expect(thumb.status).toBe(200);
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(256);
  });

  it('a voice recording is transcribed per speech segment with #t= uris; a video also gets keyframes', async () => {
    const wav = execFileSync('cat', [join(AUDIO, 'whisper.cpp/jfk.wav')], { maxBuffer: 10 * 1024 * 1024 });
    const id = await upload('/memos/jfk.wav', wav, 'audio/wav');
    const memo = await settled(id, 180_000);
    expect(memo).toMatchObject({ status: 'indexed', parser: 'audio' });
    const res = await (await authed(`${url}/api/v1/files/${id}/resources`)).json() as { resources: { uri: string; content: string }[] };
    expect(res.resources.length).toBeGreaterThan(0);
    for (const r of res.resources) expect(r.uri).toMatch(/^\/memos\/jfk\.wav#t=\d+(\.\d+)?,\d+(\.\d+)?&chunk=\d+$/);
    // The offline engine's transcript is flagged (decision 0022): in the file's metadata, `files info` and search hits.
    expect(memo.metadata).toMatchObject({ transcriber: 'pocketsphinx:en-us', transcriptAccuracy: 'low' });
    const info = await p8fs(['files', 'info', id], env);
    expect(info.stdout).toMatch(/transcript\s+low accuracy: machine transcript by pocketsphinx:en-us/);
    const said = res.resources.map((r) => r.content).join(' ').slice(0, 4000);
    const hit = await authed(`${url}/api/v1/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: said, filters: { file_id: id } }) });
    const [first] = SearchResponse.parse(await hit.json()).results;
    expect(first).toMatchObject({ file_id: id, low_accuracy: true });

    const mp4 = join(dir, 'clip.mp4');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=11:size=320x240:rate=10',
      '-i', join(AUDIO, 'whisper.cpp/jfk.wav'), '-shortest', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', mp4]);
    const vid = await upload('/videos/clip.mp4', execFileSync('cat', [mp4], { maxBuffer: 50 * 1024 * 1024 }), 'video/mp4');
    const video = await settled(vid, 180_000);
    expect(video).toMatchObject({ status: 'indexed', parser: 'video' });
    const { artifacts } = ArtifactList.parse(await (await authed(`${url}/api/v1/files/${vid}/artifacts`)).json());
    expect(artifacts.some((a) => a.role === 'keyframe')).toBe(true);
    expect(artifacts.some((a) => a.role === 'thumbnail')).toBe(true);
  });

  it('hostile and broken files fail alone with stable codes; the server goes on', async () => {
    const bomb = new JSZip();
    bomb.file('zeros.bin', Buffer.alloc(40 * 1024 * 1024));
    const bombId = await upload('/bad/bomb.zip', await bomb.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
    const whole = await new JSZip().file('a.bin', randomBytes(20_000)).generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    const truncated = whole.subarray(0, whole.length / 2);
    const truncId = await upload('/bad/truncated.zip', truncated);
    const badJpeg = (await sharp({ create: { width: 64, height: 64, channels: 3, background: 'red' } }).jpeg().toBuffer()).subarray(0, 120);
    const jpegId = await upload('/bad/broken.jpg', badJpeg);
    expect(await settled(bombId)).toMatchObject({ status: 'failed', error: { code: 'parser.limit_exceeded' } });
    expect(await settled(truncId)).toMatchObject({ status: 'failed', error: { code: 'parser.corrupt' } });
    expect(await settled(jpegId)).toMatchObject({ status: 'failed', error: { code: 'parser.corrupt' } });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const ok = await upload('/after/ok.md', Buffer.from('# Still here\n\nThe lighthouse keeper logged calm seas.\n'));
    expect(await settled(ok)).toMatchObject({ status: 'indexed' });
  });

  it('p8fs ingest takes a folder of mixed formats into the running server', async () => {
    const folder = join(dir, 'inbox');
    mkdirSync(folder);
    for (const f of ['docling/sources/legacy_sample.doc', 'markitdown/sources/test.xls', 'docling/sources/legacy_sample.ppt',
      'markitdown/sources/test_outlook_msg.msg', 'docling/sources/eml_with_attachment.eml', 'markitdown/sources/MEDRPT-2024-PAT-3847_medical_report_scan.pdf']) {
      copyFileSync(join(CORPUS, f), join(folder, f.split('/').pop()!));
    }
    for (const f of ['markitdown/sources/test_rss.xml', 'markitdown/sources/test_notebook.ipynb']) copyFileSync(join(CORPUS, f), join(folder, f.split('/').pop()!));
    copyFileSync(join(AUDIO, 'whisper.cpp/jfk.mp3'), join(folder, 'jfk.mp3'));
    writeFileSync(join(folder, 'letter.rtf'), '{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0 Dear Margaret,\\par the greenhouse tomatoes are ripe.\\par}');
    writeFileSync(join(folder, 'inbox.mbox'), [
      'From alice@example.com Mon Jan  6 09:15:00 2025', 'From: alice@example.com', 'Subject: Allotment rota', '', 'Weeding duty falls to the Hendersons this week.', '',
      'From bob@example.com Tue Jan  7 10:00:00 2025', 'From: bob@example.com', 'Subject: Seed order', '', 'Twelve packets of runner beans arrived.', '',
    ].join('\n'));
    const src = join(dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'tide.txt'), 'High tide at the harbour mouth is at four forty.');
    execFileSync('tar', ['-czf', join(folder, 'tides.tar.gz'), '-C', src, 'tide.txt']);
    execFileSync('7z', ['a', '-bd', '-y', join(folder, 'tides.7z'), join(src, 'tide.txt')], { stdio: 'ignore' });
    const summary = IngestSummary.parse(await p8fsJson(['ingest', folder, '-r', '--wait'], env));
    expect(summary.failed).toBe(0);
    expect(summary.total).toBe(13);
    for (const f of summary.files) expect(f.status, f.uri).toBe('indexed');
    expect((await search('greenhouse tomatoes ripe'))[0]?.uri).toBe(`${join(folder, 'letter.rtf')}#chunk=0`);
    expect((await search('Fortune 500 Copilot'))[0]?.uri).toContain('test_rss.xml#chunk=');
    expect((await search('markitdown'))[0]?.uri).toContain('test_notebook.ipynb#chunk=');
    // Members are indexed after the containers: each message of the mailbox, each archive's file.
    await poll(async () => (await search('runner beans'))[0]?.uri.includes('inbox.mbox!/messages/'), 'the mailbox messages', 60_000);
    await poll(async () => {
      const uris = (await search('harbour mouth tide')).map((h) => h.uri);
      return uris.some((u) => u.includes('tides.tar.gz!/tide.txt')) && uris.some((u) => u.includes('tides.7z!/tide.txt'));
    }, 'both archives\' members', 60_000);
    const mp3 = summary.files.find((f) => f.uri.endsWith('jfk.mp3'))!;
    const res = (await (await authed(`${url}/api/v1/files/${mp3.id}/resources`)).json()) as { resources: { uri: string }[] };
    expect(res.resources[0]?.uri).toMatch(/jfk\.mp3#t=[\d.]+,[\d.]+&chunk=0$/);
    // The scanned report has no text layer: its words come from OCR, with page provenance.
    const scan = (await search('MEDRPT-2024-PAT-3847'))[0];
    expect(scan?.uri).toMatch(/medical_report_scan\.pdf#page=1&chunk=\d+$/);
  });
});
