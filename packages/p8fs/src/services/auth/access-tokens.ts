import { randomBytes } from 'node:crypto';
import {
  ACCESS_TOKEN_PREFIX, type AccessTokenDto, type AccessTokenScope, type CreateAccessTokenInput, type TokenAudience,
} from '@p8fs/contracts';
import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import { newId, sha256 } from '../../domain/ids.js';
import { requirePermission } from '../../domain/scopes.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { Db } from '../../ports/db.js';
import * as sql from '../sql/access-tokens.js';
import { tenantMode } from '../sql/e2e-relay.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The prefix, then 32 random bytes as base64url (43 characters). */
const TOKEN_SHAPE = new RegExp(`^${ACCESS_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`);
/** last_used_at is written at most this often per token: a busy script must not write on every request. */
const TOUCH_EVERY_MS = 60_000;

/** Whether a bearer token is a personal access token (by its prefix) rather than an OAuth JWT. */
export function isAccessToken(token: string): boolean {
  return token.startsWith(ACCESS_TOKEN_PREFIX);
}

export interface AccessTokensOptions {
  /** Most tokens one tenant may hold (live, expired or dead): a stolen session cannot mint without bound. */
  maxPerTenant: number;
}

/** A token just created: the secret (shown once, never stored) and its row. */
export interface CreatedToken {
  token: string;
  row: sql.AccessTokenRow;
}

/**
 * Personal access tokens: long-lived bearer tokens for one audience (API or MCP) with the scopes
 * their creator chose. Managing them is account work (a first-party sign-in, or the local owner);
 * a token acts with `firstParty: false`, so it can never create tokens or manage devices itself.
 */
export class AccessTokensService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
    private readonly opts: AccessTokensOptions = { maxPerTenant: 100 },
  ) {}

  /** Create a token for the actor's tenant (and device); the secret is in the result only. */
  async create(actor: Actor, input: CreateAccessTokenInput): Promise<CreatedToken> {
    requirePermission(actor, 'account');
    const scopes = expandScopes(input.scopes);
    // A token never grants more than its creator holds.
    for (const s of scopes) requirePermission(actor, s);
    if ((await sql.countAccessTokens(this.db, actor.tenantId)) >= this.opts.maxPerTenant) {
      throw new AppError('conflict', `this vault already has ${this.opts.maxPerTenant} access tokens: remove unused ones first (p8fs tokens ls, p8fs tokens rm ID)`);
    }
    const now = this.clock.now();
    const token = `${ACCESS_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = await sql.insertAccessToken(this.db, {
      id: newId(), tenant_id: actor.tenantId, token_hash: sha256(token), name: input.name, audience: input.audience, scopes,
      device_id: actor.deviceId, created_at: now,
      expires_at: input.expires_in === null ? null : new Date(now.getTime() + input.expires_in * 1000),
    });
    return { token, row };
  }

  /** The actor's tenant's tokens, newest first, with their status and last use. */
  async list(actor: Actor): Promise<sql.AccessTokenRow[]> {
    requirePermission(actor, 'account');
    return sql.listAccessTokens(this.db, actor.tenantId);
  }

  /** Revoke (delete) a token: the next request with it is refused. not_found also for another tenant's id. */
  async revoke(actor: Actor, id: string): Promise<sql.AccessTokenRow> {
    requirePermission(actor, 'account');
    const row = UUID.test(id) ? await sql.deleteAccessToken(this.db, actor.tenantId, id) : null;
    // The id is not echoed: the answer says nothing about ids of other tenants.
    if (!row) throw new AppError('not_found', 'no such access token in this vault (see p8fs tokens ls)');
    return row;
  }

  /**
   * The actor of a bearer token for one audience, or `unauthorized` saying why: unknown or revoked,
   * its device revoked, expired, or made for the other endpoint. Every request reads the row, so a
   * revocation holds from the next request on.
   */
  async verify(token: string, audience: TokenAudience): Promise<Actor> {
    if (!TOKEN_SHAPE.test(token)) throw new AppError('unauthorized', 'malformed personal access token');
    const row = await sql.findAccessTokenByHash(this.db, sha256(token));
    if (!row) throw new AppError('unauthorized', 'unknown or revoked personal access token');
    const now = this.clock.now();
    if (!row.device_active) throw new AppError('unauthorized', 'the device that created this access token was revoked');
    if (row.expires_at !== null && row.expires_at.getTime() <= now.getTime()) {
      throw new AppError('unauthorized', `this access token expired at ${row.expires_at.toISOString()}`);
    }
    if (row.audience !== audience) {
      throw new AppError('unauthorized', `this access token is for the ${row.audience === 'mcp' ? 'MCP endpoint (/api/mcp)' : 'REST API (/api/v1)'}, not this one`);
    }
    if (row.last_used_at === null || now.getTime() - row.last_used_at.getTime() >= TOUCH_EVERY_MS) {
      await sql.touchAccessToken(this.db, row.id, now);
    }
    // The mode decides what the token may do: an end-to-end vault's tokens are refused every vault read and write.
    return { tenantId: row.tenant_id, userId: null, deviceId: row.device_id, scopes: [...row.scopes], firstParty: false, vaultMode: await tenantMode(this.db, row.tenant_id) };
  }
}

/** `vault:write` implies `vault:read`: stored (and granted) as both, so a write token can read. */
export function expandScopes(scopes: readonly AccessTokenScope[]): AccessTokenScope[] {
  const set = new Set(scopes);
  if (set.has('vault:write')) set.add('vault:read');
  return (['vault:read', 'vault:write'] as const).filter((s) => set.has(s));
}

/** A token as the API lists it: its state now, never the secret. */
export function toAccessTokenDto(row: sql.AccessTokenRow, now = new Date()): AccessTokenDto {
  const expired = row.expires_at !== null && row.expires_at.getTime() <= now.getTime();
  return {
    id: row.id, name: row.name, audience: row.audience, scopes: row.scopes, device_id: row.device_id,
    status: !row.device_active ? 'device_revoked' : expired ? 'expired' : 'active',
    created_at: row.created_at.toISOString(), expires_at: row.expires_at?.toISOString() ?? null,
    last_used_at: row.last_used_at?.toISOString() ?? null,
  };
}
