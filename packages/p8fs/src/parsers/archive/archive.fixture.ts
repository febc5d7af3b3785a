import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import JSZip from 'jszip';

// Archive fixtures built in the tests, so every hostile case is spelled out where it is checked.

/** One member of a hand-built tar. type: '0' file, '1' hard link, '2' symlink, '3'/'4' devices, '5' dir. */
export interface TarMember {
  name: string;
  type?: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  data?: Buffer | string;
  linkname?: string;
}

/** A ustar archive built header by header: nothing refuses '..' or '/' names here. */
export function buildTar(members: TarMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const data = Buffer.from(m.data ?? '');
    const h = Buffer.alloc(512);
    h.write(m.name, 0, 100, 'utf8');
    h.write('0000644\0', 100, 'latin1');
    h.write('0001750\0', 108, 'latin1');
    h.write('0001750\0', 116, 'latin1');
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    h.write(`${Math.floor(Date.UTC(2024, 0, 2) / 1000).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
    h.write('        ', 148, 'latin1');
    h.write(m.type ?? '0', 156, 'latin1');
    if (m.linkname) h.write(m.linkname, 157, 100, 'utf8');
    h.write('ustar\0', 257, 'latin1');
    h.write('00', 263, 'latin1');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A zip built with JSZip; unixPermissions marks symlinks (0o120777). */
export async function buildZip(files: { name: string; data: string | Buffer; unixPermissions?: number; dir?: boolean }[]): Promise<Buffer> {
  const zip = new JSZip();
  for (const f of files) {
    if (f.dir) zip.folder(f.name);
    else zip.file(f.name, f.data, f.unixPermissions === undefined ? {} : { unixPermissions: f.unixPermissions });
  }
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
}

/**
 * Build an archive with the 7z program from a tree of files (paths → content, or { link } for a
 * symbolic link), passing extra switches (-t, -p, -mhe).
 */
export function build7z(tree: Record<string, string | Buffer | { link: string }>, switches: string[] = [], archiveName = 'fixture.7z'): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-7z-fixture-'));
  try {
    const src = join(dir, 'src');
    mkdirSync(src);
    for (const [path, content] of Object.entries(tree)) {
      const abs = join(src, path);
      mkdirSync(dirname(abs), { recursive: true });
      if (typeof content === 'object' && !Buffer.isBuffer(content)) symlinkSync(content.link, abs);
      else writeFileSync(abs, content);
    }
    const out = join(dir, archiveName);
    execFileSync('7z', ['a', '-snl', ...switches, out, '.'], { cwd: src, stdio: 'ignore' });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
