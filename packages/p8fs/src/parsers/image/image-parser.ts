import sharp, { type Metadata, type Sharp } from 'sharp';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { Artifact, Block, ParsedDocument, Parser } from '../../ports/parser.js';
import { type PhotoFacts, readPhotoFacts } from './exif.js';
import { ocrBlocks, usableOcr } from './ocr-text.js';

/**
 * Largest image decoded, in pixels (100 MP: a 12000x8000 medium-format photo). A decompression bomb
 * (a few KB of PNG declaring 50000x50000) is refused from its header before any pixel is decoded.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;
const THUMBNAIL_PX = 256;
// Tesseract's time grows with pixels, and text is legible long before this size.
const MAX_OCR_SIDE = 4000;

// What the libvips inside sharp 0.35 decodes: no BMP (that needs ImageMagick) and, of HEIF, only
// AV1-coded AVIF (HEIC is HEVC, which the prebuilt libheif leaves out).
const FORMAT_NAMES: Readonly<Record<string, string>> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP', gif: 'GIF', tiff: 'TIFF', heif: 'AVIF' };

/** Raster images: dimensions, EXIF photo facts, a WebP thumbnail, and the text in the picture by OCR. */
export const imageParser: Parser = {
  id: 'image',
  version: 1,
  mediaTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff', 'image/avif'],
  extensions: ['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif'],
  async parse({ bytes, name }, ctx) {
    const meta = await readHeader(bytes);
    const facts = await readPhotoFacts(bytes, meta.exif);
    const thumbnail = await makeThumbnail(bytes);
    const metadata = imageMetadata(meta, facts);
    const blocks: Block[] = [{ kind: 'paragraph', text: caption(name, meta, facts) }];
    if (ctx.ocr === null) {
      metadata.ocr = 'off';
    } else {
      const result = await ctx.ocr.recognize(await ocrInput(bytes), { signal: ctx.signal });
      metadata.ocr = ctx.ocr.id;
      metadata.ocr_confidence = Math.round(result.confidence);
      if (usableOcr(result)) blocks.push(...ocrBlocks(result.text));
      else metadata.ocr_text = 'none';
    }
    return { title: null, blocks, metadata, artifacts: [thumbnail] } satisfies ParsedDocument;
  },
};

const open = (bytes: Buffer): Sharp => sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' });

