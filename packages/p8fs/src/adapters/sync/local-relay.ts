import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { SyncRelay } from '../../ports/sync-relay.js';
import type { SyncRelayService } from '../../services/sync/relay.js';

/**
 * The relay service of a server app in the same process, acting as one device (tests and the sync
 * benchmark: the same service the HTTP routes call, without the network).
 */
export function localRelay(service: SyncRelayService, actor: Actor, activeDevices: () => Promise<string[]>): SyncRelay {
  return {
    status: () => service.status(actor),
    push: (records) => service.push(actor, records),
    pull: (after, limit) => service.pull(actor, after, limit),
    putBlob: (id, body) => service.putBlob(actor, id, body),
    getBlob: async (id) => (await service.getBlob(actor, id)).stream,
    putSnapshot: (id, at, body) => service.putSnapshot(actor, id, at, body),
    latestSnapshot: async () => {
      try {
        return await service.latestSnapshot(actor);
      } catch (err) {
        if (err instanceof AppError && err.code === 'not_found') return null;
        throw err;
      }
    },
    getSnapshot: async (id) => (await service.getSnapshot(actor, id)).stream,
    publishKey: async (key) => {
      await service.publishKey(actor, key);
    },
    listKeys: () => service.listKeys(actor),
    envelopes: (recipient) => service.listEnvelopes(actor, recipient),
    putEnvelopes: async (envelopes) => {
      await service.putEnvelopes(actor, envelopes);
    },
    activeDevices,
  };
}
