import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { AppError, errorMessage } from '../../domain/errors.js';

/** The `file` part of a multipart upload as it streams in, with the fields sent before it. */
export interface FilePart {
  filename: string | undefined;
  mimeType: string;
  /** text fields that preceded the file part */
  fields: Readonly<Record<string, string>>;
  body: AsyncIterable<Uint8Array>;
}

// Text fields are small (a path, a JSON object); the file part is the only large thing in a form.
const LIMITS = { fieldSize: 1024 * 1024, fields: 32, parts: 64 };

/**
 * Stream the `file` part of a multipart/form-data request into `consume` without buffering it.
 * Fields must come before the file: once bytes flow to storage nothing can change the file's
 * path. A field or file after it fails the upload (400) before anything is stored.
 */
export function receiveFile<R>(req: Request, consume: (part: FilePart) => Promise<R>): Promise<R> {
  const contentType = req.headers.get('content-type') ?? '';
  if (!req.body || !/^multipart\/form-data\b/i.test(contentType)) {
    return Promise.reject(new AppError('bad_request', 'expected a multipart/form-data body with a "file" part'));
  }
  let bb: busboy.Busboy;
  try {
    // Browsers and fetch send file names as raw UTF-8; busboy's default would read them as latin1.
    bb = busboy({ headers: { 'content-type': contentType }, limits: LIMITS, defParamCharset: 'utf8' });
  } catch (err) {
    return Promise.reject(new AppError('bad_request', `malformed multipart request: ${errorMessage(err)}`));
  }
  return runForm(Readable.fromWeb(req.body as WebReadableStream<Uint8Array>), bb, consume);
}

function runForm<R>(input: Readable, bb: busboy.Busboy, consume: (part: FilePart) => Promise<R>): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const fields: Record<string, string> = {};
    const form = { started: false, trailing: null as string | null, broken: null as unknown };
    const fail = (err: unknown): void => {
      // Stop reading; the HTTP server drains or closes what the client still sends after we answer.
      input.unpipe(bb);
      // Our own errors (too large, bad field) say more than the parser noise they may cause.
      reject(err instanceof AppError || !form.broken ? err : malformed(form.broken));
    };
    const ended = new Promise<void>((res, rej) => {
      bb.once('close', res);
      bb.on('error', (err) => {
        form.broken = err;
        rej(err);
      });
    });
    ended.then(() => {
      if (!form.started) fail(new AppError('validation_failed', 'file: a "file" part is required', { issues: [{ path: 'file', message: 'required' }] }));
    }, fail);
    bb.on('field', (name, value, info) => {
      if (form.started) form.trailing ??= name;
      else if (info.valueTruncated) bb.destroy(new AppError('bad_request', `field ${name} is over ${LIMITS.fieldSize} bytes`));
      else fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      if (form.started || name !== 'file') {
        if (form.started) form.trailing ??= name;
        stream.resume();
        return;
      }
      form.started = true;
      const body = untilFormEnds(stream, ended, () => form.trailing);
      consume({ filename: info.filename, mimeType: info.mimeType, fields: { ...fields }, body }).then(resolve, fail);
    });
    input.on('error', (err) => bb.destroy(err));
    input.pipe(bb);
  });
}

/**
 * The file's bytes, then a wait for the rest of the form. Storage only commits when this ends, so
 * a part that arrives after the file (or a truncated form) aborts the write and leaves nothing.
 */
async function* untilFormEnds(stream: Readable, ended: Promise<void>, trailing: () => string | null): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) yield chunk as Uint8Array;
  await ended;
  const late = trailing();
  if (late) throw new AppError('bad_request', `part "${late}" came after "file": send path and metadata before the file part`);
}

function malformed(err: unknown): AppError {
  return err instanceof AppError ? err : new AppError('bad_request', `malformed multipart body: ${errorMessage(err)}`);
}
