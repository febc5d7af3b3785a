import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOptions } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import type { ConfigInput } from '../src/config/schema.js';

/** A real app on in-memory PGlite, a temp blob dir and the hash embedder; close() removes the dir. */
export async function createTestApp(overrides: Partial<ConfigInput> = {}, opts: AppOptions = {}): Promise<App & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'p8fs-test-'));
  // Inline parsing keeps unit tests fast; the thread runner has its own tests and the e2e tests use it.
  // PostgreSQL takes the master key from config (decision 0017): a fresh one per test app.
  const masterKey = overrides.storageProvider === 'postgres' ? randomBytes(32).toString('base64') : undefined;
  const config = loadConfig({}, { dataDir, embeddingProvider: 'hash', logLevel: 'silent', workers: 1, parseIsolation: 'inline', masterKey, ...overrides });
  const app = await createApp(config, { inMemory: true, ...opts });
  const close = app.close;
  return Object.assign(app, {
    dataDir,
    close: async () => {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/** Poll fn until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export { createTestDb } from './db.js';

/** An API access token for the app's owner device, from the authorization server for `issuer`. */
export async function ownerToken(app: App, issuer: string): Promise<string> {
  const auth = await app.auth(issuer);
  const { ownerTokens } = await import('../src/services/auth/owner.js');
  return (await ownerTokens(auth.server, app.config.tenantId, auth.ownerDeviceId)).access_token;
}
