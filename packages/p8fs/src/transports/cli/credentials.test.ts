import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_CLIENT_ID as SERVER_CLIENT_ID } from '../../adapters/oauth/provider-config.js';
import { isAppError } from '../../domain/errors.js';
import { CLI_CLIENT_ID, credentialFrom, credentialsPath, discover, readCredentials, saveCredential, serverKey, signedIn, tokenFor } from './credentials.js';

describe('CLI credentials', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'p8fs-cred-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('uses the client id the authorization server registers', () => {
    expect(CLI_CLIENT_ID).toBe(SERVER_CLIENT_ID);
  });

  it('stores one sign-in per server, readable by the user only', () => {
    const dir = dataDir();
    const now = Date.parse('2030-01-01T00:00:00Z');
    saveCredential(dir, 'http://127.0.0.1:8808/', credentialFrom({ access_token: 'a1', refresh_token: 'r1', expires_in: 3600 }, { device_id: 'd1' }, now));
    saveCredential(dir, 'https://vault.example.com', credentialFrom({ access_token: 'a2', refresh_token: 'r2', expires_in: 60 }, {}, now));
    expect(readCredentials(dir)).toEqual({
      'http://127.0.0.1:8808': { access_token: 'a1', refresh_token: 'r1', expires_at: '2030-01-01T01:00:00.000Z', device_id: 'd1' },
      'https://vault.example.com': { access_token: 'a2', refresh_token: 'r2', expires_at: '2030-01-01T00:01:00.000Z' },
    });
    expect(statSync(credentialsPath(dir)).mode & 0o777).toBe(0o600);
    expect(serverKey('HTTP://127.0.0.1:8808//')).toBe('http://127.0.0.1:8808');
  });

  it('keeps the old refresh token when a response brings none, and refuses to store a sign-in without one', () => {
    expect(credentialFrom({ access_token: 'a', expires_in: 10 }, { refresh_token: 'old' }, 0)).toMatchObject({ refresh_token: 'old' });
    expect(() => credentialFrom({ access_token: 'a' })).toThrow(/no refresh token/);
  });

  it('gives a stored token that is still valid, and null for a server never signed in to', async () => {
    const dir = dataDir();
    const now = Date.now();
    saveCredential(dir, 'http://127.0.0.1:1', credentialFrom({ access_token: 'fresh', refresh_token: 'r', expires_in: 3600 }, {}, now));
    expect(await tokenFor({ dataDir: dir }, 'http://127.0.0.1:1/', now)).toBe('fresh');
    expect(await tokenFor({ dataDir: dir }, 'http://127.0.0.1:2', now)).toBeNull();
    // --token wins over the stored sign-in; no sign-in at all is a clear error.
    await expect(signedIn({ dataDir: dir, server: 'http://127.0.0.1:1', token: 'given' })).resolves.toEqual({ server: 'http://127.0.0.1:1', token: 'given' });
    await expect(signedIn({ dataDir: dir, server: 'http://127.0.0.1:2' })).rejects.toThrow(/not signed in to http:\/\/127.0.0.1:2: run p8fs register or p8fs login/);
  });

  it('a damaged file is an error, not an empty sign-in list', () => {
    const dir = dataDir();
    writeFileSync(credentialsPath(dir), '{"x": 1');
    expect(() => readCredentials(dir)).toThrow(/not a valid credentials file/);
  });

  it('refuses plain http to another machine: tokens would travel in the clear', async () => {
    const err = await discover('http://vault.example.com').catch((e: unknown) => e);
    expect(isAppError(err, 'bad_request')).toBe(true);
    expect(String(err)).toContain('sign-in needs https://');
  });
});
