import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarHeader, tarPadding, TAR_END } from '../../src/domain/backup/tar.js';
import type { IngestSummary } from '../../src/transports/cli/ingest/summary.js';
import { assertBuilt, cleanup, p8fs, p8fsJson, Running, type SearchJson, tempDir, vaultEnv } from './cli.js';

// `p8fs backup` and `p8fs restore` as an operator runs them: a backup taken through the running
// server that holds the data dir, restored into new data dirs (with the master key from the
// environment, or from the archive), where status, search and the files' bytes must match.

const NOTE = '# Lighthouse log\n\nThe ospreymantle beacon turned twice before the fog lifted.\n';
const PLAN = 'Nested plan: caulk the dinghy, then paint the hull.';

interface BackupJson {
  file: string;
  bytes: number;
  version: number;
  master_key_included: boolean;
  missing_blobs: string[];
  counts: { files: number; blobs: number; resources: number };
}

/** Every entry under dir with its mode, for the private-modes check. */
function modes(dir: string): [string, number, boolean][] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    const here: [string, number, boolean] = [p, statSync(p).mode & 0o777, e.isDirectory()];
    return e.isDirectory() ? [here, ...modes(p)] : [here];
  });
}

/** The members of a tar: name, where its data starts, and size (ustar headers, as the backup writes them). */
function tarMembers(tar: Buffer): { name: string; at: number; size: number }[] {
  const out: { name: string; at: number; size: number }[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const field = (a: number, n: number) => h.toString('utf8', a, a + n).replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const size = Number.parseInt(field(124, 12).trim(), 8);
    out.push({ name: prefix ? `${prefix}/${field(0, 100)}` : field(0, 100), at: off + 512, size });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('p8fs backup and restore', () => {
  let dataDir: string;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let server: Running | null = null;
  let url = '';
  let masterKey = '';
  let ids: Record<string, string> = {};

  beforeAll(async () => {
    assertBuilt();
    dataDir = tempDir('backup-data');
    work = tempDir('backup-work');
    env = vaultEnv(dataDir);
    const notes = join(work, 'notes');
    mkdirSync(join(notes, 'deep'), { recursive: true });
    writeFileSync(join(notes, 'log.md'), NOTE);
    writeFileSync(join(notes, 'deep', 'plan.txt'), PLAN);
    const ingest = await p8fsJson<IngestSummary>(['ingest', notes, '-r', '--wait'], env);
    expect(ingest).toMatchObject({ uploaded: 2, indexed: 2, failed: 0 });
    ids = Object.fromEntries(ingest.files.map((f) => [relative(notes, f.uri), f.id]));
    masterKey = readFileSync(join(dataDir, 'master.key'), 'utf8').trim();
    server = new Running(['serve', '--port', '0', '--workers', '1'], env);
    url = await server.listening();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    cleanup(dataDir, work);
  });

  /** Search and the originals of a restored vault (export downloads every file through the vault, decrypting its blob). */
  async function expectSameVault(restoredEnv: NodeJS.ProcessEnv, out: string): Promise<void> {
    const status = await p8fs(['status'], restoredEnv);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/indexed 2/);
    const hits = await p8fsJson<SearchJson>(['search', 'ospreymantle beacon'], restoredEnv);
    expect(hits.results[0]).toMatchObject({ file_id: ids['log.md'] });
    expect(hits.results[0]?.content).toContain('ospreymantle beacon');
    const exported = await p8fsJson<{ originals: number }>(['export', '--format', 'jsonl', out], restoredEnv);
    expect(exported.originals).toBe(2);
    const files = readFileSync(join(out, 'files.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; original: string });
    const byId = Object.fromEntries(files.map((f) => [f.id, f.original]));
    expect(readFileSync(join(out, byId[ids['log.md'] ?? ''] ?? ''), 'utf8')).toBe(NOTE);
    expect(readFileSync(join(out, byId[ids['deep/plan.txt'] ?? ''] ?? ''), 'utf8')).toBe(PLAN);
  }

  it('backs up through the running server (no master key by default) and restores with P8FS_MASTER_KEY', async () => {
    const file = join(work, 'vault.tar');
    const r = await p8fs(['backup', file, '--json', '--log-level', 'info'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`using the server at ${url}`);
    expect(r.stderr).toContain('does not hold the master key');
    const summary = JSON.parse(r.stdout) as BackupJson;
    expect(summary).toMatchObject({ file, version: 1, master_key_included: false, missing_blobs: [], counts: { files: 2, blobs: 2 } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const tar = readFileSync(file);
    const members = tarMembers(tar);
    expect(members[0]?.name).toBe('manifest.json');
    expect(members.map((m) => m.name)).not.toContain('master.key');
    // Blobs are copied as stored (the same bytes as in the blob folder): still encrypted, so the words are not in them.
    const blobs = members.filter((m) => m.name.startsWith('blobs/'));
    expect(blobs).toHaveLength(2);
    for (const m of blobs) {
      const bytes = tar.subarray(m.at, m.at + m.size);
      expect(bytes.equals(readFileSync(join(dataDir, m.name)))).toBe(true);
      expect(bytes.includes(Buffer.from('ospreymantle'))).toBe(false);
    }

    const target = join(work, 'restored-env');
    const restored = await p8fs(['restore', file, '--data-dir', target], vaultEnv(target));
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stderr).toContain('holds no master key');
    for (const [path, mode, dir] of modes(target)) expect([path, mode]).toEqual([path, dir ? 0o700 : 0o600]);
    // Without the key the vault does not open; with it, it is the same vault.
    const locked = await p8fs(['status'], vaultEnv(target));
    expect(locked.code).not.toBe(0);
    expect(locked.stderr).toContain('master');
    await expectSameVault(vaultEnv(target, { P8FS_MASTER_KEY: masterKey }), join(work, 'export-env'));
  }, 240_000);

  it('includes the master key when asked, with a warning, and the restored vault opens by itself', async () => {
    const file = join(work, 'with-key.tar');
    const r = await p8fs(['backup', file, '--include-master-key'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('WARNING: this backup holds the master key');
    const target = join(work, 'restored-key');
    const restored = await p8fsJson<{ master_key_restored: boolean }>(['restore', file, '--data-dir', target], vaultEnv(target));
    expect(restored.master_key_restored).toBe(true);
    expect(statSync(join(target, 'master.key')).mode & 0o777).toBe(0o600);
    await expectSameVault(vaultEnv(target), join(work, 'export-key'));
    // An existing archive is not overwritten without --force.
    expect((await p8fs(['backup', file], env)).stderr).toContain('--force');
  }, 240_000);

  it('refuses a tampered archive, an unknown format version and a non-empty data dir, leaving nothing behind', async () => {
    const good = readFileSync(join(work, 'vault.tar'));
    const blobMember = tarMembers(good).find((m) => m.name.startsWith('blobs/'));
    if (!blobMember) throw new Error('no blob member');
    const tampered = Buffer.from(good);
    tampered[blobMember.at + 60] = (tampered[blobMember.at + 60] ?? 0) ^ 0xff;
    writeFileSync(join(work, 'tampered.tar'), tampered);
    const target = join(work, 'restored-tampered');
    const r = await p8fs(['restore', join(work, 'tampered.tar'), '--data-dir', target], vaultEnv(target));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('does not match the manifest');
    expect(existsSync(target)).toBe(false);

    const manifest = JSON.parse(good.subarray(512, 512 + (tarMembers(good)[0]?.size ?? 0)).toString()) as Record<string, unknown>;
    const future = Buffer.from(JSON.stringify({ ...manifest, version: 99 }));
    const at = new Date();
    writeFileSync(join(work, 'future.tar'), Buffer.concat([tarHeader('manifest.json', future.length, at), future, tarPadding(future.length), TAR_END]));
    const v = await p8fs(['restore', join(work, 'future.tar'), '--data-dir', target], vaultEnv(target));
    expect(v.code).not.toBe(0);
    expect(v.stderr).toContain('backup format version 99 is not one this p8fs reads');
    expect(existsSync(target)).toBe(false);

    const truncated = join(work, 'truncated.tar');
    writeFileSync(truncated, good.subarray(0, blobMember.at));
    const t = await p8fs(['restore', truncated, '--data-dir', target], vaultEnv(target));
    expect(t.code).not.toBe(0);
    expect(existsSync(target)).toBe(false);

    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'mine');
    const busy = await p8fs(['restore', join(work, 'vault.tar'), '--data-dir', target], vaultEnv(target));
    expect(busy.code).not.toBe(0);
    expect(busy.stderr).toContain('not empty');
    expect(readdirSync(target)).toEqual(['keep.txt']);
  }, 120_000);

  it('refuses in scale-out mode, pointing to the documented procedures', async () => {
    const pgEnv = vaultEnv(join(work, 'pg'), { P8FS_STORAGE_PROVIDER: 'postgres', P8FS_PG_URL: 'postgres://nobody@127.0.0.1:1/none' });
    const r = await p8fs(['backup', join(work, 'pg.tar')], pgEnv);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('docs/deploy.md');
    expect(existsSync(join(work, 'pg.tar'))).toBe(false);
  });
});
