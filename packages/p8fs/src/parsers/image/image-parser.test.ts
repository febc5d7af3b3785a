import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { testParseContext } from '../../../test/parse-context.js';
import { TesseractJsOcr } from '../../adapters/ocr/tesseract-js-ocr.js';
import { textImage } from '../../adapters/ocr/text-image.fixture.js';
import { AppError } from '../../domain/errors.js';
import type { OcrEngine, OcrResult } from '../../ports/ocr.js';
import type { ParseContext, ParsedDocument } from '../../ports/parser.js';
import { imageParser, MAX_IMAGE_PIXELS } from './image-parser.js';

const ocr = new TesseractJsOcr();
afterAll(() => ocr.close());

const parse = (bytes: Buffer, name: string, ctx: ParseContext = testParseContext()): Promise<ParsedDocument> =>
  imageParser.parse({ bytes, name, mimeType: 'image/jpeg' }, ctx);

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

/** A flat-colour picture with some structure, so encoders produce a real data stream. */
const picture = (width = 640, height = 480): sharp.Sharp =>
  sharp({ create: { width, height, channels: 3, background: '#3366aa' } }).composite([
    { input: { create: { width: Math.floor(width / 2), height: Math.floor(height / 2), channels: 3, background: '#ffcc00' } }, top: 10, left: 10 },
  ]);

/** An engine that answers what it is told: for the confidence and no-letters rules. */
const fixedOcr = (result: OcrResult): OcrEngine => ({ id: 'fixed', recognize: async () => result, close: async () => {} });

/** A valid PNG header declaring width x height, with one empty data chunk: a decompression bomb's signature. */
function pngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, deflate, no filter, no interlace
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from('789c030000000001', 'hex')), chunk('IEND', Buffer.alloc(0))]);
}

