import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestSmtp, type TestSmtp } from '../../src/adapters/mailer/test-smtp.fixture.js';
import { textImage } from '../../src/adapters/ocr/text-image.fixture.js';
import { fromB64u } from '../../src/domain/e2e/bytes.js';
import { openRecord } from '../../src/domain/e2e/records.js';
import { BIN, cleanup, p8fs, poll, Running, type SearchJson, tempDir, vaultEnv } from './cli.js';

// The end-to-end vault story with real processes (decision 0018): a server that only relays, device
// A that registers the vault, device B approved by A with the key fingerprint, device C restored
// from the recovery phrase. The backend (embedded PGlite + folder, or PostgreSQL + Ceph RGW) is the
// caller's; afterwards every table of the server and every stored object are searched for what the
// devices hold in plaintext.

export interface Backend {
  /** Extra environment of the server process. */
  env(): Promise<Record<string, string>>;
  /** Every row of every table of the server's database, as text (bytea as hex), once the story is done. */
  dump(serverDir: string): Promise<string>;
  /** Every vector the server's database holds. */
  vectors(serverDir: string): Promise<string[]>;
  /** Every stored object, byte for byte. */
  objects(serverDir: string): Promise<{ name: string; bytes: Buffer }[]>;
  stop(): Promise<void>;
}

type Who = 'A' | 'B' | 'C' | 'X';

