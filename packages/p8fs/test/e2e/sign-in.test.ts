import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type DeviceDto, DeviceList, UploadResult } from '@p8fs/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type TestSmtp } from '../../src/adapters/mailer/test-smtp.fixture.js';
import { assertBuilt, cleanup, ownerFetch, p8fs, p8fsJson, poll, Running, type SearchJson, tempDir, vaultEnv } from './cli.js';

interface StoredCredential {
  access_token: string;
  refresh_token: string;
  expires_at: string;
  device_id?: string;
  tenant_id?: string;
}

// The sign-in story with real processes: a server that e-mails codes through a real SMTP server, and
// separate CLIs (separate data dirs) standing in for a phone and laptops.
describe('sign-in: register a phone by e-mail, approve a laptop from it, revoke it', () => {
  let smtp: TestSmtp;
  let server: Running;
  let url: string;
  let serverEnv: NodeJS.ProcessEnv;
  const dirs: Record<'server' | 'phone' | 'laptop' | 'other', string> = { server: '', phone: '', laptop: '', other: '' };
  const env = (who: 'phone' | 'laptop' | 'other') => vaultEnv(dirs[who]);
  const credentials = (who: 'phone' | 'laptop') => JSON.parse(readFileSync(join(dirs[who], 'credentials.json'), 'utf8')) as Record<string, StoredCredential>;
  let phoneDevice: string;
  let laptopDevice: string;

  beforeAll(async () => {
    assertBuilt();
    smtp = await startTestSmtp();
    for (const k of Object.keys(dirs) as (keyof typeof dirs)[]) dirs[k] = tempDir(`sign-in-${k}`);
    // Access tokens live the minimum 60 s: every CLI command then finds its token due and refreshes it,
    // so refresh-token rotation runs on each step below.
    serverEnv = vaultEnv(dirs.server, { P8FS_SMTP_URL: smtp.url, P8FS_ACCESS_TOKEN_TTL_SECONDS: '60' });
    server = new Running(['serve', '--port', '0', '--workers', '1'], serverEnv);
    url = await server.listening();
  }, 150_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await smtp?.close();
    cleanup(...Object.values(dirs).filter(Boolean));
  });

  it('registers the phone with the code from the e-mail, in two non-interactive steps', async () => {
    // No terminal and no --start-only: refused before any e-mail is sent.
    const noTty = await p8fs(['register', '--server', url, '--email', 'alice@example.com'], env('phone'));
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('no terminal to type the code in: use --start-only');

    const start = await p8fs(['register', '--server', url, '--email', 'alice@example.com', '--name', 'phone', '--kind', 'mobile', '--start-only'], env('phone'));
    expect(start.code, start.stderr).toBe(0);
    const started = JSON.parse(start.stdout) as { registration_id: string; challenge: string };
    expect(started.registration_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(statSync(join(dirs.phone, 'device.key')).mode & 0o777).toBe(0o600);

    const mail = await smtp.next();
    expect(mail.envelopeTo).toEqual(['alice@example.com']);
    const code = /sign-in code is (\d{6})/.exec(mail.raw)?.[1] as string;
    expect(code).toMatch(/^\d{6}$/);

    const wrong = await p8fs(['register', '--server', url, '--registration', started.registration_id, '--code', code === '000000' ? '111111' : '000000'], env('phone'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('wrong code');

    const done = await p8fs(['register', '--server', url, '--registration', started.registration_id, '--code', code, '--json'], env('phone'));
    expect(done.code, done.stderr).toBe(0);
    const registered = JSON.parse(done.stdout) as { server: string; tenant_id: string; device_id: string };
    expect(registered.server).toBe(url);
    phoneDevice = registered.device_id;
    expect(statSync(join(dirs.phone, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(credentials('phone')[url]).toMatchObject({ device_id: phoneDevice, tenant_id: registered.tenant_id });

    // Alice's account holds the phone only: the server's own owner device is in the server's tenant.
    const list = DeviceList.parse(await p8fsJson(['devices', 'ls', '--server', url], env('phone')));
    expect(list.devices).toHaveLength(1);
    expect(list.devices[0]).toMatchObject({ id: phoneDevice, name: 'phone', kind: 'mobile', status: 'active' });
    expect(list.devices[0]?.public_key).toBeTruthy();
    const table = await p8fs(['devices', 'ls', '--server', url], env('phone'));
    expect(table.stdout).toMatch(new RegExp(`^\\*\\s+${phoneDevice}\\s+phone\\s+mobile\\s+active`, 'm'));
  }, 60_000);

  it('signs the laptop in through a code the phone approves; the laptop sees alice\'s vault, not the owner\'s', async () => {
    // The owner's vault has a note about hello; alice's (new, empty) vault must not show it.
    const owner = await ownerFetch(serverEnv);
    const form = new FormData();
    form.append('path', '/notes/hello.md');
    form.append('file', new Blob(['# Hello\n\nhello world from the owner of this server\n'], { type: 'text/markdown' }), 'hello.md');
    const { id } = UploadResult.parse(await (await owner(`${url}/api/v1/files`, { method: 'POST', body: form })).json());
    await poll(async () => ((await (await owner(`${url}/api/v1/files/${id}`)).json()) as { status: string }).status === 'indexed', 'the owner note to be indexed');
    const ownerHits = (await (await owner(`${url}/api/v1/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"hello"}' })).json()) as SearchJson;
    expect(ownerHits.results.length).toBeGreaterThan(0);

    const login = new Running(['login', '--server', url], env('laptop'));
    try {
      const userCode = await login.until((p) => /^ {4}([A-Z]{4}-[A-Z]{4})$/m.exec(p.stderr)?.[1], 'the user code', 30_000);
      expect(login.stderr).toContain(`p8fs approve ${userCode} --server ${url}`);
      expect(login.stderr).toMatch(/[█▀▄]{8}/); // the terminal QR code

      // The phone sees what is asked; without a terminal it must be told --yes.
      const unconfirmed = await p8fs(['approve', userCode, '--server', url], env('phone'));
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.stderr).toContain('P8FS asks to sign in to your account');
      expect(unconfirmed.stderr).toContain(`add --yes to approve ${userCode}`);

      // Typed loosely: case and dash do not matter.
      const approved = await p8fs(['approve', userCode.toLowerCase().replace('-', ''), '--yes', '--server', url, '--json'], env('phone'));
      expect(approved.code, approved.stderr).toBe(0);
      const decision = JSON.parse(approved.stdout) as { user_code: string; status: string; device_id: string };
      expect(decision).toMatchObject({ user_code: userCode, status: 'approved' });
      laptopDevice = decision.device_id;

      expect(await login.exited).toBe(0);
      expect(login.stdout).toBe(`signed in to ${url} as device ${laptopDevice}\n`);
    } finally {
      await login.stop('SIGKILL');
    }
    const signedIn = credentials('laptop')[url] as StoredCredential;
    expect(signedIn).toMatchObject({ device_id: laptopDevice, tenant_id: credentials('phone')[url]?.tenant_id });

    const search = await p8fs(['search', 'hello', '--server', url, '--json'], env('laptop'));
    expect(search.code, search.stderr).toBe(0);
    expect(JSON.parse(search.stdout)).toEqual({ results: [] });
    // The token was due (60 s lifetime), so the search refreshed it and stored the rotated refresh token.
    expect(credentials('laptop')[url]?.refresh_token).not.toBe(signedIn.refresh_token);
    expect(credentials('laptop')[url]?.access_token).not.toBe(signedIn.access_token);

    const devices = DeviceList.parse(await p8fsJson(['devices', 'ls', '--server', url], env('phone'))).devices;
    expect(devices.map((d) => d.id).sort()).toEqual([phoneDevice, laptopDevice].sort());
    expect(devices.find((d) => d.id === laptopDevice)).toMatchObject({ approved_by: phoneDevice, public_key: null, status: 'active' });

    const renamed = await p8fs(['devices', 'rename', laptopDevice, 'work laptop', '--server', url], env('laptop'));
    expect(renamed).toMatchObject({ code: 0, stdout: `renamed ${laptopDevice} to work laptop\n` });
  }, 90_000);

  it('revoking the laptop from the phone signs it out at once', async () => {
    const unexpired = credentials('laptop')[url]?.access_token as string;
    const status = () => fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${unexpired}` } });
    expect((await status()).status).toBe(200);
    const rm = await p8fs(['devices', 'rm', laptopDevice, '--server', url, '--json'], env('phone'));
    expect(rm.code, rm.stderr).toBe(0);
    expect((JSON.parse(rm.stdout) as DeviceDto).status).toBe('revoked');
    // Its access token has not expired, and is refused all the same; its refresh token too.
    expect((await status()).status).toBe(401);

    const after = await p8fs(['search', 'hello', '--server', url], env('laptop'));
    expect(after.code).toBe(1);
    expect(after.stderr).toContain(`the sign-in to ${url} is no longer valid (was this device revoked?)`);
    // The phone itself is unaffected.
    expect((await p8fs(['search', 'hello', '--server', url], env('phone'))).code).toBe(0);
  }, 60_000);

  it('a denied login fails with the denied message', async () => {
    const login = new Running(['login', '--server', url, '--json'], env('other'));
    try {
      const first = await login.until((p) => p.stdout.split('\n')[0]?.endsWith('}') && p.stdout.split('\n')[0], 'the first JSON line', 30_000);
      const { user_code, verification_uri } = JSON.parse(first) as { user_code: string; verification_uri: string };
      expect(verification_uri).toBe(`${url}/oauth/device`);
      const denied = await p8fs(['approve', user_code, '--deny', '--yes', '--server', url], env('phone'));
      expect(denied).toMatchObject({ code: 0, stdout: `denied ${user_code}\n` });
      expect(await login.exited).toBe(1);
      expect(login.stderr).toContain('p8fs: the request was denied');
    } finally {
      await login.stop('SIGKILL');
    }
  }, 60_000);
});
