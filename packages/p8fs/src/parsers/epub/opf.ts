import { AppError } from '../../domain/errors.js';
import { type ZipArchive, attr, childElements, cleanText, descendants, firstDescendant, resolvePart } from '../shared/zip-xml.js';

/** What the EPUB package document says: metadata and the reading order of content documents. */
export interface EpubPackage {
  title: string | null;
  creators: string[];
  language: string | null;
  description: string | null;
  /** Content documents in spine order, as archive paths. */
  spine: string[];
}

const CONTENT_TYPES = new Set(['application/xhtml+xml', 'text/html']);

/** container.xml -> OPF -> metadata and spine; navigation documents are left out of the reading order. */
export async function readPackage(zip: ZipArchive): Promise<EpubPackage> {
  const container = await zip.xml('META-INF/container.xml');
  const rootfile = container === null ? null : firstDescendant(container.documentElement, 'rootfile');
  const opfPath = rootfile === null ? null : attr(rootfile, 'full-path');
  if (opfPath === null) throw new AppError('parser.failed', 'not a readable EPUB: META-INF/container.xml names no package document');
  const opf = await zip.xml(opfPath);
  if (opf === null) throw new AppError('parser.failed', `not a readable EPUB: package document ${opfPath} is missing`);
  const root = opf.documentElement;
  const metadata = firstDescendant(root, 'metadata') ?? root;
  const dc = (name: string): string[] => descendants(metadata, name).map((e) => cleanText(e.textContent)).filter((t) => t !== '');
  const manifest = new Map<string, { href: string; type: string; nav: boolean }>();
  for (const item of descendants(firstDescendant(root, 'manifest') ?? root, 'item')) {
    manifest.set(attr(item, 'id') ?? '', {
      href: resolvePart(opfPath, attr(item, 'href') ?? ''),
      type: attr(item, 'media-type') ?? '',
      nav: (attr(item, 'properties') ?? '').split(/\s+/).includes('nav'),
    });
  }
  const spine = childElements(firstDescendant(root, 'spine') ?? root, 'itemref')
    // The nav document repeats the chapter titles as a link list; the chapters themselves follow.
    .map((ref) => manifest.get(attr(ref, 'idref') ?? ''))
    .filter((item) => item !== undefined && CONTENT_TYPES.has(item.type) && !item.nav)
    .map((item) => item!.href);
  return { title: dc('title')[0] ?? null, creators: dc('creator'), language: dc('language')[0] ?? null, description: dc('description')[0] ?? null, spine };
}

/** Refuse DRM-protected books: encryption.xml listing content documents (font obfuscation alone is fine). */
export async function refuseDrm(zip: ZipArchive, spine: readonly string[]): Promise<void> {
  const enc = await zip.xml('META-INF/encryption.xml');
  if (enc === null) return;
  const encrypted = new Set(descendants(enc.documentElement, 'CipherReference').map((c) => decodeURIComponent(attr(c, 'URI') ?? '')));
  if (spine.some((p) => encrypted.has(p))) throw new AppError('parser.failed', 'not a readable EPUB: its chapters are encrypted (DRM-protected)');
}
