// Just enough POSIX ustar to write a backup: regular files with a fixed mode and time. Reading is
// left to the `tar` package; writing by hand keeps the archive a plain stream of known members
// (no file system walk, no links, no owners), so the service can stream it to a file or an HTTP reply.

const BLOCK = 512;

/** The 512-byte ustar header of a regular file; paths over 100 bytes use the 155-byte prefix. */
export function tarHeader(path: string, size: number, mtime: Date, mode = 0o600): Buffer {
  const h = Buffer.alloc(BLOCK);
  const [prefix, name] = splitPath(path);
  h.write(name, 0, 100, 'utf8');
  octal(h, mode, 100, 8);
  octal(h, 0, 108, 8);
  octal(h, 0, 116, 8);
  octal(h, size, 124, 12);
  octal(h, Math.floor(mtime.getTime() / 1000), 136, 12);
  h.write('        ', 148, 8, 'ascii');
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

/** Zero bytes that pad a member of size bytes to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The two zero blocks that end an archive. */
export const TAR_END = Buffer.alloc(BLOCK * 2);

function splitPath(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(name) <= 100 && Buffer.byteLength(prefix) <= 155) return [prefix, name];
  }
  throw new Error(`tar path too long: ${path}`);
}

function octal(h: Buffer, value: number, at: number, width: number): void {
  // Sizes past 8 GiB do not fit 11 octal digits: GNU's base-256 form (the `tar` package reads it).
  if (value >= 8 ** (width - 1)) {
    h[at] = 0x80;
    let v = BigInt(value);
    for (let i = at + width - 1; i > at; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return;
  }
  h.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, at, width, 'ascii');
}
