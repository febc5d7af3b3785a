/** Limits on one run of an external program. */
export interface ToolRunOptions {
  /** Killed (SIGKILL) after this long; the run fails with parser.timeout. */
  timeoutMs?: number;
  /** Address-space limit for the process, in MiB (prlimit --as); exceeding it fails the run. */
  memoryMb?: number;
  /** Larger stdout fails the run with parser.limit_exceeded instead of exhausting memory. */
  maxOutputBytes?: number;
  /** Bytes written to the program's stdin. */
  input?: Buffer;
  /** Working directory (a scratch folder the caller owns). */
  cwd?: string;
  signal?: AbortSignal;
}

export interface ToolResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/**
 * External programs (ffmpeg, tesseract, pdftoppm, 7z, catdoc, soffice, pocketsphinx): where they
 * are, and running them with time, memory and output limits. A parser never spawns processes itself.
 */
export interface ToolRunner {
  /** Absolute path of an installed program, or null. */
  which(name: string): Promise<string | null>;
  /**
   * Run a program. Throws parser.tool_missing (naming the Debian package to install) when it is
   * not installed, parser.timeout / parser.limit_exceeded on limits. A non-zero exit is returned,
   * not thrown: callers decide what it means.
   */
  run(name: string, args: readonly string[], opts?: ToolRunOptions): Promise<ToolResult>;
}

/** The Debian package that provides each program we use, for "install X" errors and setup. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  ffmpeg: 'ffmpeg',
  ffprobe: 'ffmpeg',
  tesseract: 'tesseract-ocr tesseract-ocr-eng',
  pdftoppm: 'poppler-utils',
  pdfinfo: 'poppler-utils',
  '7z': 'p7zip-full',
  catdoc: 'catdoc',
  xls2csv: 'catdoc',
  catppt: 'catdoc',
  soffice: 'libreoffice-core-nogui libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui',
  pocketsphinx_continuous: 'pocketsphinx pocketsphinx-en-us',
};
