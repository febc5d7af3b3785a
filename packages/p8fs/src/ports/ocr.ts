/** Text recognised in an image. */
export interface OcrResult {
  text: string;
  /** Mean word confidence, 0..100. */
  confidence: number;
}

/** Optical character recognition over one image (PNG, JPEG, TIFF, WebP, BMP). */
export interface OcrEngine {
  readonly id: string;
  recognize(image: Buffer, opts?: { signal?: AbortSignal }): Promise<OcrResult>;
  close(): Promise<void>;
}
