import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestSummary } from '../../src/transports/cli/ingest/summary.js';
import { assertBuilt, cleanup, p8fs, p8fsJson, tempDir, vaultEnv } from './cli.js';

// `p8fs search` as a person uses it (decision 0022): one result per file, copies collapsed, --chunks
// for the raw list, filters like the MCP tool's, and no padding under the relevance floor.
interface Hit {
  file_id: string;
  uri: string;
  content: string;
  score: number;
  passages?: { uri: string }[];
  duplicates?: { file_id: string; uri: string }[];
}
const REPORT = '# Quarterly report\n\nThe change data capture pipeline now feeds the warehouse every night.\n';
const TRIP = `---\ntags: [travel]\ndate: 2023-04-02\n---\n# Trip\n\nFlight TP 571 leaves Heathrow at 07:40 on Friday.\n\nPack the passport for the flight.\n`;
const LOREM = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.';

describe('p8fs search in process', () => {
  let dir: string;
  let notes: string;
  let env: NodeJS.ProcessEnv;
  let ids: Record<string, string>;
  const put = (rel: string, text: string) => {
    mkdirSync(join(notes, rel, '..'), { recursive: true });
    writeFileSync(join(notes, rel), text);
  };
  const search = async (...args: string[]) => (await p8fsJson<{ results: Hit[] }>(['search', ...args, '--json'], env)).results;

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('search-cli');
    notes = join(dir, 'notes');
    env = vaultEnv(join(dir, 'vault'), { P8FS_CHUNK_TOKENS: '32', P8FS_CHUNK_OVERLAP_TOKENS: '0' });
    put('docs/report.md', REPORT);
    put('downloads/report (1).md', REPORT);
    put('mail/report.md', REPORT);
    put('travel/trip.md', TRIP);
    put('misc/lorem.txt', LOREM);
    const summary = await p8fsJson<IngestSummary>(['ingest', notes, '-r', '--wait'], env);
    expect(summary).toMatchObject({ total: 5, failed: 0, indexed: 5 });
    ids = Object.fromEntries(summary.files.map((f) => [f.uri.slice(notes.length + 1), f.id]));
  }, 300_000);

  afterAll(() => cleanup(dir));

  it('gives three copies of one file one slot, naming the copies; --chunks lists every passage', async () => {
    const copies = [ids['docs/report.md'], ids['downloads/report (1).md'], ids['mail/report.md']];
    const grouped = await search('change data capture warehouse');
    const mine = grouped.filter((h) => copies.includes(h.file_id));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.duplicates?.map((d) => d.file_id).sort()).toEqual(copies.filter((c) => c !== mine[0]?.file_id).sort());
    expect(grouped.every((h) => h.score > 0 && h.score <= 1)).toBe(true);
    const raw = await search('change data capture warehouse', '--chunks');
    expect(raw.filter((h) => copies.includes(h.file_id))).toHaveLength(3);
    expect(raw.every((h) => h.duplicates === undefined)).toBe(true);

    const text = await p8fs(['search', 'change data capture warehouse'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ 1\. (1|0)\.\d{4} {2}.*report.*\.md#chunk=0\n {4}.*change data capture/);
    expect(text.stdout).toContain('= identical copies: ');
  }, 120_000);

  it('groups a file\'s passages under its best one and keeps padding out', async () => {
    const hits = await search('what flight am I taking');
    expect(hits[0]?.file_id).toBe(ids['travel/trip.md']);
    expect(hits.filter((h) => h.file_id === ids['travel/trip.md'])).toHaveLength(1);
    expect(hits.some((h) => h.file_id === ids['misc/lorem.txt'])).toBe(false);
  }, 120_000);

  it('filters by --tag, --type, --folder and --from/--to (the note\'s frontmatter date)', async () => {
    const files = async (...args: string[]) => new Set((await search('flight report lorem', '--mode', 'keyword', ...args)).map((h) => h.file_id));
    expect(await files('--tag', 'travel')).toEqual(new Set([ids['travel/trip.md']]));
    expect(await files('--type', 'txt')).toEqual(new Set([ids['misc/lorem.txt']]));
    expect(await files('--folder', join(notes, 'docs'))).toEqual(new Set([ids['docs/report.md']]));
    expect(await files('--from', '2023-04-01', '--to', '2023-04-30')).toEqual(new Set([ids['travel/trip.md']]));
    const help = await p8fs(['search', '--help'], env);
    expect(help.stdout).toMatch(/--from <date>.*frontmatter/s);
  }, 120_000);
});
