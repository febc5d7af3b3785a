import type { CommandFactory } from '../command.js';
import { approveCommand } from './approve.js';
import { authCommand } from './auth.js';
import { backupCommand } from './backup.js';
import { chatCommand } from './chat.js';
import { configCommand } from './config.js';
import { devicesCommand } from './devices.js';
import { exportCommand } from './export.js';
import { filesCommand } from './files.js';
import { ingestCommand } from './ingest.js';
import { keysCommand } from './keys.js';
import { loginCommand } from './login.js';
import { mcpCommand } from './mcp.js';
import { momentsCommand } from './moments.js';
import { processCommand } from './process.js';
import { providersCommand } from './providers.js';
import { registerCommand } from './register.js';
import { remCommand } from './rem.js';
import { restoreCommand } from './restore.js';
import { reconcileCommand } from './reconcile.js';
import { recoverCommand } from './recover.js';
import { routerCommand } from './router.js';
import { searchCommand } from './search.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';
import { syncCommand } from './sync.js';
import { testFileCommand } from './test-file.js';
import { tokensCommand } from './tokens.js';
import { workerCommand } from './worker.js';

/** Every `p8fs` sub-command, in the order `p8fs --help` lists them. */
export const COMMANDS: readonly CommandFactory[] = [
  serveCommand,
  workerCommand,
  routerCommand,
  reconcileCommand,
  ingestCommand,
  searchCommand,
  remCommand,
  chatCommand,
  filesCommand,
  momentsCommand,
  exportCommand,
  backupCommand,
  restoreCommand,
  statusCommand,
  configCommand,
  providersCommand,
  testFileCommand,
  processCommand,
  authCommand,
  registerCommand,
  loginCommand,
  approveCommand,
  devicesCommand,
  syncCommand,
  recoverCommand,
  tokensCommand,
  keysCommand,
  mcpCommand,
];
