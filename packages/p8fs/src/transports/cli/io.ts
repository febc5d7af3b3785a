/** Where a command reads its environment and writes its output; tests pass their own. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  /** data and results: the only thing scripts parse */
  out(text: string): void;
  /** progress, notes and errors */
  err(text: string): void;
  /** stderr, for progress bars; isTTY decides between a bar and plain lines */
  stderr: NodeJS.WriteStream;
}

/** The real process streams. */
export function processIo(): CliIo {
  return {
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    stderr: process.stderr,
  };
}
