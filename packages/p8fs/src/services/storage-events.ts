import { ownerActor } from '../domain/actor.js';
import { mapLimited } from '../domain/collections.js';
import { errorMessage, isAppError } from '../domain/errors.js';
import type { IncomingObject, Inbox } from '../ports/blob-store.js';
import type { Db } from '../ports/db.js';
import type { Logger } from '../ports/logger.js';
import type { FilesService } from './files.js';
import * as sql from './sql/storage-events.js';
import { tenantMode } from './sql/e2e-relay.js';

export type EventOutcome = 'ingested' | 'skipped' | 'failed';
export interface ReconcileResult {
  listed: number;
  ingested: number;
  skipped: number;
  failed: number;
}

/** Content types S3 servers give an object nobody typed: let the parsers sniff instead. */
const UNTYPED = new Set(['binary/octet-stream', 'application/octet-stream']);

/**
 * Storage events: objects written straight into the blob store's incoming area,
 * `incoming/<tenant>/<path>` (a presigned PUT, another tool), become files of that tenant with uri
 * `<path>`, through the same FilesService.create as an upload (stream -> content-addressed blob ->
 * row -> file.process job), exactly once per upload of a key (key + etag + modification time, a
 * storage_events row claimed by INSERT). Then the incoming object is deleted: its bytes now live
 * under the content-addressed key, and the incoming area stays small.
 *
 * The reconciler lists the whole incoming prefix each pass, paging with StartAfter. A stored
 * "last key seen" marker would be wrong: S3 lists in key order, not in time order, so an upload to
 * a key before the marker would never be found. Deleting what was ingested keeps each pass cheap.
 * An upload that cannot become a file (unknown tenant, empty, too large) is recorded as failed and
 * left in place for a person to see; a transient error releases the claim for the next pass.
 */
export class StorageEventsService {
  constructor(
    private readonly db: Db,
    private readonly inbox: Inbox,
    private readonly files: FilesService,
    private readonly log: Logger,
    private readonly opts: { claimLeaseSeconds?: number; concurrency?: number } = {},
  ) {}

  /** One pass over the incoming area. */
  async reconcile(): Promise<ReconcileResult> {
    const result: ReconcileResult = { listed: 0, ingested: 0, skipped: 0, failed: 0 };
    let after: string | undefined;
    for (;;) {
      const page = await this.inbox.listIncoming({ after, limit: 1000 });
      if (page.length === 0) break;
      after = page.at(-1)?.key;
      result.listed += page.length;
      for (const outcome of await mapLimited(page, this.opts.concurrency ?? 4, (o) => this.handle(o))) result[outcome]++;
    }
    if (result.ingested + result.failed > 0) this.log.info({ ...result }, 'storage events reconciled');
    return result;
  }

  /** A bucket notification for one key: the same idempotent path as the reconciler. */
  async notify(key: string): Promise<EventOutcome> {
    const o = await this.inbox.statIncoming(key);
    return o ? this.handle(o) : 'skipped';
  }

  /** Presigned PUT into the tenant's incoming area (stores that can issue one). */
  async uploadUrl(tenantId: string, path: string, expiresSeconds = 900): Promise<{ url: string; key: string } | null> {
    return this.inbox.presignIncomingPut ? this.inbox.presignIncomingPut(tenantId, path, { expiresSeconds }) : null;
  }

  private async handle(o: IncomingObject): Promise<EventOutcome> {
    // Listings give milliseconds, HEAD (notifications) whole seconds: one identity for both.
    const ev = { key: o.key, etag: o.etag, modified: new Date(Math.floor(o.modified.getTime() / 1000) * 1000) };
    const claim = await sql.claimEvent(this.db, { ...ev, tenantId: o.tenantId, size: o.size }, this.opts.claimLeaseSeconds ?? 600);
    if (claim === 'done') {
      // Ingested, but the delete did not happen (crash, error): finish it.
      await this.inbox.deleteIncoming(o.key);
      return 'skipped';
    }
    if (claim !== 'claimed') return 'skipped';
    try {
      if (!(await sql.tenantExists(this.db, o.tenantId))) {
        await sql.finishEvent(this.db, ev, 'failed', null, `no tenant ${o.tenantId}`);
        this.log.warn({ key: o.key }, 'storage event for an unknown tenant');
        return 'failed';
      }
      const opened = await this.inbox.openIncoming(o.key, o.etag);
      if (!opened) {
        // Gone, or replaced since it was listed: the newer upload is its own event.
        await sql.releaseEvent(this.db, ev);
        return 'skipped';
      }
      const name = o.path.split('/').at(-1) ?? o.path;
      const mimeType = opened.contentType && !UNTYPED.has(opened.contentType) ? opened.contentType : undefined;
      // The object was written with the tenant's credentials or a URL issued to them: act as the tenant
      // (in its vault mode: an end-to-end vault refuses plaintext the server would index).
      const actor = { ...ownerActor(o.tenantId), vaultMode: await tenantMode(this.db, o.tenantId) };
      const { file } = await this.files.create(actor, {
        name, uri: o.path, mimeType, metadata: { source: 'storage', object_key: o.key },
      }, opened.stream);
      await sql.finishEvent(this.db, ev, 'done', file.id, null);
      await this.inbox.deleteIncoming(o.key).catch((err) => this.log.warn({ key: o.key, err: errorMessage(err) }, 'incoming object not deleted'));
      return 'ingested';
    } catch (err) {
      if (isAppError(err)) {
        await sql.finishEvent(this.db, ev, 'failed', null, `${err.code}: ${err.message}`);
        this.log.warn({ key: o.key, code: err.code }, 'storage event refused');
      } else {
        await sql.releaseEvent(this.db, ev).catch(() => {});
        this.log.warn({ key: o.key, err: errorMessage(err) }, 'storage event failed; retried on the next pass');
      }
      return 'failed';
    }
  }
}
