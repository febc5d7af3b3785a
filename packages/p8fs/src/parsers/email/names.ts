// File names for e-mail attachments and mailbox members. Names come from whoever sent the mail,
// so they are treated as hostile: no directories, no control or bidi-override characters (which
// can disguise "exe.txt" as "txt.exe"), no names that are only dots, and a bounded length.

// Control characters (C0, DEL, C1) and format characters (bidi overrides, zero-width, BOM).
const UNSAFE_CHARS = /[\p{Cc}\p{Cf}]/gu;
/** Longest name kept, in UTF-8 bytes (most file systems allow 255). */
const MAX_NAME_BYTES = 200;

// Extensions for attachments that arrive without a name; anything else is '.bin'.
const EXTENSIONS: Record<string, string> = {
  'text/plain': '.txt',
  'text/html': '.html',
  'text/csv': '.csv',
  'text/calendar': '.ics',
  'text/markdown': '.md',
  'text/xml': '.xml',
  'text/vcard': '.vcf',
  'text/x-vcard': '.vcf',
  'application/json': '.json',
  'application/xml': '.xml',
  'application/pdf': '.pdf',
  'application/zip': '.zip',
  'application/gzip': '.gz',
  'application/rtf': '.rtf',
  'application/msword': '.doc',
  'application/vnd.ms-excel': '.xls',
  'application/vnd.ms-powerpoint': '.ppt',
  'application/vnd.ms-outlook': '.msg',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': '.pptx',
  'application/vnd.oasis.opendocument.text': '.odt',
  'application/vnd.oasis.opendocument.spreadsheet': '.ods',
  'application/vnd.oasis.opendocument.presentation': '.odp',
  'application/epub+zip': '.epub',
  'application/pkcs7-signature': '.p7s',
  'application/pkcs7-mime': '.p7m',
  'application/pgp-signature': '.asc',
  'message/rfc822': '.eml',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/svg+xml': '.svg',
  'image/tiff': '.tif',
  'image/bmp': '.bmp',
  'audio/mpeg': '.mp3',
  'audio/wav': '.wav',
  'audio/ogg': '.ogg',
  'video/mp4': '.mp4',
  'video/quicktime': '.mov',
};

/** The extension (with dot) for a media type, '.bin' when unknown. */
export function extensionFor(mimeType: string | undefined): string {
  return EXTENSIONS[(mimeType ?? '').split(';')[0]!.trim().toLowerCase()] ?? '.bin';
}

/** A sender-supplied file name made safe to use as one path segment, or null when nothing usable is left. */
export function safeFileName(name: string | undefined | null): string | null {
  if (name === undefined || name === null) return null;
  // Strip any directories a hostile sender put in ("../../etc/passwd", "C:\\x\\y.exe").
  const base = name.replace(UNSAFE_CHARS, '').split(/[/\\]/).pop() ?? '';
  // Trailing dots and spaces are dropped by Windows and make names that cannot be opened there.
  const trimmed = base.trim().replace(/[. ]+$/, '');
  if (trimmed === '' || /^\.+$/.test(trimmed)) return null;
  return truncateName(trimmed);
}

/** Cut a name to MAX_NAME_BYTES, keeping its extension. */
function truncateName(name: string): string {
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  let stem = name.slice(0, name.length - ext.length);
  // Code points, not UTF-16 units, so a surrogate pair is never split.
  const points = [...stem];
  while (Buffer.byteLength(points.join('') + ext) > MAX_NAME_BYTES) points.pop();
  stem = points.join('');
  return stem + ext;
}

/** Hands out names unique within one parent, case-insensitively: "a.txt", "a (2).txt", ... */
export class NameAllocator {
  private readonly taken = new Set<string>();

  /** A unique name: the safe form of `wanted`, or `fallbackStem` plus the media type's extension. */
  allocate(wanted: string | undefined | null, fallbackStem: string, mimeType?: string): string {
    const name = safeFileName(wanted) ?? `${fallbackStem}${extensionFor(mimeType)}`;
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let candidate = name;
    for (let n = 2; this.taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
    this.taken.add(candidate.toLowerCase());
    return candidate;
  }
}

/** A short, path-safe slug of free text (a subject line), or `fallback` when nothing is left. */
export function slugify(text: string | undefined, fallback: string, maxLength = 60): string {
  const slug = (text ?? '')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  const cut = [...slug].slice(0, maxLength).join('').replace(/-+$/, '');
  return cut === '' ? fallback : cut;
}
