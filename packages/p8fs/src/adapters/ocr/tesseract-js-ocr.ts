import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { OcrEngine, OcrResult } from '../../ports/ocr.js';

type Tesseract = typeof import('tesseract.js');
type Worker = Awaited<ReturnType<Tesseract['createWorker']>>;

/**
 * The English model that ships in npm (@tesseract.js-data/eng), so OCR works offline. The
 * "best_int" build is the integer-quantised LSTM model: near "best" accuracy at "fast" speed.
 */
function bundledLangPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
}

/**
 * OCR with tesseract.js (Tesseract compiled to WebAssembly, in a worker thread): nothing to install.
 * One worker is created on first use and reused, because loading the model costs about half a
 * second; tesseract.js queues concurrent jobs on it.
 */
export class TesseractJsOcr implements OcrEngine {
  readonly id = 'tesseract.js';
  private worker: Promise<Worker> | null = null;
  /** How to fail each recognition in flight: terminating a worker leaves its jobs unsettled. */
  private readonly inFlight = new Set<(err: AppError) => void>();

  async recognize(image: Buffer, opts: { signal?: AbortSignal } = {}): Promise<OcrResult> {
    const { signal } = opts;
    if (signal?.aborted) throw cancelled();
    const worker = await this.start();
    // The listener below only hears aborts from now on.
    if (signal?.aborted) throw cancelled();
    return new Promise<OcrResult>((resolve, reject) => {
      const settle = (): void => {
        this.inFlight.delete(fail);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (err: AppError): void => {
        settle();
        reject(err);
      };
      // A job cannot be taken back from tesseract.js, only its worker killed, which would fail every
      // other parse sharing it. A cancelled caller is answered at once; the job runs out (seconds).
      const onAbort = (): void => fail(cancelled());
      this.inFlight.add(fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.recognize(image, {}, { text: true }).then(
        ({ data }) => {
          settle();
          resolve({ text: data.text, confidence: data.confidence });
        },
        (err: unknown) => fail(new AppError('parser.failed', `OCR failed: ${errorMessage(err)}`, { engine: this.id })),
      );
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    for (const fail of [...this.inFlight]) fail(new AppError('parser.failed', 'OCR was stopped: the engine was closed'));
    if (worker) await worker.then((w) => w.terminate()).catch(() => undefined);
  }

  private start(): Promise<Worker> {
    if (this.worker === null) {
      const starting = createTesseractWorker();
      // A failed start is not cached: a later call tries again.
      starting.catch(() => {
        if (this.worker === starting) this.worker = null;
      });
      this.worker = starting;
    }
    return this.worker;
  }
}

async function createTesseractWorker(): Promise<Worker> {
  const tesseract = await import('tesseract.js');
  try {
    const worker = await tesseract.createWorker('eng', tesseract.OEM.LSTM_ONLY, {
      langPath: bundledLangPath(),
      gzip: true,
      // The model is read from the package on every start. tesseract.js would otherwise cache the
      // unzipped copy (5 MB) in a cachePath: that saved no measurable start time here, and a fixed
      // path in the shared temp folder is a file another local user could plant.
      cacheMethod: 'none',
      // Without a handler tesseract.js rethrows a failed job (an unreadable image) as an uncaught
      // exception, on top of rejecting its promise; the rejection is all we need.
      errorHandler: () => {},
    });
    // tesseract.js defaults to one uniform block of text, which drops lines set in larger type
    // (letterheads) and all paragraph breaks; automatic page segmentation is what the CLI does.
    // debug_file: Tesseract's progress notes ("Estimating resolution as ...") would go to our stdout.
    await worker.setParameters({ tessedit_pageseg_mode: tesseract.PSM.AUTO, debug_file: '/dev/null' });
    return worker;
  } catch (err) {
    throw new AppError('parser.failed', `could not start tesseract.js OCR: ${errorMessage(err)}`);
  }
}

const cancelled = (): AppError => new AppError('parser.timeout', 'OCR was stopped: the parse was cancelled');
