import exifr from 'exifr';

/** The photo facts we keep from EXIF. Absent facts are left out, never guessed. */
export interface PhotoFacts {
  /** When the picture was taken, ISO 8601; with its UTC offset when the camera recorded one. */
  dateTaken?: string;
  cameraMake?: string;
  cameraModel?: string;
  lens?: string;
  /** Decimal degrees, north and east positive. */
  latitude?: number;
  longitude?: number;
  /** Metres above sea level (negative below). */
  altitude?: number;
  /** EXIF orientation 1..8 (1 is upright; 5..8 are turned a quarter, so width and height swap). */
  orientation?: number;
}

/**
 * Read EXIF from the block sharp extracted (JPEG APP1, PNG eXIf, WebP and AVIF EXIF chunks alike:
 * exifr itself reads neither WebP nor AVIF), or from the file itself, which for TIFF is the EXIF.
 * Broken or absent EXIF gives no facts: it never makes the image unreadable.
 */
export async function readPhotoFacts(bytes: Buffer, exifBlock: Buffer | undefined): Promise<PhotoFacts> {
  const sources = exifBlock !== undefined ? [stripExifHeader(exifBlock), bytes] : [bytes];
  for (const source of sources) {
    try {
      // Raw values: exifr turns zone-less EXIF dates into Dates in the server's time zone.
      const tags = (await exifr.parse(source, { reviveValues: false, translateValues: false, xmp: false, icc: false, iptc: false })) as unknown;
      if (isRecord(tags) && Object.keys(tags).length > 0) return facts(tags);
    } catch {
      // Not EXIF exifr understands; try the next source.
    }
  }
  return {};
}

/** sharp's EXIF block starts with the JPEG APP1 marker text "Exif\0\0", then a TIFF header exifr can read. */
function stripExifHeader(block: Buffer): Buffer {
  return block.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? block.subarray(6) : block;
}

function facts(tags: Record<string, unknown>): PhotoFacts {
  const out: PhotoFacts = {};
  const taken = exifDate(tags.DateTimeOriginal, tags.OffsetTimeOriginal) ?? exifDate(tags.CreateDate, tags.OffsetTimeDigitized);
  if (taken !== null) out.dateTaken = taken;
  const make = text(tags.Make);
  const model = text(tags.Model);
  const lens = text(tags.LensModel) ?? text(tags.Lens);
  if (make !== null) out.cameraMake = make;
  if (model !== null) out.cameraModel = model;
  if (lens !== null) out.lens = lens;
  const lat = tags.latitude;
  const lon = tags.longitude;
  if (isFiniteNumber(lat) && isFiniteNumber(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    out.latitude = round(lat, 6);
    out.longitude = round(lon, 6);
    if (isFiniteNumber(tags.GPSAltitude)) out.altitude = round(belowSeaLevel(tags.GPSAltitudeRef) ? -tags.GPSAltitude : tags.GPSAltitude, 1);
  }
  if (isFiniteNumber(tags.Orientation) && tags.Orientation >= 1 && tags.Orientation <= 8) out.orientation = tags.Orientation;
  return out;
}

/** "2024:05:01 12:34:56" (+ "+02:00") as ISO 8601; null for blanks such as "0000:00:00 00:00:00". */
function exifDate(value: unknown, offset: unknown): string | null {
  const m = typeof value === 'string' ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value.trim()) : null;
  if (m === null) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  if (y < 1800 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const zone = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim()) ? offset.trim() : '';
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`;
}

/** GPSAltitudeRef 1 means below sea level; exifr gives it raw as a one-byte array. */
function belowSeaLevel(ref: unknown): boolean {
  if (ref instanceof Uint8Array) return ref[0] === 1;
  return ref === 1;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // Cameras pad fixed-size fields with NULs and spaces.
  const t = value.replace(/\0/g, '').replace(/\s+/g, ' ').trim();
  return t === '' ? null : t;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const round = (n: number, digits: number): number => Number(n.toFixed(digits));
