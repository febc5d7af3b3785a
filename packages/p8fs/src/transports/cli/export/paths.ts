import { isAbsolute, relative, resolve } from 'node:path';
import { AppError } from '../../../domain/errors.js';

// A file's uri is whatever its uploader chose (`../../.ssh/authorized_keys`, `/etc/passwd`,
// `C:\\x`, names with control characters): it becomes a path under the export folder only after
// every segment is cleaned, and every write is checked against the folder once more.

const MAX_SEGMENT = 120;

/** One path segment made safe: no separators, control characters, `.`/`..`, or names too long. */
export function safeSegment(raw: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  let s = raw.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, '').replace(/[\\:*?"<>|]/g, '_').trim();
  if (s === '' || /^\.+$/.test(s)) return '';
  // A leading dot would hide the file (and `.git`-like names are not what the user wrote).
  if (s.startsWith('.')) s = `_${s.slice(1)}`;
  return s.length > MAX_SEGMENT ? s.slice(0, MAX_SEGMENT) : s;
}

/** A uri as a relative path of safe segments (archive members' `parent!/member` keep both parts); fallback when nothing is left. */
export function safeRelativePath(uri: string, fallback: string): string {
  const segments = uri.split(/[/\\]+/).map(safeSegment).filter((s) => s !== '');
  return segments.length ? segments.join('/') : fallback;
}

/** The absolute path of rel under root, refusing anything that would leave root (a second line of defence). */
export function inside(root: string, rel: string): string {
  const abs = resolve(root, rel);
  const back = relative(resolve(root), abs);
  if (back === '' || back.startsWith('..') || isAbsolute(back)) throw new AppError('forbidden', `export path escapes the target folder: ${rel}`);
  return abs;
}

/**
 * Hands out unique relative paths: two uris that clean to the same path (or differ only in case,
 * which collides on macOS and Windows) get the id's first 8 characters before the extension.
 */
export class PathAllocator {
  private readonly used = new Set<string>();

  take(rel: string, id: string): string {
    let out = rel;
    if (this.used.has(out.toLowerCase())) {
      const slash = rel.lastIndexOf('/');
      const dot = rel.lastIndexOf('.');
      const cut = dot > slash + 1 ? dot : rel.length;
      out = `${rel.slice(0, cut)}~${id.slice(0, 8)}${rel.slice(cut)}`;
    }
    this.used.add(out.toLowerCase());
    return out;
  }
}
