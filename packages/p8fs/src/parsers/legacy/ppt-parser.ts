import { AppError } from '../../domain/errors.js';
import type { Block, Parser } from '../../ports/parser.js';
import { type CompoundFile, corrupt, openCompoundFile } from './cfb.js';
import { atomText, children, type PptRecord, RT, recordAt, TEXT_TYPE } from './ppt-records.js';
import { summaryInfo } from './summary-info.js';

// CurrentUserAtom header tokens: the second marks an encrypted presentation.
const TOKEN_ENCRYPTED = 0xf3d1c4df;
const SLIDES_LIST = 0;
const NOTES_LIST = 2;

/**
 * PowerPoint 97-2003 (.ppt/.pps/.pot), read in-process from its binary records. catppt (catdoc)
 * was the first choice, but it prints only the text kept in the document's slide lists, which
 * PowerPoint 2007 and later leave empty: for their .ppt files it prints the theme name and
 * nothing else. Slides come in presentation order through the persist directory, each a
 * "Slide N: title" heading, its text boxes (table cells included) and its speaker notes.
 */
export const pptParser: Parser = {
  id: 'ppt',
  version: 1,
  mediaTypes: ['application/vnd.ms-powerpoint'],
  extensions: ['.ppt', '.pps', '.pot'],
  containers: ['application/x-cfb'],
  async parse({ bytes, name }) {
    const cfb = openCompoundFile(bytes, name);
    const stream = presentationStream(cfb, name);
    const slides = readSlides(stream, currentEditOffset(cfb, name), name);
    const blocks: Block[] = [];
    let firstTitle: string | null = null;
    for (const [i, slide] of slides.entries()) {
      firstTitle ??= slide.title;
      const body = slide.texts.flatMap(paragraphs);
      const notes = slide.notes.flatMap(paragraphs);
      if (slide.title === null && body.length === 0 && notes.length === 0) continue;
      blocks.push({ kind: 'heading', level: 2, text: slide.title === null ? `Slide ${i + 1}` : `Slide ${i + 1}: ${oneLine(slide.title)}` }, ...body);
      if (notes.length > 0) blocks.push({ kind: 'heading', level: 3, text: 'Notes' }, ...notes);
    }
    if (blocks.length === 0) throw new AppError('parser.failed', `${name} has no text on any slide`, { name });
    const info = summaryInfo(cfb);
    return { title: info.title ?? (firstTitle === null ? null : oneLine(firstTitle)), blocks, metadata: { ...info, slides: slides.length } };
  },
};

interface SlideText {
  title: string | null;
  /** Text boxes in drawing order, the title excluded. */
  texts: string[];
  notes: string[];
}

function presentationStream(cfb: CompoundFile, name: string): Buffer {
  const stream = cfb.stream('PowerPoint Document');
  if (stream !== null) return stream;
  if (cfb.stream('EncryptionInfo') !== null) throw encrypted(name);
  throw corrupt(name, 'it has no "PowerPoint Document" stream, so it is not a PowerPoint 97-2003 presentation');
}

const encrypted = (name: string): AppError =>
  new AppError('parser.encrypted', `${name} is password-protected (encrypted); remove the password in PowerPoint and upload it again`, { name });

/** Where the newest UserEditAtom is, from the "Current User" stream; null when that stream is unusable. */
function currentEditOffset(cfb: CompoundFile, name: string): number | null {
  if (cfb.stream('EncryptedSummary') !== null) throw encrypted(name);
  const user = cfb.stream('Current User');
  if (user === null) return null;
  const atom = recordAt(user, 0);
  if (atom === null || atom.type !== RT.currentUserAtom || atom.start + 12 > user.length) return null;
  if (user.readUInt32LE(atom.start + 4) === TOKEN_ENCRYPTED) throw encrypted(name);
  return user.readUInt32LE(atom.start + 8);
}

/**
 * Slides in presentation order. The persist directory maps persist ids to record offsets; later
 * edits are appended to the stream, so the newest mapping of each id wins. Without a usable edit
 * chain the slide containers are taken in stream order, which is how most writers lay them out.
 */
function readSlides(stream: Buffer, editOffset: number | null, name: string): SlideText[] {
  const persist = editOffset === null ? null : persistDirectory(stream, editOffset);
  const document = persist === null ? null : recordAt(stream, persist.offsets.get(persist.documentRef) ?? -1);
  if (persist === null || document === null || document.type !== RT.document) {
    return topLevel(stream)
      .filter((r) => r.type === RT.slide)
      .map((r) => slideText(stream, r, [], []));
  }
  const lists = children(stream, document).filter((r) => r.type === RT.slideListWithText);
  const slideList = listTexts(stream, lists.find((r) => r.instance === SLIDES_LIST));
  const notesList = listTexts(stream, lists.find((r) => r.instance === NOTES_LIST));
  const slides: SlideText[] = [];
  for (const entry of slideList) {
    const slide = recordAt(stream, persist.offsets.get(entry.persistId) ?? -1);
    if (slide === null || slide.type !== RT.slide) throw corrupt(name, `slide ${slides.length + 1} points at a record that is not a slide`);
    const notesRef = notesIdRef(stream, slide);
    const notes = notesRef === null ? null : recordAt(stream, persist.offsets.get(notesRef) ?? -1);
    const notesTexts = notes !== null && notes.type === RT.notes ? drawingTexts(stream, notes).filter((t) => t.type === TEXT_TYPE.notes) : [];
    const listNotes = notesList.find((n) => n.persistId === notesRef)?.texts.filter((t) => t.type === TEXT_TYPE.notes) ?? [];
    slides.push(slideText(stream, slide, entry.texts, [...notesTexts, ...listNotes].map((t) => t.text)));
  }
  return slides;
}

