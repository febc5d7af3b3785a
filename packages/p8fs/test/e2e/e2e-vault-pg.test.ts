import { beforeAll, describe } from 'vitest';
import { assertBuilt } from './cli.js';
import { postgresBackend } from './e2e-vault-backends.js';
import { e2eVaultScenario } from './e2e-vault.scenario.js';

// Issue 13 §2 with real processes on a server backed by PostgreSQL 15 and a Ceph RGW bucket.
describe('end-to-end vault: devices sync through a server that only relays (PostgreSQL + Ceph RGW)', () => {
  beforeAll(() => assertBuilt());
  e2eVaultScenario(postgresBackend);
});
