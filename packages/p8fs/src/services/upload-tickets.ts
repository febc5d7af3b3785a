import { randomBytes } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { sha256 } from '../domain/ids.js';
import type { Db } from '../ports/db.js';
import { requirePermission } from '../domain/scopes.js';

export interface UploadTicket {
  /** The secret: whoever holds it may upload this one file, once, until it expires. */
  token: string;
  expiresAt: Date;
  maxBytes: number;
}

export interface TicketGrant {
  actor: Actor;
  name: string;
  uri: string;
  mimeType: string | null;
}

/** Tickets live this long: enough to find the file and run curl, short enough to be harmless if leaked. */
const TTL_MS = 15 * 60_000;

/**
 * Upload tickets: a way to hand a large upload to something that has no token (the user's shell,
 * told by an MCP host). Issued for one name by an actor that may write; redeemed once.
 */
export class UploadTicketsService {
  constructor(
    private readonly db: Db,
    private readonly maxBytes: number,
  ) {}

  async issue(actor: Actor, file: { name: string; uri?: string; mimeType?: string }, now = new Date()): Promise<UploadTicket> {
    requirePermission(actor, 'vault:write');
    const token = randomBytes(24).toString('base64url');
    const expiresAt = new Date(now.getTime() + TTL_MS);
    // Expired tickets are swept here rather than by a job: issuing is rare and the table stays tiny.
    await this.db.query('DELETE FROM upload_tickets WHERE expires_at < $1', [now]);
    await this.db.query(
      `INSERT INTO upload_tickets (token_hash, tenant_id, device_id, name, uri, mime_type, max_bytes, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [sha256(token), actor.tenantId, actor.deviceId, file.name, file.uri ?? file.name, file.mimeType ?? null, this.maxBytes, expiresAt],
    );
    return { token, expiresAt, maxBytes: this.maxBytes };
  }

  /** Spend a ticket: its grant, or not_found for an unknown, used or expired one (indistinguishable on purpose). */
  async redeem(token: string, now = new Date()): Promise<TicketGrant & { maxBytes: number }> {
    const [row] = await this.db.query<{ tenant_id: string; device_id: string | null; name: string; uri: string; mime_type: string | null; max_bytes: string }>(
      `DELETE FROM upload_tickets t WHERE token_hash = $1 AND expires_at >= $2
         -- A ticket dies with the device that asked for it.
         AND (device_id IS NULL OR EXISTS (SELECT 1 FROM devices d WHERE d.id = t.device_id AND d.status = 'active'))
       RETURNING tenant_id, device_id, name, uri, mime_type, max_bytes::text`,
      [sha256(token), now],
    );
    if (!row) throw new AppError('not_found', 'this upload link is unknown, already used or expired: ask for a new one');
    return {
      actor: { tenantId: row.tenant_id, userId: null, deviceId: row.device_id, scopes: ['vault:write'], firstParty: false, vaultMode: 'server' },
      name: row.name, uri: row.uri, mimeType: row.mime_type, maxBytes: Number(row.max_bytes),
    };
  }
}
