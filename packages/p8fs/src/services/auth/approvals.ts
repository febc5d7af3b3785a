import { randomUUID } from 'node:crypto';
import { type ApprovalDecisionBody, type ApprovalDecisionResult, type ApprovalDto, type DeviceKind, FIRST_PARTY_CLIENT_ID } from '@p8fs/contracts';
import type { Actor } from '../../domain/actor.js';
import { displayText } from '../../domain/display-text.js';
import { approvalMessage, normalizeUserCode, verifyEd25519 } from '../../domain/ed25519.js';
import { AppError } from '../../domain/errors.js';
import type { AuthorizationServer, PendingApproval } from '../../ports/authorization-server.js';
import type { Clock } from '../../ports/clock.js';
import type { Db } from '../../ports/db.js';
import * as sql from '../sql/approvals.js';
import { getDevice, insertDevice } from '../sql/devices.js';
import { deviceLimitReached } from './device-limit.js';
import { requirePermission } from '../../domain/scopes.js';

// How long a used nonce is remembered past its request's expiry. The authorization server reuses a
// user code once its request has expired, so a signature over (code, nonce) must stay spent longer
// than the request that it decided.
const NONCE_RETENTION_MS = 30 * 24 * 3_600_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Approving, from a device the person already has, a new device (RFC 8628 device code) or a browser
 * sign-in (an MCP host's authorization request). The approving device signs the decision with its
 * Ed25519 key: a stolen access token alone cannot let a stranger's device in.
 */
export class ApprovalService {
  constructor(
    private readonly db: Db,
    private readonly authServer: AuthorizationServer,
    private readonly clock: Clock,
  ) {}

  /**
   * A pending, unexpired request by its user code. Any signed-in actor may look one up: the code is
   * the secret, and seeing the client's name and scope is how the person decides.
   */
  async get(actor: Actor, userCode: string): Promise<ApprovalDto> {
    requirePermission(actor, 'account');
    const row = await sql.getApproval(this.db, normalizeUserCode(userCode));
    if (row?.status !== 'pending' || row.expires_at.getTime() <= this.clock.now().getTime()) {
      throw new AppError('approval.not_found', 'no pending request with this code (it may have expired)');
    }
    return toApprovalDto(row);
  }

  /** Approve or deny a pending request with a signature of the actor's device. */
  async decide(actor: Actor, input: ApprovalDecisionBody): Promise<ApprovalDecisionResult> {
    requirePermission(actor, 'account');
    const userCode = normalizeUserCode(input.user_code);
    const approverId = actor.deviceId;
    if (!approverId || !UUID.test(approverId)) throw new AppError('forbidden', 'only a registered device can approve');
    const approver = await getDevice(this.db, actor.tenantId, approverId);
    if (approver?.status !== 'active') throw new AppError('forbidden', 'this device is not active');
    if (!approver.public_key) throw new AppError('forbidden', 'this device has no key to sign approvals with');
    if (!verifyEd25519(approver.public_key, approvalMessage(userCode, input.nonce, input.approve), input.signature)) {
      throw new AppError('auth.bad_signature', "the signature does not verify with this device's key");
    }

    const now = this.clock.now();
    const decided = await this.db.transaction(async (tx) => {
      const row = await sql.lockApproval(tx, userCode);
      if (!row || row.expires_at.getTime() <= now.getTime()) {
        throw new AppError('approval.not_found', 'no pending request with this code (it may have expired)');
      }
      if (row.status !== 'pending') throw new AppError('conflict', `this request was already ${row.status}`);
      // Each signature is single-use, so a captured one cannot be replayed, not even against a later
      // request that happens to get the same user code.
      const keepUntil = new Date(row.expires_at.getTime() + NONCE_RETENTION_MS);
      if (!(await sql.claimNonce(tx, actor.tenantId, approver.id, input.nonce, now, keepUntil))) {
        throw new AppError('conflict', 'this nonce was already used; sign again with a new one');
      }
      let deviceId: string | null = null;
      if (input.approve) {
        // Throwing rolls the nonce back: the request stays pending until a device is revoked.
        const full = await deviceLimitReached(tx, actor.tenantId);
        if (full) throw full;
        const device = await insertDevice(tx, {
          id: randomUUID(), tenant_id: actor.tenantId, name: displayText(row.client_name ?? row.client_id ?? '') || 'device',
          kind: newDeviceKind(row), public_key: null, approved_by: approver.id, oauth_client_id: row.client_id, created_at: now,
        });
        deviceId = device.id;
      }
      const updated = await sql.decideApproval(tx, userCode, {
        status: input.approve ? 'approved' : 'denied', tenant_id: actor.tenantId, device_id: deviceId,
        approved_by: approver.id, decided_at: now,
      });
      if (!updated) throw new AppError('conflict', 'this request was already decided');
      return { row, deviceId };
    });

    // After the commit: the authorization server completes the grant in its own storage; the
    // approval row already names the tenant and the device its tokens will carry.
    const pending = toPending(decided.row);
    await this.authServer.settle(
      pending,
      decided.deviceId ? { approve: true, tenantId: actor.tenantId, deviceId: decided.deviceId } : { approve: false },
    );
    return { user_code: userCode, status: decided.deviceId ? 'approved' : 'denied', device_id: decided.deviceId };
  }
}

/**
 * What kind of device an approval creates: a browser sign-in is an MCP host; a device code is the
 * CLI unless the client's name says it is something else.
 */
export function newDeviceKind(row: Pick<sql.ApprovalRow, 'kind' | 'client_name'>): DeviceKind {
  if (row.kind === 'interaction') return 'mcp';
  const name = row.client_name ?? '';
  if (/\b(mcp)\b/i.test(name)) return 'mcp';
  if (/\b(ios|android|iphone|ipad|phone|mobile)\b/i.test(name)) return 'mobile';
  if (/\b(desktop|obsidian|mac ?os|windows|linux app)\b/i.test(name)) return 'desktop';
  if (/\b(browser|web)\b/i.test(name)) return 'browser';
  return 'cli';
}

function toPending(row: sql.ApprovalRow): PendingApproval {
  return {
    userCode: row.user_code, kind: row.kind, clientId: row.client_id, clientName: row.client_name, scope: row.scope,
    expiresAt: row.expires_at,
  };
}

/**
 * A pending request as the API presents it. The name is the client's own claim (cleaned again here
 * for rows stored before names were cleaned at the source); only the first-party client is verified.
 */
export function toApprovalDto(row: sql.ApprovalRow): ApprovalDto {
  return {
    user_code: row.user_code, kind: row.kind, client_id: row.client_id,
    client_name: row.client_name === null ? null : displayText(row.client_name), scope: row.scope,
    expires_at: row.expires_at.toISOString(), verified: row.client_id === FIRST_PARTY_CLIENT_ID,
    audience: (row.audience ?? '').split(' ').filter((a): a is 'api' | 'mcp' => a === 'api' || a === 'mcp'),
    redirect_host: row.redirect_host,
  };
}
