/** A member path made safe to store, or why it cannot be. */
export type MemberPath = { ok: true; path: string } | { ok: false; code: 'archive.unsafe_path'; reason: string };

// C0 controls, DEL and C1 controls: no honest file name has them, and they hide in listings and logs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const DRIVE = /^[a-zA-Z]:/;

/**
 * Check and normalise a member name from an archive header. Backslashes are read as separators
 * (Windows tools write them, and a `..\\` trick must be caught as traversal, not kept as a name);
 * then leading './', empty and '.' segments go. Absolute paths, drive letters, '..' segments and
 * control characters are refused: the path becomes a vault path under the parent file.
 */
export function normaliseMemberPath(raw: string): MemberPath {
  if (CONTROL.test(raw)) return unsafe('its name contains a control character');
  const slashed = raw.replace(/\\/g, '/');
  if (slashed.startsWith('/')) return unsafe('absolute path');
  if (DRIVE.test(slashed)) return unsafe('absolute path with a drive letter');
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return unsafe("path traversal ('..' segment)");
  if (segments.length === 0) return unsafe('empty path');
  return { ok: true, path: segments.join('/') };
}

const unsafe = (reason: string): MemberPath => ({ ok: false, code: 'archive.unsafe_path', reason });

/** True for a name that ends in a separator: archives mark directory entries that way. */
export const isDirectoryName = (raw: string): boolean => raw.endsWith('/') || raw.endsWith('\\');
