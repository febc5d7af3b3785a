import { beforeAll, describe } from 'vitest';
import { assertBuilt } from './cli.js';
import { embeddedBackend } from './e2e-vault-backends.js';
import { e2eVaultScenario } from './e2e-vault.scenario.js';

// Issue 13 §2 with real processes on the embedded server (PGlite, blob folder): see the scenario.
describe('end-to-end vault: devices sync through a server that only relays (embedded server)', () => {
  beforeAll(() => assertBuilt());
  e2eVaultScenario(embeddedBackend);
});
