import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support.js';
import type { App } from '../../app.js';
import { generateEd25519KeyPair } from '../../domain/ed25519.js';
import { type HttpServer, startHttpServer } from './server.js';

/** POST a registration start from a given local address (Linux routes all of 127/8 to loopback). */
function register(url: string, from: string, email: string): Promise<number> {
  const body = JSON.stringify({ email, public_key: generateEd25519KeyPair().publicKey, device_name: 'phone', device_kind: 'mobile' });
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/api/v1/auth/register`, { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('registration starts are counted per client address', () => {
  let app: App & { dataDir: string };
  let server: HttpServer;
  beforeAll(async () => {
    app = await createTestApp();
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  it("an attacker's calls from one address do not lock out the victim calling from another", async () => {
    const attacker = [];
    for (let i = 0; i < 6; i++) attacker.push(await register(server.url, '127.0.0.2', 'victim@example.org'));
    expect(attacker).toEqual([201, 201, 201, 201, 201, 429]);
    expect(await register(server.url, '127.0.0.3', 'victim@example.org')).toBe(201);
  });
});
