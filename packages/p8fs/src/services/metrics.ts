import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { requirePermission } from '../domain/scopes.js';
import type { MetricsRegistry } from '../ports/metrics.js';

/**
 * The process's metrics for whoever operates the server. They describe every tenant's traffic
 * (request counts, queue depth), so only the owner may read them: the local owner, or a first-party
 * sign-in of the owner's tenant (decision 0020). Transports that serve them on loopback only act as
 * the local owner; everywhere else the caller's token decides.
 */
export class MetricsService {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly ownerTenantId: string,
  ) {}

  /** The Prometheus text exposition, for the owner. */
  async scrape(actor: Actor): Promise<{ contentType: string; body: string }> {
    requirePermission(actor, 'account');
    if (actor.tenantId !== this.ownerTenantId) throw new AppError('forbidden', 'metrics describe the whole server: only its owner may read them');
    return this.registry.scrape();
  }
}
