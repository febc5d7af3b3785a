import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceList, type FileList, type VaultStatus } from '@p8fs/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type TestSmtp } from '../../src/adapters/mailer/test-smtp.fixture.js';
import type { IngestSummary } from '../../src/transports/cli/ingest/summary.js';
import { assertBuilt, cleanup, type FileInfoJson, p8fs, p8fsJson, Running, type SearchJson, tempDir, vaultEnv } from './cli.js';

type Who = 'alice' | 'bob';

// Words no other document holds, so any hit on them can only be alice's note.
const UNIQUE = 'quillfeather marzipan observatory';
const NOTE = `# Private plans\n\nAlice keeps the ${UNIQUE} key under the third flowerpot.\n`;

// The isolation matrix of test/isolation.test.ts, driven through the built CLI as two real users
// would: every remote command bob can aim at alice's ids must neither show nor change them. The
// HTTP layer is already covered there; this proves the CLI adds no path around it (a cached id, a
// client-side lookup) and that its exit codes say "not found", not "forbidden" (which would leak
// that the id exists).
describe('cli isolation: bob cannot see or change anything of alice through p8fs', () => {
  let smtp: TestSmtp;
  let server: Running;
  let url: string;
  const dirs: Record<'server' | 'notes' | Who, string> = { server: '', notes: '', alice: '', bob: '' };
  const env = (who: Who) => vaultEnv(dirs[who]);
  const as = (who: Who, args: string[]) => p8fs([...args, '--server', url], env(who));
  const asJson = <T>(who: Who, args: string[]) => p8fsJson<T>([...args, '--server', url], env(who));
  let aliceFile: string;
  let aliceDevice: string;

  // Registration in the two non-interactive steps of sign-in.test.ts: start, then the mailed code.
  async function register(who: Who): Promise<string> {
    const start = await as(who, ['register', '--email', `${who}@example.com`, '--name', `${who}-laptop`, '--start-only']);
    expect(start.code, start.stderr).toBe(0);
    const { registration_id } = JSON.parse(start.stdout) as { registration_id: string };
    const mail = await smtp.next();
    expect(mail.envelopeTo).toEqual([`${who}@example.com`]);
    const code = /sign-in code is (\d{6})/.exec(mail.raw)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const { device_id } = await asJson<{ device_id: string }>(who, ['register', '--registration', registration_id, '--code', code as string]);
    return device_id;
  }

  beforeAll(async () => {
    assertBuilt();
    smtp = await startTestSmtp();
    for (const k of Object.keys(dirs) as (keyof typeof dirs)[]) dirs[k] = tempDir(`cli-isolation-${k}`);
    server = new Running(['serve', '--port', '0', '--workers', '1'], vaultEnv(dirs.server, { P8FS_SMTP_URL: smtp.url }));
    url = await server.listening();
  }, 150_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await smtp?.close();
    cleanup(...Object.values(dirs).filter(Boolean));
  });

  it('alice and bob register; alice ingests a note and lists her device', async () => {
    // One at a time: the inbox is read in order, so each mail is the one just asked for.
    aliceDevice = await register('alice');
    const bobDevice = await register('bob');
    expect(bobDevice).not.toBe(aliceDevice);

    const note = join(dirs.notes, 'plans.md');
    writeFileSync(note, NOTE);
    const summary = await asJson<IngestSummary>('alice', ['ingest', note, '--wait']);
    expect(summary).toMatchObject({ total: 1, uploaded: 1, failed: 0, indexed: 1 });
    aliceFile = summary.files[0]?.id as string;
    expect(aliceFile).toMatch(/^[0-9a-f-]{36}$/);

    const devices = DeviceList.parse(await asJson('alice', ['devices', 'ls'])).devices;
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ id: aliceDevice, status: 'active' });

    const hits = await asJson<SearchJson>('alice', ['search', UNIQUE]);
    expect(hits.results.some((r) => r.file_id === aliceFile)).toBe(true);
  }, 120_000);

  it("bob's file commands on alice's file id find nothing and change nothing", async () => {
    const info = await as('bob', ['files', 'info', aliceFile]);
    expect(info.code, info.stderr).toBe(3);
    expect(info.stderr).toContain(`no file ${aliceFile}`);
    expect(info.stdout).toBe('');

    const chunks = await as('bob', ['files', 'info', aliceFile, '--chunks', '--json']);
    expect(chunks.code, chunks.stderr).toBe(3);
    expect(chunks.stdout).not.toContain(UNIQUE);

    const rm = await as('bob', ['files', 'rm', aliceFile]);
    expect(rm.code, rm.stderr).toBe(3);
    expect(rm.stderr).toContain(`no file ${aliceFile}`);

    // Reprocess by id skips ids the caller cannot see rather than failing: none queued.
    expect(await asJson('bob', ['files', 'reprocess', aliceFile])).toEqual({ queued: 0 });

    const list = await asJson<FileList>('bob', ['files', 'ls']);
    expect(list.files.map((f) => f.id)).not.toContain(aliceFile);
    expect(list.total).toBe(0);

    const search = await asJson<SearchJson>('bob', ['search', UNIQUE]);
    expect(search).toEqual({ results: [] });

    const status = await asJson<VaultStatus>('bob', ['status']);
    expect(Object.values(status.files).reduce((a, b) => a + b, 0)).toBe(0);
    expect(status.resources).toBe(0);
  }, 90_000);

  it("bob's device commands on alice's device id find nothing", async () => {
    const rename = await as('bob', ['devices', 'rename', aliceDevice, 'x']);
    expect(rename.code, rename.stderr).toBe(3);
    expect(rename.stderr).toContain(`no device ${aliceDevice}`);
    const rm = await as('bob', ['devices', 'rm', aliceDevice]);
    expect(rm.code, rm.stderr).toBe(3);
    expect(rm.stderr).toContain(`no device ${aliceDevice}`);
    // Bob's own list holds only bob's device.
    const bobs = DeviceList.parse(await asJson('bob', ['devices', 'ls'])).devices;
    expect(bobs.map((d) => d.id)).not.toContain(aliceDevice);
  }, 60_000);

  it('afterwards alice still has her file, its search hits and her active, unrenamed device', async () => {
    const info = await asJson<FileInfoJson>('alice', ['files', 'info', aliceFile, '--chunks']);
    expect(info).toMatchObject({ id: aliceFile, status: 'indexed' });
    expect(info.resources?.map((r) => r.content).join('\n')).toContain(UNIQUE);

    const hits = await asJson<SearchJson>('alice', ['search', UNIQUE]);
    expect(hits.results.some((r) => r.file_id === aliceFile)).toBe(true);

    const devices = DeviceList.parse(await asJson('alice', ['devices', 'ls'])).devices;
    expect(devices.find((d) => d.id === aliceDevice)).toMatchObject({ name: 'alice-laptop', status: 'active' });
  }, 60_000);
});