describe('imageParser', () => {
  it('keeps EXIF photo facts in metadata and the caption, and makes an upright 256 px WebP thumbnail', async () => {
    const jpeg = await picture(640, 480)
      .jpeg()
      .withExif({
        IFD0: { Make: 'Canon', Model: 'Canon EOS R6' },
        IFD2: { DateTimeOriginal: '2024:05:01 12:34:56', OffsetTimeOriginal: '+02:00', LensModel: 'RF24-105mm F4 L IS USM' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 30/1', GPSAltitudeRef: '0', GPSAltitude: '35/1' },
      })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const doc = await parse(jpeg, 'IMG_0042.jpg');
    expect(doc.metadata).toEqual({
      format: 'JPEG',
      // Orientation 6 is a quarter turn: shown 480 wide, 640 high.
      width: 480,
      height: 640,
      date_taken: '2024-05-01T12:34:56+02:00',
      camera_make: 'Canon',
      camera_model: 'Canon EOS R6',
      lens: 'RF24-105mm F4 L IS USM',
      gps_latitude: 51.5,
      gps_longitude: -0.125,
      gps_altitude: 35,
      orientation: 6,
      ocr: 'off',
    });
    expect(doc.blocks).toEqual([
      {
        kind: 'paragraph',
        text:
          'Image IMG_0042.jpg: JPEG, 480×640 pixels. Taken 2024-05-01T12:34:56+02:00. Camera: Canon EOS R6, lens RF24-105mm F4 L IS USM. ' +
          'Location: 51.50000° N, 0.12500° W, altitude 35 m.',
      },
    ]);
    const [thumb] = doc.artifacts ?? [];
    expect(thumb).toMatchObject({ name: 'thumbnail', role: 'thumbnail', mimeType: 'image/webp', metadata: { width: 192, height: 256 } });
    const thumbMeta = await sharp(thumb!.bytes).metadata();
    expect([thumbMeta.format, thumbMeta.width, thumbMeta.height]).toEqual(['webp', 192, 256]);
  });

  it('reads EXIF that exifr cannot find itself: WebP, through the block sharp extracts', async () => {
    const webp = await picture().webp().withExif({ IFD0: { Make: 'FUJIFILM', Model: 'X-T5' }, IFD2: { DateTimeOriginal: '2023:12:24 18:00:00' } }).toBuffer();
    const doc = await parse(webp, 'eve.webp');
    expect(doc.metadata).toMatchObject({ format: 'WebP', camera_make: 'FUJIFILM', camera_model: 'X-T5', date_taken: '2023-12-24T18:00:00' });
    expect(doc.blocks[0]!.text).toContain('Camera: FUJIFILM X-T5.');
  });

  it.each([
    ['png', 'PNG', (s: sharp.Sharp) => s.png()],
    ['gif', 'GIF', (s: sharp.Sharp) => s.gif()],
    ['tiff', 'TIFF', (s: sharp.Sharp) => s.tiff()],
    ['avif', 'AVIF', (s: sharp.Sharp) => s.avif()],
  ] as const)('reads %s', async (ext, format, encode) => {
    const doc = await parse(await encode(picture(300, 200)).toBuffer(), `pic.${ext}`);
    expect(doc.metadata).toMatchObject({ format, width: 300, height: 200, ocr: 'off' });
    expect(doc.blocks).toEqual([{ kind: 'paragraph', text: `Image pic.${ext}: ${format}, 300×200 pixels.` }]);
    expect(doc.artifacts?.[0]?.metadata).toEqual({ width: 256, height: 171 });
  });

  it('never enlarges a small image for its thumbnail', async () => {
    const doc = await parse(await picture(40, 30).png().toBuffer(), 'icon.png');
    expect(doc.artifacts?.[0]?.metadata).toEqual({ width: 40, height: 30 });
  });

  it('adds the text in the picture, by OCR, as paragraphs after the caption', async () => {
    const png = await textImage(['Quarterly Garden Report', '', 'Tomatoes yielded twelve kilos']).png().toBuffer();
    const doc = await parse(png, 'scan.png', testParseContext({ ocr }));
    expect(doc.blocks.map((b) => b.text)).toEqual([expect.stringMatching(/^Image scan\.png: PNG, 1000×256 pixels\.$/), 'Quarterly Garden Report', 'Tomatoes yielded twelve kilos']);
    expect(doc.metadata).toMatchObject({ ocr: 'tesseract.js' });
    expect(doc.metadata.ocr_confidence).toBeGreaterThan(80);
  });

  it('OCRs the picture the right way up, following EXIF orientation', async () => {
    // Stored turned a quarter; EXIF orientation 8 says to turn it back.
    const turned = await textImage(['Sideways label reads Basil']).rotate(90).png().toBuffer();
    const jpeg = await sharp(turned).jpeg({ quality: 95 }).withMetadata({ orientation: 8 }).toBuffer();
    const doc = await parse(jpeg, 'label.jpg', testParseContext({ ocr }));
    expect(doc.blocks.slice(1).map((b) => b.text)).toEqual(['Sideways label reads Basil']);
  });

  it('finds no text in a picture without any', async () => {
    const doc = await parse(await picture().jpeg().toBuffer(), 'plain.jpg', testParseContext({ ocr }));
    expect(doc.blocks).toHaveLength(1);
    expect(doc.metadata).toMatchObject({ ocr: 'tesseract.js', ocr_text: 'none' });
  });

  it.each([
    ['low confidence', { text: 'Rnm ii vv', confidence: 22 }],
    ['no letters', { text: '|| -- 1 ||', confidence: 91 }],
  ])('leaves out OCR output with %s', async (_why, result) => {
    const doc = await parse(await picture().png().toBuffer(), 'x.png', testParseContext({ ocr: fixedOcr(result) }));
    expect(doc.blocks).toHaveLength(1);
    expect(doc.metadata).toMatchObject({ ocr: 'fixed', ocr_text: 'none', ocr_confidence: result.confidence });
  });

  it('fails a truncated JPEG with parser.corrupt', async () => {
    const noise = Buffer.alloc(400 * 300 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
    const jpeg = await sharp(noise, { raw: { width: 400, height: 300, channels: 3 } }).jpeg().toBuffer();
    const err = await failure(parse(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'cut.jpg'));
    expect(err.code).toBe('parser.corrupt');
    expect(err.message).toMatch(/^image is corrupt or truncated: .*JPEG/);
  });

  it('fails bytes that are not an image with parser.corrupt', async () => {
    const err = await failure(parse(Buffer.from('\xff\xd8\xff\xe0 definitely not a jpeg', 'latin1'), 'fake.jpg'));
    expect(err.code).toBe('parser.corrupt');
  });

  it('refuses a decompression bomb from its header, before decoding', async () => {
    const bomb = pngHeader(50_000, 50_000);
    expect(bomb.length).toBeLessThan(100);
    const err = await failure(parse(bomb, 'bomb.png'));
    expect(err.code).toBe('parser.limit_exceeded');
    expect(err.message).toBe(`image is 50000x50000 (2500 megapixels), over the ${MAX_IMAGE_PIXELS / 1e6} megapixel limit`);
  });
});
