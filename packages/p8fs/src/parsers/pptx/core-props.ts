import { type ZipArchive, cleanText, firstDescendant } from '../shared/zip-xml.js';

/** Title, author and dates from an OOXML package's docProps/core.xml; absent fields are left out. */
export async function coreProperties(zip: ZipArchive): Promise<Record<string, string>> {
  const doc = await zip.xml('docProps/core.xml');
  if (doc === null) return {};
  const out: Record<string, string> = {};
  const fields: [string, string][] = [
    ['title', 'title'],
    ['author', 'creator'],
    ['subject', 'subject'],
    ['created', 'created'],
    ['modified', 'modified'],
  ];
  for (const [key, local] of fields) {
    const value = cleanText(firstDescendant(doc.documentElement, local)?.textContent);
    if (value !== '') out[key] = value;
  }
  return out;
}
