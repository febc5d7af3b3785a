import { Presets, SingleBar } from 'cli-progress';
import type { CliIo } from '../io.js';

/** How an ingest reports what it is doing: a bar on a terminal, one line per file otherwise. */
export interface IngestProgress {
  /** A new phase ("upload", "index") over total files. */
  start(phase: string, total: number): void;
  /** One file finished this phase; counts is a short summary of the phase so far. */
  advance(outcome: string, uri: string, counts: string, detail?: string): void;
  /** The counts changed without a file finishing (for example a file started processing). */
  update(counts: string): void;
  stop(): void;
}

/** A bar on a TTY stderr, plain lines when piped (cli-progress prints nothing to a pipe). */
export function createProgress(io: CliIo): IngestProgress {
  return io.stderr.isTTY ? new BarProgress(io) : new LineProgress(io);
}

class BarProgress implements IngestProgress {
  private bar: SingleBar | null = null;

  constructor(private readonly io: CliIo) {}

  start(phase: string, total: number): void {
    this.stop();
    this.bar = new SingleBar(
      { format: `${phase.padEnd(6)} [{bar}] {value}/{total} | {counts}`, stream: this.io.stderr, hideCursor: true, clearOnComplete: false },
      Presets.shades_classic,
    );
    this.bar.start(total, 0, { counts: '' });
  }

  advance(_outcome: string, _uri: string, counts: string): void {
    this.bar?.increment(1, { counts });
  }

  update(counts: string): void {
    this.bar?.update({ counts });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

class LineProgress implements IngestProgress {
  constructor(private readonly io: CliIo) {}

  start(phase: string, total: number): void {
    this.io.err(`${phase}: ${total} file${total === 1 ? '' : 's'}\n`);
  }

  advance(outcome: string, uri: string, _counts: string, detail?: string): void {
    this.io.err(`${outcome.padEnd(10)} ${uri}${detail ? `  ${detail}` : ''}\n`);
  }

  update(): void {}

  stop(): void {}
}
