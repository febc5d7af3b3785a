import { type ZipArchive, attr, childElements, resolvePart } from '../shared/zip-xml.js';

/** The namespace of r:id and friends; sldId also has a plain "id", so the namespace must be checked. */
export const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** An element's r:id (relationship reference), or ''. */
export const relId = (el: Element): string => el.getAttributeNS(REL_NS, 'id') ?? '';

/** One OPC relationship: its type URI's last segment (slide, notesSlide, chart, ...) and the resolved part path. */
export interface Relationship {
  type: string;
  target: string;
  external: boolean;
}

/** The relationships of a part (its _rels/<name>.rels), by id; empty when the part has none. */
export async function readRels(zip: ZipArchive, part: string): Promise<Map<string, Relationship>> {
  const slash = part.lastIndexOf('/');
  const relsPath = `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
  const doc = await zip.xml(relsPath);
  const rels = new Map<string, Relationship>();
  if (doc === null) return rels;
  for (const rel of childElements(doc.documentElement, 'Relationship')) {
    const id = attr(rel, 'Id');
    const target = attr(rel, 'Target');
    if (id === null || target === null) continue;
    const external = attr(rel, 'TargetMode') === 'External';
    const type = (attr(rel, 'Type') ?? '').split('/').pop() ?? '';
    rels.set(id, { type, target: external ? target : resolvePart(part, target), external });
  }
  return rels;
}

/** The first relationship of a type, if any. */
export const relOfType = (rels: Map<string, Relationship>, type: string): Relationship | undefined =>
  [...rels.values()].find((r) => r.type === type);
