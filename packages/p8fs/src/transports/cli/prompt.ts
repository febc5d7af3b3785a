import { createInterface } from 'node:readline/promises';

// Questions to the person at the terminal. stdin is read only here, and only when it is a terminal:
// a script piping into p8fs must pass the answer as an option instead of hanging on a prompt.

/** True when there is a person to ask. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true;
}

/** Ask on stderr (stdout stays for results) and return the trimmed answer. */
export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
