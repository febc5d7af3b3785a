import { AppError } from '../../domain/errors.js';
import type { SqlRunner } from '../../ports/db.js';
import { countActiveDevicesLocked } from '../sql/devices.js';

/**
 * Active devices one tenant may have. A person has a handful (phone, laptops, the CLI, a few MCP
 * hosts); the cap keeps one account (or a stolen first-party token approving in a loop) from
 * filling the devices table and the device list. Revoking a device frees its place.
 */
export const MAX_ACTIVE_DEVICES = 100;

/**
 * The device.limit error when the tenant has no room for another device, else null. Call it inside
 * the transaction that inserts the device: the tenant row stays locked until it commits.
 */
export async function deviceLimitReached(tx: SqlRunner, tenantId: string): Promise<AppError | null> {
  if ((await countActiveDevicesLocked(tx, tenantId)) < MAX_ACTIVE_DEVICES) return null;
  return new AppError('device.limit', `this vault already has ${MAX_ACTIVE_DEVICES} active devices; revoke one (p8fs devices revoke) before adding another`);
}
