import { chmodSync, lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanup, ownerFetch, p8fs, poll, Running, tempDir, vaultEnv } from './cli.js';

/** Every path under dir (dir included) with its permission bits, without following links. */
function modes(dir: string): Map<string, number> {
  const out = new Map<string, number>([[dir, lstatSync(dir).mode & 0o777]]);
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    out.set(path, lstatSync(path).mode & 0o777);
  }
  return out;
}

/** The paths another local user could read, write or enter. */
function openToOthers(dir: string): string[] {
  return [...modes(dir)].filter(([, mode]) => (mode & 0o077) !== 0).map(([path, mode]) => `${path} ${mode.toString(8)}`);
}

describe('the data dir is private to its owner', () => {
  let root: string;
  beforeAll(() => {
    assertBuilt();
    root = tempDir('perms');
    // The parent must not decide the outcome: 0755 like a home directory.
    chmodSync(root, 0o755);
  });
  afterAll(() => cleanup(root));

  it('a fresh data dir is created 0700 and nothing in it is open to others, new blobs included', async () => {
    const dataDir = join(root, 'fresh', 'vault');
    const env = vaultEnv(dataDir);
    const note = join(root, 'note.md');
    writeFileSync(note, '# Otters\n\nThree pups near the old mill.\n');
    chmodSync(note, 0o644);
    const added = await p8fs(['ingest', note], env);
    expect(added.code, added.stderr).toBe(0);
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(openToOthers(dataDir)).toEqual([]);
  });

  it('`p8fs serve` repairs an existing vault whose files were left open (0666 database, 0644 blobs)', async () => {
    const dataDir = join(root, 'old');
    const env = vaultEnv(dataDir);
    const note = join(root, 'old-note.md');
    writeFileSync(note, '# Herons\n\nForty-two herons along the estuary.\n');
    expect((await p8fs(['ingest', note], env)).code).toBe(0);
    // What an older version (or another umask) left behind.
    for (const [path] of modes(dataDir)) {
      const dir = lstatSync(path).isDirectory();
      chmodSync(path, dir ? 0o777 : path.includes('blobs') ? 0o644 : 0o666);
    }
    expect(openToOthers(dataDir).length).toBeGreaterThan(10);

    const server = new Running(['serve', '--port', '0', '--workers', '1'], env);
    try {
      const url = await server.listening(120_000);
      expect(openToOthers(dataDir)).toEqual([]);
      // What the running server writes afterwards (a blob, rows, its lock) stays private too.
      const authed = await ownerFetch(env);
      const form = new FormData();
      form.append('file', new Blob(['# Kingfishers\n\nSeen twice by the weir.\n']), 'birds.md');
      const { id } = (await (await authed(`${url}/api/v1/files`, { method: 'POST', body: form })).json()) as { id: string };
      await poll(async () => ((await (await authed(`${url}/api/v1/files/${id}`)).json()) as { status: string }).status === 'indexed', 'the upload to be indexed', 60_000);
      expect(openToOthers(dataDir)).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 180_000);
});
