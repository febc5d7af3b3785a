import { errorMessage } from '../../domain/errors.js';
import type { CliContext } from './context.js';
import { CliExit, EXIT, exitCodeFor } from './exit-codes.js';
import type { VaultClient } from './vault/client.js';
import { withVault } from './vault/open.js';

/**
 * `rm` of several ids (files, moments): every id is tried and reported; the exit code is the first
 * failure's, after all were reported. An internal error stops at once.
 */
export async function deleteEach(ctx: CliContext, ids: readonly string[], remove: (vault: VaultClient, id: string) => Promise<void>): Promise<void> {
  const { io } = ctx;
  const failures = await withVault(ctx, async (vault) => {
    const failed: unknown[] = [];
    for (const id of ids) {
      try {
        await remove(vault, id);
        io.out(`deleted ${id}\n`);
      } catch (err) {
        if (exitCodeFor(err) === EXIT.error) throw err;
        io.err(`p8fs: ${errorMessage(err)}\n`);
        failed.push(err);
      }
    }
    return failed;
  });
  if (failures.length) throw new CliExit(exitCodeFor(failures[0]));
}
