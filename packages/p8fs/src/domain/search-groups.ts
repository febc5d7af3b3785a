import type { SearchDuplicate, SearchHit, SearchPassage } from '@p8fs/contracts';

/** Other passages of a file shown under its best one (decision 0022). */
export const MAX_PASSAGES = 3;

/** A ranked hit with what grouping compares: its file's content hash and its own. */
export interface GroupableHit {
  hit: SearchHit;
  fileHash: string | null;
  contentHash: string;
}

interface Group {
  lead: SearchHit;
  fileId: string | null;
  passages: SearchPassage[];
  duplicates: SearchDuplicate[];
  seenFiles: Set<string>;
}

/**
 * One hit per file, in rank order: a file's best passage ranks it and its next matching passages
 * ride along; a file with the same content hash as one already shown (the same PDF stored three
 * times), or a passage with the same text as one already shown, becomes a duplicate of that hit.
 */
export function groupByFile(ranked: readonly GroupableHit[], limit: number, maxPassages = MAX_PASSAGES): SearchHit[] {
  const groups: Group[] = [];
  const byFileHash = new Map<string, Group>();
  const byFileId = new Map<string, Group>();
  const byText = new Map<string, Group>();
  for (const { hit, fileHash, contentHash } of ranked) {
    const sameFile = hit.file_id ? byFileId.get(hit.file_id) : undefined;
    if (sameFile) {
      if (sameFile.fileId === hit.file_id && sameFile.passages.length < maxPassages && !byText.has(contentHash)) {
        sameFile.passages.push({ resource_id: hit.resource_id, uri: hit.uri, snippet: hit.snippet, score: hit.score });
      }
      byText.set(contentHash, byText.get(contentHash) ?? sameFile);
      continue;
    }
    const copyOf = (fileHash ? byFileHash.get(fileHash) : undefined) ?? byText.get(contentHash);
    if (copyOf) {
      const key = hit.file_id ?? hit.resource_id;
      if (!copyOf.seenFiles.has(key)) {
        copyOf.seenFiles.add(key);
        copyOf.duplicates.push({ file_id: hit.file_id, resource_id: hit.resource_id, uri: hit.uri, name: hit.name });
      }
      if (hit.file_id) byFileId.set(hit.file_id, copyOf);
      continue;
    }
    if (groups.length >= limit) continue;
    const g: Group = { lead: hit, fileId: hit.file_id, passages: [], duplicates: [], seenFiles: new Set([hit.file_id ?? hit.resource_id]) };
    groups.push(g);
    if (hit.file_id) byFileId.set(hit.file_id, g);
    if (fileHash) byFileHash.set(fileHash, g);
    byText.set(contentHash, g);
  }
  return groups.map((g) => ({
    ...g.lead,
    passages: g.passages,
    ...(g.duplicates.length > 0 ? { duplicates: g.duplicates } : {}),
  }));
}