interface PersistDirectory {
  offsets: Map<number, number>;
  documentRef: number;
}

function persistDirectory(stream: Buffer, editOffset: number): PersistDirectory | null {
  const offsets = new Map<number, number>();
  let documentRef: number | null = null;
  const seen = new Set<number>();
  for (let at = editOffset; at !== 0 && !seen.has(at); ) {
    seen.add(at);
    const edit = recordAt(stream, at);
    if (edit === null || edit.type !== RT.userEditAtom || edit.end - edit.start < 20) return null;
    documentRef ??= stream.readUInt32LE(edit.start + 16);
    const dir = recordAt(stream, stream.readUInt32LE(edit.start + 12));
    if (dir === null || dir.type !== RT.persistDirectoryAtom) return null;
    for (let p = dir.start; p + 4 <= dir.end; ) {
      const head = stream.readUInt32LE(p);
      const first = head & 0xfffff;
      const count = head >>> 20;
      p += 4;
      for (let k = 0; k < count && p + 4 <= dir.end; k++, p += 4) {
        // The newest edit is read first, so an id already mapped keeps its newer offset.
        if (!offsets.has(first + k)) offsets.set(first + k, stream.readUInt32LE(p));
      }
    }
    at = stream.readUInt32LE(edit.start + 8);
  }
  return documentRef === null ? null : { offsets, documentRef };
}

interface TypedText {
  type: number;
  text: string;
}

/** A slide list's entries: each SlidePersistAtom and the placeholder texts that follow it. */
function listTexts(stream: Buffer, list: PptRecord | undefined): { persistId: number; texts: TypedText[] }[] {
  if (list === undefined) return [];
  const out: { persistId: number; texts: TypedText[] }[] = [];
  let type: number = TEXT_TYPE.other;
  for (const r of children(stream, list)) {
    if (r.type === RT.slidePersistAtom && r.end - r.start >= 4) out.push({ persistId: stream.readUInt32LE(r.start), texts: [] });
    else if (r.type === RT.textHeaderAtom && r.end - r.start >= 4) type = stream.readUInt32LE(r.start);
    else {
      const text = atomText(stream, r);
      if (text !== null) out.at(-1)?.texts.push({ type, text });
    }
  }
  return out;
}

/** The notes page a slide links to (SlideAtom.notesIdRef), or null when it has none. */
function notesIdRef(stream: Buffer, slide: PptRecord): number | null {
  const atom = children(stream, slide).find((r) => r.type === RT.slideAtom);
  if (atom === undefined || atom.end - atom.start < 20) return null;
  const ref = stream.readUInt32LE(atom.start + 16);
  return ref === 0 ? null : ref;
}

/**
 * Texts of a slide or notes drawing in record order (depth first, iteratively: hostile files may
 * nest deeply). An OutlineTextRefAtom stands for the index-th text of the slide's list entry.
 */
function drawingTexts(stream: Buffer, root: PptRecord, listed: readonly TypedText[] = []): (TypedText & { ref?: number })[] {
  const out: (TypedText & { ref?: number })[] = [];
  const stack: PptRecord[] = [root];
  let type: number = TEXT_TYPE.other;
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (r.container) {
      stack.push(...children(stream, r).reverse());
      continue;
    }
    if (r.type === RT.textHeaderAtom && r.end - r.start >= 4) type = stream.readUInt32LE(r.start);
    else if (r.type === RT.outlineTextRefAtom && r.end - r.start >= 4) {
      const index = stream.readUInt32LE(r.start);
      const ref = listed[index];
      if (ref !== undefined) out.push({ ...ref, ref: index });
    } else {
      const text = atomText(stream, r);
      if (text !== null) out.push({ type, text });
    }
  }
  return out;
}

function slideText(stream: Buffer, slide: PptRecord, listed: readonly TypedText[], notes: string[]): SlideText {
  const texts = drawingTexts(stream, slide, listed);
  // Writers that keep placeholder text only in the slide list, without references to it.
  if (!texts.some((t) => t.ref !== undefined)) for (const t of listed) if (!texts.some((d) => d.text === t.text)) texts.push(t);
  const titleAt = texts.findIndex((t) => (t.type === TEXT_TYPE.title || t.type === TEXT_TYPE.centerTitle) && clean(t.text) !== '');
  return {
    title: titleAt === -1 ? null : clean(texts[titleAt]!.text),
    texts: texts.filter((_, i) => i !== titleAt).map((t) => t.text),
    notes,
  };
}

function topLevel(stream: Buffer): PptRecord[] {
  return children(stream, { type: 0, instance: 0, start: 0, end: stream.length, container: true });
}

/**
 * PowerPoint ends paragraphs with \r and soft line breaks with \v; other control characters are
 * field placeholders (slide numbers, dates) with no text of their own.
 */
const clean = (text: string): string =>
  text
    .replace(/\v/g, '\n')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping PowerPoint's control characters is the point
    .replace(/[\u0000-\u0008\u000e-\u001f]/g, '')
    .trim();

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** One text box as paragraph blocks, one per PowerPoint paragraph. */
function paragraphs(text: string): Block[] {
  return clean(text)
    .split('\r')
    .map((p) => p.replace(/[ \t]+/g, ' ').trim())
    .filter((p) => p !== '')
    .map((p) => ({ kind: 'paragraph', text: p }));
}
