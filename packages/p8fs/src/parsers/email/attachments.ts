import type { ChildFile, RejectedMember } from '../../domain/document.js';
import { AppError } from '../../domain/errors.js';
import type { ParseLimits } from '../../ports/parser.js';
import type { AttachmentSummary } from './mail-document.js';
import { NameAllocator } from './names.js';

/** An attachment as a mail library hands it over, before naming and limits. */
export interface RawAttachment {
  /** The sender's file name, unchecked. */
  name: string | null;
  bytes: Buffer;
  mimeType: string | null;
  metadata?: Record<string, unknown>;
}

/** Attachments turned into child files, with what was refused and what the message text lists. */
export interface AttachmentSet {
  children: ChildFile[];
  rejected: RejectedMember[];
  summaries: AttachmentSummary[];
}

/**
 * Name attachments safely under `attachments/` and apply the container limits: too many
 * attachments or too many bytes in all fail the message; one oversized attachment is refused
 * and the rest go on.
 */
export function attachmentChildren(raw: readonly RawAttachment[], limits: ParseLimits): AttachmentSet {
  if (raw.length > limits.maxMembers) {
    throw new AppError('parser.limit_exceeded', `message has ${raw.length} attachments; the limit is ${limits.maxMembers}`);
  }
  const names = new NameAllocator();
  const out: AttachmentSet = { children: [], rejected: [], summaries: [] };
  let total = 0;
  for (const [i, a] of raw.entries()) {
    const name = names.allocate(a.name, `attachment-${i + 1}`, a.mimeType ?? undefined);
    const path = `attachments/${name}`;
    out.summaries.push({ name, size: a.bytes.length, mime: a.mimeType });
    if (a.bytes.length > limits.maxMemberBytes) {
      out.rejected.push({ path, code: 'parser.limit_exceeded', reason: `attachment is ${a.bytes.length} bytes; the limit is ${limits.maxMemberBytes}` });
      continue;
    }
    total += a.bytes.length;
    if (total > limits.maxExpandedBytes) {
      throw new AppError('parser.limit_exceeded', `attachments exceed ${limits.maxExpandedBytes} bytes in all`);
    }
    const metadata: Record<string, unknown> = { ...a.metadata };
    // Keep the name the sender gave when we had to change it, so it can still be found.
    if (a.name !== null && a.name !== name) metadata.original_name = a.name;
    const child: ChildFile = { path, bytes: a.bytes };
    if (a.mimeType !== null) child.mimeType = a.mimeType;
    if (Object.keys(metadata).length > 0) child.metadata = metadata;
    out.children.push(child);
  }
  return out;
}
