import type { Block, ChildFile, ParsedDocument, RejectedMember } from '../../domain/document.js';
import { AppError } from '../../domain/errors.js';
import { tableBlocks } from '../spreadsheet/table-blocks.js';
import { formatBytes } from './budget.js';

/**
 * What an archive parser found: the safe members, kept as children, and the refused ones with a
 * stable code. Turned into the archive's own document: a listing of its members, which is what a
 * search for a file name inside an archive should find.
 */
export class ArchiveContents {
  readonly children: ChildFile[] = [];
  readonly rejected: RejectedMember[] = [];
  private readonly paths = new Set<string>();
  private bytes = 0;

  /** Keep a safe, regular member. An empty one is refused, a second member at the same path too. */
  add(path: string, bytes: Buffer, modified?: Date): void {
    if (bytes.length === 0) {
      this.reject(path, 'file.empty', 'empty file');
      return;
    }
    // The vault stores members by path under the archive; a later member would shadow an earlier one.
    if (this.paths.has(path)) {
      this.reject(path, 'archive.duplicate_path', 'another member has the same path');
      return;
    }
    this.paths.add(path);
    this.bytes += bytes.length;
    const child: ChildFile = { path, bytes };
    if (modified !== undefined && !Number.isNaN(modified.getTime())) child.metadata = { modified: modified.toISOString() };
    this.children.push(child);
  }

  reject(path: string, code: string, reason: string): void {
    this.rejected.push({ path, code, reason });
  }

  /**
   * The archive's document. Throws parser.encrypted when encryption left nothing readable: an
   * archive that lists names but yields no content is a password problem, not an empty archive.
   */
  toDocument(name: string, format: string): ParsedDocument {
    const encrypted = this.rejected.filter((r) => r.code === 'parser.encrypted').length;
    if (this.children.length === 0 && encrypted > 0) {
      throw new AppError('parser.encrypted', `${name} is encrypted (password-protected): none of its ${encrypted} encrypted members can be read`, {
        encrypted,
      });
    }
    const blocks: Block[] = [{ kind: 'heading', level: 1, text: `Contents of ${name}` }];
    blocks.push({ kind: 'paragraph', text: this.summary(format) });
    if (this.children.length > 0) {
      blocks.push(...tableBlocks([['Path', 'Size'], ...this.children.map((c) => [c.path, formatBytes(c.bytes.length)])]).blocks);
    }
    if (this.rejected.length > 0) {
      blocks.push({ kind: 'heading', level: 2, text: 'Members not read' });
      blocks.push(...tableBlocks([['Path', 'Reason'], ...this.rejected.map((r) => [printable(r.path), r.reason])]).blocks);
    }
    return {
      title: name,
      blocks,
      metadata: { members: this.children.length, expanded_bytes: this.bytes, rejected: this.rejected.length },
      children: this.children,
      rejected: this.rejected,
    };
  }

  private summary(format: string): string {
    const files = this.children.length === 1 ? '1 file' : `${this.children.length} files`;
    const read = this.children.length === 0 ? `${format} with no readable files` : `${format} with ${files}, ${formatBytes(this.bytes)} in all`;
    return this.rejected.length === 0 ? `${read}.` : `${read}; ${this.rejected.length} not read.`;
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A refused name as text: control characters written as \u escapes so the listing stays one line per member. */
const printable = (path: string): string => path.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
