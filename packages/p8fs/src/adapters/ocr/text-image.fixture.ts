import sharp from 'sharp';

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Black text lines on white, rendered from SVG by sharp (librsvg + system DejaVu fonts): an image to OCR. */
export function textImage(lines: string[], opts: { fontSize?: number; width?: number } = {}): sharp.Sharp {
  const size = opts.fontSize ?? 40;
  const width = opts.width ?? 1000;
  const step = Math.round(size * 1.6);
  const height = step * (lines.length + 1);
  const text = lines
    .map((line, i) => `<text x="${size}" y="${step * (i + 1)}" font-family="DejaVu Sans, sans-serif" font-size="${size}" fill="black">${escapeXml(line)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${text}</svg>`;
  return sharp(Buffer.from(svg));
}