async function readHeader(bytes: Buffer): Promise<Metadata> {
  let meta: Metadata;
  try {
    // Only the header is read here, so no pixel limit: the check below names the dimensions.
    meta = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (err) {
    throw decodeError(err);
  }
  const pixels = meta.width * meta.height;
  if (pixels > MAX_IMAGE_PIXELS) {
    throw new AppError('parser.limit_exceeded', `image is ${meta.width}x${meta.height} (${Math.round(pixels / 1e6)} megapixels), over the ${MAX_IMAGE_PIXELS / 1e6} megapixel limit`, {
      width: meta.width,
      height: meta.height,
    });
  }
  if (FORMAT_NAMES[meta.format] === undefined || (meta.format === 'heif' && meta.compression !== 'av1')) {
    throw new AppError('parser.unsupported_type', `image format ${meta.format}${meta.compression ? ` (${meta.compression})` : ''} is not supported`);
  }
  return meta;
}

/** A 256 px WebP of the first frame, upright, never enlarged. Decoding everything here also finds truncation. */
async function makeThumbnail(bytes: Buffer): Promise<Artifact> {
  try {
    const { data, info } = await open(bytes)
      .rotate()
      .resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer({ resolveWithObject: true });
    return { name: 'thumbnail', role: 'thumbnail', mimeType: 'image/webp', bytes: data, metadata: { width: info.width, height: info.height } };
  } catch (err) {
    throw decodeError(err);
  }
}

/** Upright greyscale PNG on white (transparent text would vanish), at most MAX_OCR_SIDE on its long side. */
async function ocrInput(bytes: Buffer): Promise<Buffer> {
  try {
    return await open(bytes)
      .rotate()
      .flatten({ background: '#ffffff' })
      .greyscale()
      .resize(MAX_OCR_SIDE, MAX_OCR_SIDE, { fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer();
  } catch (err) {
    throw decodeError(err);
  }
}

function decodeError(err: unknown): AppError {
  const message = errorMessage(err);
  if (/pixel limit/i.test(message)) return new AppError('parser.limit_exceeded', `image is over the ${MAX_IMAGE_PIXELS / 1e6} megapixel limit`);
  const reason = message.split('\n')[0]!.replace(/^Input (buffer|file) (has corrupt header|contains unsupported image format)?:?\s*/i, '');
  return new AppError('parser.corrupt', `image is corrupt or truncated: ${reason || message}`, { cause: message });
}

/** Width and height as displayed: EXIF orientations 5..8 turn the stored pixels a quarter. */
const displayed = (meta: Metadata): { width: number; height: number } => meta.autoOrient ?? { width: meta.width, height: meta.height };

function imageMetadata(meta: Metadata, facts: PhotoFacts): Record<string, unknown> {
  const { width, height } = displayed(meta);
  const out: Record<string, unknown> = { format: FORMAT_NAMES[meta.format], width, height };
  if ((meta.pages ?? 1) > 1) out.frames = meta.pages;
  if (facts.dateTaken !== undefined) out.date_taken = facts.dateTaken;
  if (facts.cameraMake !== undefined) out.camera_make = facts.cameraMake;
  if (facts.cameraModel !== undefined) out.camera_model = facts.cameraModel;
  if (facts.lens !== undefined) out.lens = facts.lens;
  if (facts.latitude !== undefined) out.gps_latitude = facts.latitude;
  if (facts.longitude !== undefined) out.gps_longitude = facts.longitude;
  if (facts.altitude !== undefined) out.gps_altitude = facts.altitude;
  const orientation = facts.orientation ?? meta.orientation;
  if (orientation !== undefined) out.orientation = orientation;
  return out;
}

/** One sentence per known fact, so the image is findable by name, date, camera and place. */
export function caption(name: string, meta: Metadata, facts: PhotoFacts): string {
  const { width, height } = displayed(meta);
  const frames = (meta.pages ?? 1) > 1 ? `, animated, ${meta.pages} frames` : '';
  const parts = [`Image ${name}: ${FORMAT_NAMES[meta.format]}, ${width}×${height} pixels${frames}.`];
  if (facts.dateTaken !== undefined) parts.push(`Taken ${facts.dateTaken}.`);
  const camera = cameraName(facts);
  if (camera !== null) parts.push(`Camera: ${camera}${facts.lens !== undefined ? `, lens ${facts.lens}` : ''}.`);
  else if (facts.lens !== undefined) parts.push(`Lens: ${facts.lens}.`);
  if (facts.latitude !== undefined && facts.longitude !== undefined) {
    const altitude = facts.altitude !== undefined ? `, altitude ${facts.altitude} m` : '';
    parts.push(`Location: ${formatCoordinate(facts.latitude, 'N', 'S')}, ${formatCoordinate(facts.longitude, 'E', 'W')}${altitude}.`);
  }
  return parts.join(' ');
}

/** "Canon" + "Canon EOS R6" is "Canon EOS R6", not "Canon Canon EOS R6". */
function cameraName(facts: PhotoFacts): string | null {
  const { cameraMake: make, cameraModel: model } = facts;
  if (make === undefined) return model ?? null;
  if (model === undefined) return make;
  return model.toLowerCase().startsWith(make.split(' ')[0]!.toLowerCase()) ? model : `${make} ${model}`;
}

const formatCoordinate = (deg: number, positive: string, negative: string): string => `${Math.abs(deg).toFixed(5)}° ${deg < 0 ? negative : positive}`;
