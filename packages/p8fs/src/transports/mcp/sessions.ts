import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Actor } from '../../domain/actor.js';

export interface McpSession {
  id: string;
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  /** tenant + device of the token that opened it: a session id is useless with anyone else's token. */
  owner: string;
  lastSeen: number;
}

export interface SessionLimits {
  /** A session with no request for this long is closed. */
  idleMs: number;
  /** Most open sessions per device; opening one more closes that device's least recently used. */
  perOwner: number;
}

// A session is bound to what its opener may do, not only who: a read-only token (or a personal
// access token) of the same device cannot ride a session a write token opened. Scopes, not the token
// itself, so a session outlives the hourly token refresh.
const ownerOf = (actor: Actor) =>
  [actor.tenantId, actor.deviceId ?? '', actor.firstParty ? '1' : '0', [...actor.scopes].sort().join(' ')].join('\u0000');

/**
 * The Streamable HTTP sessions this process holds. A session keeps its McpServer (bound to the actor
 * that initialised it) and its transport, whose SSE streams carry server-to-client messages and
 * can be resumed. Lookups are by id *and* owner, so a leaked session id is no way into a vault.
 */
export class McpSessions {
  private readonly byId = new Map<string, McpSession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly limits: SessionLimits) {
    this.sweeper = setInterval(() => void this.sweep(Date.now()), Math.min(60_000, limits.idleMs)).unref();
  }

  newId(): string {
    return randomUUID();
  }

  /** Record a session the transport has just initialised (its id is known only then). */
  add(actor: Actor, id: string, transport: StreamableHTTPServerTransport, server: McpServer): void {
    const owner = ownerOf(actor);
    const mine = [...this.byId.values()].filter((s) => s.owner === owner).sort((a, b) => a.lastSeen - b.lastSeen);
    for (const old of mine.slice(0, Math.max(0, mine.length - this.limits.perOwner + 1))) void this.close(old.id);
    this.byId.set(id, { id, transport, server, owner, lastSeen: Date.now() });
  }

  /** The session, if it exists and belongs to actor; touching it keeps it alive. */
  get(id: string, actor: Actor): McpSession | null {
    const s = this.byId.get(id);
    if (!s || s.owner !== ownerOf(actor)) return null;
    s.lastSeen = Date.now();
    return s;
  }

  /** Forget a session the transport closed (DELETE from the client). */
  forget(id: string): void {
    this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }

  async close(id: string): Promise<void> {
    const s = this.byId.get(id);
    if (!s) return;
    this.byId.delete(id);
    await s.transport.close().catch(() => undefined);
    await s.server.close().catch(() => undefined);
  }

  async sweep(now: number): Promise<void> {
    const idle = [...this.byId.values()].filter((s) => now - s.lastSeen > this.limits.idleMs);
    await Promise.all(idle.map((s) => this.close(s.id)));
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.byId.keys()].map((id) => this.close(id)));
  }
}
