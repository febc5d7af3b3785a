import { AppError } from '../../domain/errors.js';
import { type ZipArchive, cleanText, firstDescendant, openZip } from '../shared/zip-xml.js';

/** An opened ODF package: its content.xml root body and its meta.xml fields. */
export interface OdfPackage {
  body: Element;
  metadata: Record<string, string>;
}

/** Open an ODF file and find office:body/<kind> (text, spreadsheet, presentation); clear errors for encrypted or broken files. */
export async function openOdf(bytes: Buffer, format: string, kind: string): Promise<OdfPackage> {
  const zip = await openZip(bytes, format);
  await refuseEncrypted(zip, format);
  const content = await zip.xml('content.xml');
  if (content === null) throw new AppError('parser.failed', `not a readable ${format}: content.xml is missing`);
  const body = firstDescendant(firstDescendant(content.documentElement, 'body') ?? content.documentElement, kind);
  if (body === null) throw new AppError('parser.failed', `not a readable ${format}: content.xml has no office:${kind} body (another ODF kind?)`);
  return { body, metadata: await meta(zip) };
}

async function refuseEncrypted(zip: ZipArchive, format: string): Promise<void> {
  const manifest = await zip.text('META-INF/manifest.xml');
  // A password-protected ODF keeps its parts encrypted and says so in the manifest.
  if (manifest?.includes('encryption-data')) {
    throw new AppError('parser.failed', `not a readable ${format}: the file is encrypted (password-protected)`);
  }
}

async function meta(zip: ZipArchive): Promise<Record<string, string>> {
  const doc = await zip.xml('meta.xml');
  if (doc === null) return {};
  const out: Record<string, string> = {};
  for (const [key, local] of [['title', 'title'], ['author', 'initial-creator'], ['lastAuthor', 'creator'], ['created', 'creation-date'], ['language', 'language']] as const) {
    const value = cleanText(firstDescendant(doc.documentElement, local)?.textContent);
    if (value !== '') out[key] = value;
  }
  return out;
}