/** Define the scenario's tests (call inside a describe). */
export function e2eVaultScenario(backend: () => Backend): void {
  const tag = randomBytes(4).toString('hex');
  const CANARY = { note: `CANARYNOTE${tag}`, pdf: `CANARYPDF${tag}`, after: `CANARYAFTER${tag}`, moment: `CANARYMOMENT${tag}`, served: `CANARYSERVED${tag}` };
  const OCR_WORD = 'QUOKKAMARMALADE';
  const NAMES = [`field-notes-${tag}.md`, `ledger-${tag}.pdf`, `receipt-${tag}.png`, `shared-${tag}.md`, `after-${tag}.md`];
  const email = `alice-${tag}@example.com`;
  const dirs: Record<Who | 'server' | 'files', string> = { A: '', B: '', C: '', X: '', server: '', files: '' };
  const state = { phrase: '', vaultFp: '', bDevice: '', records: 0 };
  let smtp: TestSmtp;
  let server: Running;
  let url = '';
  let be: Backend;

  const env = (who: Who) => vaultEnv(dirs[who]);
  const run = async (who: Who, args: string[]) => {
    const r = await p8fs(args, env(who), 240_000);
    if (r.code !== 0) throw new Error(`${who}: p8fs ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr.slice(-3000)}`);
    return r;
  };
  const runJson = async <T>(who: Who, args: string[]) => JSON.parse((await run(who, [...args, '--json'])).stdout) as T;
  const code = async () => /sign-in code is (\d{6})/.exec((await smtp.next()).raw)?.[1] as string;
  const search = async (who: Who, q: string) => (await runJson<SearchJson>(who, ['search', q])).results.map((r) => r.content).join('\n');
  const fileSet = async (who: Who) =>
    (await runJson<{ files: { uri: string; name: string; content_hash: string }[] }>(who, ['files', 'ls', '--limit', '500'])).files
      .map((f) => `${f.name} ${f.content_hash}`).sort();
  const token = (who: Who) => (Object.values(JSON.parse(readFileSync(join(dirs[who], 'credentials.json'), 'utf8')))[0] as { access_token: string }).access_token;

  beforeAll(async () => {
    be = backend();
    smtp = await startTestSmtp();
    for (const k of Object.keys(dirs) as (keyof typeof dirs)[]) dirs[k] = tempDir(`e2e-vault-${k}`);
    server = new Running(['serve', '--port', '0', '--workers', '1'], vaultEnv(dirs.server, { P8FS_SMTP_URL: smtp.url, ...(await be.env()) }));
    url = await server.listening();
    // What device A ingests: a note, a PDF and an image whose text only OCR finds.
    const notes = join(dirs.files, 'vault');
    mkdirSync(notes, { recursive: true });
    writeFileSync(join(notes, NAMES[0] as string), `# Field notes\n\nThe ${CANARY.note} heron crossed the weir at dawn.\n`);
    writeFileSync(join(notes, NAMES[1] as string), await pdf(`The quarterly ledger says ${CANARY.pdf} in plain words.`));
    writeFileSync(join(notes, NAMES[2] as string), await textImage(['Receipt', OCR_WORD], { fontSize: 64, width: 1400 }).png().toBuffer());
  }, 240_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await smtp?.close();
    await be?.stop();
    cleanup(...Object.values(dirs).filter(Boolean));
  });

  it('A registers an end-to-end vault: the warning first, then the phrase once', async () => {
    const start = await run('A', ['register', '--server', url, '--email', email, '--e2e', '--start-only', '--name', 'A']);
    expect(start.stderr).toContain('If you lose every device AND the phrase, the vault is lost for good');
    const done = await runJson<{ vault_mode: string; recovery_phrase: string; vault_fingerprint: string }>('A', ['register', '--server', url, '--code', await code()]);
    expect(done.vault_mode).toBe('e2e');
    expect(done.recovery_phrase.split(' ')).toHaveLength(24);
    expect(done.vault_fingerprint).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    state.phrase = done.recovery_phrase;
    state.vaultFp = done.vault_fingerprint;
    // Shown once, kept nowhere on the device: a stolen device does not carry the phrase.
    const stored = walkFiles(dirs.A).filter((f) => readFileSync(f).includes(Buffer.from(done.recovery_phrase)));
    expect(stored).toEqual([]);
    // The server refuses to read this vault, saying why and what to use instead.
    const res = await fetch(`${url}/api/v1/search`, { method: 'POST', headers: { authorization: `Bearer ${token('A')}`, 'content-type': 'application/json' }, body: '{"query":"heron"}' });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('e2e.server_blind');
    expect(body.error.message).toContain('p8fs search');
  }, 120_000);

  it('A ingests a note, a PDF and an image and a moment locally, and pushes them sealed', async () => {
    await run('A', ['ingest', '-r', join(dirs.files, 'vault'), '--wait']);
    await run('A', ['moments', 'add', '--name', `Weir walk ${tag}`, '--summary', `${CANARY.moment} at the weir`, '--person', 'Ada']);
    expect(await search('A', CANARY.pdf)).toContain(CANARY.pdf);
    const s = await runJson<{ pushed: { files: number; moments: number } }>('A', ['sync']);
    expect(s.pushed).toMatchObject({ files: 3, moments: 1 });
  }, 240_000);

  it('a wrong fingerprint shares nothing and revokes the new device', async () => {
    const login = new Running(['login', '--server', url, '--json'], env('X'));
    try {
      const first = await login.until((p) => /^(\{.*\})$/m.exec(p.stdout)?.[1], 'the user code', 30_000);
      const { user_code: userCode } = JSON.parse(first) as { user_code: string };
      const r = await p8fs(['approve', userCode, '--yes', '--fingerprint', '0000-0000-0000-0000'], env('A'));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('not the one confirmed');
      expect(r.stderr).toContain('revoked');
      expect(await login.exited).not.toBe(0);
    } finally {
      await login.stop('SIGKILL');
    }
  }, 120_000);

  it('B logs in, A approves it with the fingerprint B shows, and both show one vault fingerprint', async () => {
    const login = new Running(['login', '--server', url, '--json'], env('B'));
    try {
      const first = await login.until((p) => /^(\{.*\})$/m.exec(p.stdout)?.[1], 'the user code', 30_000);
      const { user_code: userCode, e2e_fingerprint: fp } = JSON.parse(first) as { user_code: string; e2e_fingerprint: string };
      const approved = await runJson<{ status: string; device_id: string; fingerprint: string; vault_fingerprint: string }>('A', ['approve', userCode, '--yes', '--fingerprint', fp.toLowerCase()]);
      expect(approved).toMatchObject({ status: 'approved', fingerprint: fp, vault_fingerprint: state.vaultFp });
      state.bDevice = approved.device_id;
      expect(await login.exited).toBe(0);
      const last = JSON.parse(login.stdout.trim().split('\n').at(-1) as string) as { vault_mode: string; vault_fingerprint: string };
      expect(last).toMatchObject({ vault_mode: 'e2e', vault_fingerprint: state.vaultFp });
    } finally {
      await login.stop('SIGKILL');
    }
  }, 120_000);

  it('B syncs and finds the same text with p8fs search, p8fs rem and p8fs mcp, parsed on B', async () => {
    const s = await runJson<{ pulled: { applied: number; rejected: number } }>('B', ['sync']);
    expect(s.pulled.applied).toBeGreaterThanOrEqual(4);
    expect(s.pulled.rejected).toBe(0);
    expect(await search('B', CANARY.note)).toContain(CANARY.note);
    expect(await search('B', CANARY.pdf)).toContain(CANARY.pdf);
    expect((await search('B', OCR_WORD)).toUpperCase()).toContain(OCR_WORD);
    // --server naming the vault's own server still means this replica.
    expect((await runJson<SearchJson>('B', ['search', CANARY.note, '--server', url])).results.length).toBeGreaterThan(0);
    const rem = await run('B', ['rem', `SEARCH "${CANARY.moment}" IN moments`, '--json']);
    expect(rem.stdout).toContain(`Weir walk ${tag}`);
    const mcp = new Client({ name: 'e2e-vault', version: '0.0.0' });
    await mcp.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], env: env('B') as Record<string, string>, stderr: 'ignore' }));
    try {
      const found = await mcp.callTool({ name: 'search', arguments: { query: CANARY.pdf, limit: 3 } });
      expect(JSON.stringify(found.content)).toContain(CANARY.pdf);
    } finally {
      await mcp.close();
    }
    expect(await fileSet('B')).toEqual(await fileSet('A'));
  }, 240_000);

  it('B deletes a file; A syncs and it is gone', async () => {
    const { files } = await runJson<{ files: { id: string; name: string }[] }>('B', ['files', 'ls']);
    const note = files.find((f) => f.name === NAMES[0]);
    await run('B', ['files', 'rm', note?.id as string]);
    expect((await runJson<{ pushed: { deletes: number } }>('B', ['sync'])).pushed.deletes).toBe(1);
    await run('A', ['sync']);
    expect((await fileSet('A')).some((l) => l.startsWith(NAMES[0] as string))).toBe(false);
    expect(await search('A', CANARY.note)).not.toContain(CANARY.note);
  }, 240_000);

  it('concurrent edits on A and B converge to the same files on both, the loser kept as a conflict copy', async () => {
    // The same uri on both devices (a note at the same path), written differently before either syncs.
    const shared = join(dirs.files, 'shared-uri');
    for (const who of ['A', 'B'] as const) {
      mkdirSync(shared, { recursive: true });
      writeFileSync(join(shared, NAMES[3] as string), `# Shared\n\nwritten on ${who}\n`);
      await run(who, ['ingest', join(shared, NAMES[3] as string)]);
    }
    for (const who of ['A', 'B', 'A', 'B'] as const) await run(who, ['sync']);
    const [a, b] = [await fileSet('A'), await fileSet('B')];
    expect(a).toEqual(b);
    expect(a.filter((l) => l.startsWith(`shared-${tag}`))).toHaveLength(2);
    expect(a.some((l) => l.includes('(conflict '))).toBe(true);
  }, 240_000);

  it('rejects a tampered record and one replayed under another id, and applies neither', async () => {
    const headers = { authorization: `Bearer ${token('A')}`, 'content-type': 'application/json' };
    const page = (await (await fetch(`${url}/api/v1/sync/records?after=0&limit=1000`, { headers })).json()) as { records: { epoch: number; body: string }[] };
    const last = page.records.at(-1) as { epoch: number; body: string };
    const flipped = Buffer.from(last.body, 'base64url');
    flipped[60] = (flipped[60] as number) ^ 1;
    const push = await fetch(`${url}/api/v1/sync/records`, {
      method: 'POST', headers,
      body: JSON.stringify({ records: [{ record_id: randomUUID(), epoch: last.epoch, body: last.body }, { record_id: randomUUID(), epoch: last.epoch, body: flipped.toString('base64url') }] }),
    });
    expect(push.status).toBe(200);
    const before = await fileSet('B');
    const s = await runJson<{ pulled: { rejected: number; applied: number } }>('B', ['sync']);
    expect(s.pulled).toMatchObject({ rejected: 2, applied: 0 });
    expect(await fileSet('B')).toEqual(before);
  }, 120_000);

  it('A revokes B: the keys rotate, and B cannot read anything written after', async () => {
    const rm = await runJson<{ status: string; rotated_epoch: number }>('A', ['devices', 'rm', state.bDevice]);
    expect(rm).toMatchObject({ status: 'revoked', rotated_epoch: 1 });
    const dir = join(dirs.files, 'after');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, NAMES[4] as string), `# After\n\n${CANARY.after} was written after the laptop was revoked.\n`);
    await run('A', ['ingest', join(dir, NAMES[4] as string)]);
    await run('A', ['sync']);
    // B is signed out, and still has what it had synced before.
    const denied = await p8fs(['sync'], env('B'));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/revoked/);
    expect(await search('B', CANARY.pdf)).toContain(CANARY.pdf);
    // B's keys (its own key file) open nothing written since: all of it is sealed under epoch 1.
    const bKeys = JSON.parse(readFileSync(join(dirs.B, 'e2e.json'), 'utf8')) as { vault: { tenantId: string; epochs: Record<string, string> } };
    expect(Object.keys(bKeys.vault.epochs)).toEqual(['0']);
    const page = (await (await fetch(`${url}/api/v1/sync/records?after=0&limit=1000`, { headers: { authorization: `Bearer ${token('A')}` } })).json()) as { records: { record_id: string; epoch: number; body: string }[] };
    const after = page.records.filter((r) => r.epoch === 1);
    expect(after.length).toBeGreaterThan(0);
    const k0 = fromB64u(bKeys.vault.epochs['0'] as string);
    for (const r of after) {
      for (const epoch of [0, 1]) expect(openRecord(k0, { tenantId: bKeys.vault.tenantId, recordId: r.record_id, epoch }, fromB64u(r.body))).toBeNull();
    }
  }, 240_000);

  it('a wrong phrase fails cleanly; the right one restores device C, which serves and syncs in the background', async () => {
    await run('C', ['recover', '--server', url, '--email', email, '--start-only']);
    writeFileSync(join(dirs.C, 'wrong.txt'), `${'abandon '.repeat(23)}art\n`);
    writeFileSync(join(dirs.C, 'right.txt'), `${state.phrase}\n`);
    const wrong = await p8fs(['recover', '--server', url, '--code', await code(), '--phrase-file', join(dirs.C, 'wrong.txt')], env('C'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('this recovery phrase does not open the vault\'s keys');
    const ok = await runJson<{ vault_fingerprint: string; epochs: number }>('C', ['recover', '--server', url, '--phrase-file', join(dirs.C, 'right.txt')]);
    expect(ok).toMatchObject({ vault_fingerprint: state.vaultFp, epochs: 2 });
    await run('C', ['sync']);
    expect(await search('C', CANARY.after)).toContain(CANARY.after);
    expect(await fileSet('C')).toEqual(await fileSet('A'));
    // With p8fs serve on C, commands go through it and it syncs by itself.
    const served = new Running(['serve', '--port', '0', '--sync-interval-seconds', '1'], env('C'));
    try {
      await served.listening();
      const dir = join(dirs.files, 'served');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `served-${tag}.md`), `# Served\n\n${CANARY.served} reached C while it served.\n`);
      await run('A', ['ingest', join(dir, `served-${tag}.md`)]);
      await run('A', ['sync']);
      await poll(async () => (await search('C', CANARY.served)).includes(CANARY.served), 'C to sync in the background', 90_000);
    } finally {
      await served.stop();
    }
  }, 300_000);

  it('the server\'s database and blob store hold none of the canaries, names or vectors', async () => {
    // MCP refuses the vault at the door too (last: getting an MCP token spends A's refresh token).
    const cred = Object.values(JSON.parse(readFileSync(join(dirs.A, 'credentials.json'), 'utf8')))[0] as { refresh_token: string };
    const t = await fetch(`${url}/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.refresh_token, client_id: 'p8fs-cli', resource: `${url}/api/mcp` }),
    });
    const mcpToken = ((await t.json()) as { access_token: string }).access_token;
    const init = await fetch(`${url}/api/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mcpToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 't', version: '0' } } }),
    });
    expect(init.status).toBe(409);
    expect(await init.text()).toContain('p8fs mcp');
    await server.stop();
    const words = [...Object.values(CANARY), OCR_WORD, ...NAMES, dirs.files];
    const dump = await be.dump(dirs.server);
    // The dump is real: it holds the vault's tenant and its records.
    expect(dump).toContain(email);
    const forms = words.flatMap((w) => [w, Buffer.from(w).toString('hex'), Buffer.from(w).toString('base64')]);
    expect(forms.filter((w) => dump.includes(w))).toEqual([]);
    const leaks = (await be.objects(dirs.server)).flatMap((o) => words.filter((w) => o.bytes.includes(Buffer.from(w))).map((w) => `${w} in ${o.name}`));
    expect(leaks).toEqual([]);
    // The devices embedded their chunks; the server holds none of those vectors (nor any at all for this vault).
    const deviceVectors = await localVectors(dirs.A);
    expect(deviceVectors.length).toBeGreaterThan(0);
    const serverVectors = new Set(await be.vectors(dirs.server));
    expect(deviceVectors.filter((v) => serverVectors.has(v))).toEqual([]);
    for (const v of deviceVectors.slice(0, 5)) expect(dump.includes(v.slice(1, 40))).toBe(false);
  }, 240_000);
}

/** A one-page PDF with this text. */
function pdf(text: string): Promise<Buffer> {
  const doc = new PDFDocument();
  const parts: Buffer[] = [];
  doc.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(parts))));
  doc.font('Helvetica').fontSize(14).text(text);
  doc.end();
  return done;
}

/** The vectors of a device's replica (its data dir, no process holding it). */
async function localVectors(dataDir: string): Promise<string[]> {
  const { openPglite } = await import('../../src/adapters/db/pglite.js');
  const db = await openPglite(join(dataDir, 'db'));
  try {
    return (await db.query<{ v: string }>(`SELECT embedding::text AS v FROM embeddings`)).map((r) => r.v);
  } finally {
    await db.close();
  }
}

function walkFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walkFiles(p) : [p];
  });
}
