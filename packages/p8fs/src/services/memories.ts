import { Readable } from 'node:stream';
import type { Actor } from '../domain/actor.js';
import { type MemoryLink, memoryFile } from '../domain/memory-note.js';
import { requirePermission } from '../domain/scopes.js';
import type { Clock } from '../ports/clock.js';
import type { CreateResult, FilesService } from './files.js';

/** What a caller asks to remember. */
export interface NewMemory {
  text: string;
  title?: string | undefined;
  tags?: readonly string[] | undefined;
  links?: readonly MemoryLink[] | undefined;
  /** Who saved it (`mcp.save_memory`, `chat.save_memory`): kept in the file's metadata. */
  source: string;
}

/**
 * Memories: small Markdown notes a person or their assistant asks the vault to keep. One service so
 * MCP, chat agents and later the web app save them alike (same path, frontmatter links, dedup by text),
 * through the same upload pipeline as any file.
 */
export class MemoriesService {
  constructor(private readonly files: FilesService, private readonly clock: Clock) {}

  /** Store the memory as memories/<date>-<slug>-<hash>.md; the same text twice in a day changes nothing. */
  async save(actor: Actor, m: NewMemory): Promise<CreateResult & { title: string }> {
    requirePermission(actor, 'vault:write');
    const tags = m.tags ?? [];
    const memory = memoryFile(m.text, m.title, tags, this.clock.now(), m.links ?? []);
    const res = await this.files.create(actor, {
      name: memory.path, uri: memory.path, mimeType: 'text/markdown',
      metadata: { source: m.source, title: memory.title, tags: [...tags] },
    }, Readable.from([Buffer.from(memory.body)]));
    return { ...res, title: memory.title };
  }
}
