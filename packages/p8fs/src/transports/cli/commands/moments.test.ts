import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MomentDto, MomentList } from '@p8fs/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { run } from '../main.js';

// The CLI in process on an embedded vault, as `p8fs moments ...` runs when no server owns the data dir.
describe('p8fs moments (in process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'p8fs-moments-cli-'));
  const env = { P8FS_DATA_DIR: dataDir, P8FS_EMBEDDING_PROVIDER: 'hash', P8FS_PARSE_ISOLATION: 'inline', P8FS_LOG_LEVEL: 'silent' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function p8fs(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { env, out: (s) => void out.push(s), err: (s) => void err.push(s), stderr: process.stderr };
    const code = await run(['node', 'p8fs', ...args], io);
    return { code, out: out.join(''), err: err.join('') };
  }

  it('adds, lists with filters as JSON, shows and removes a moment', async () => {
    const add = await p8fs('moments', 'add', '--name', 'Q4 kickoff', '--start', '2024-10-01T09:00:00Z', '--end', '2024-10-01T10:00:00Z',
      '--type', 'meeting', '--person', 'Sarah Chen', '--topic', 'launch,Planning', '--json');
    expect(add.code, add.err).toBe(0);
    const created = MomentDto.parse(JSON.parse(add.out));
    expect(created).toMatchObject({ topic_tags: ['launch', 'planning'], present_persons: [{ name: 'Sarah Chen' }] });

    const ls = await p8fs('moments', 'ls', '--topic', 'planning', '--person', 'sarah chen', '--json');
    expect(ls.code, ls.err).toBe(0);
    expect(MomentList.parse(JSON.parse(ls.out))).toMatchObject({ total: 1, moments: [{ id: created.id, name: 'Q4 kickoff' }] });

    const show = await p8fs('moments', 'show', created.id);
    expect(show.out).toContain('Sarah Chen');
    expect(show.out).toContain('2024-10-01T09:00:00.000Z – 2024-10-01T10:00:00.000Z');

    expect((await p8fs('moments', 'ls', '--to', 'soon')).code).toBe(2);
    expect((await p8fs('moments', 'rm', created.id)).out).toBe(`deleted ${created.id}\n`);
    expect((await p8fs('moments', 'ls', '--from', '2024-01-01')).out).toBe('no moments\n');
    // Six in-process commands, each opening the embedded vault: minutes on a loaded 2-core machine.
  }, 240_000);
});
