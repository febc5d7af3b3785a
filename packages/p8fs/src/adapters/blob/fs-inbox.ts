import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { IncomingObject, Inbox } from '../../ports/blob-store.js';
import { INCOMING_PREFIX, parseIncomingKey } from './keys.js';

/**
 * The incoming area of a local blob folder: files dropped into <root>/incoming/<tenant>/<path>.
 * A file has no etag, so size and mtime stand in for one. A file still being written may be read
 * half-way; once it is complete its mtime changes, which is a new event, and the same uri is simply
 * stored again with the final bytes.
 */
export class FsInbox implements Inbox {
  constructor(private readonly root: string) {}

  async listIncoming(opts: { after?: string | undefined; limit?: number | undefined } = {}): Promise<IncomingObject[]> {
    const base = join(this.root, 'incoming');
    const names = await readdir(base, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [] as string[];
      throw e;
    });
    const keys = names
      .map((n) => INCOMING_PREFIX + n.split(sep).join('/'))
      .filter((k) => !opts.after || k > opts.after)
      .sort();
    const out: IncomingObject[] = [];
    for (const key of keys) {
      if (out.length >= (opts.limit ?? 1000)) break;
      const o = await this.statIncoming(key);
      if (o) out.push(o);
    }
    return out;
  }

  async statIncoming(key: string): Promise<IncomingObject | null> {
    const parsed = parseIncomingKey(key);
    const p = parsed && this.path(key);
    if (!parsed || !p) return null;
    const s = await stat(p).catch(() => null);
    if (!s?.isFile()) return null;
    return { key, ...parsed, etag: `${s.size}-${Math.floor(s.mtimeMs)}`, modified: s.mtime, size: s.size };
  }

  async openIncoming(key: string, etag: string) {
    const now = await this.statIncoming(key);
    if (!now || now.etag !== etag) return null;
    return { stream: createReadStream(this.path(key) as string) };
  }

  async deleteIncoming(key: string): Promise<void> {
    const p = this.path(key);
    if (p) await rm(p, { force: true });
  }

  /** The file of a key, or null when the key would leave the incoming folder. */
  private path(key: string): string | null {
    const base = resolve(this.root, 'incoming');
    const p = resolve(this.root, key);
    return key.startsWith(INCOMING_PREFIX) && p.startsWith(base + sep) ? p : null;
  }
}
