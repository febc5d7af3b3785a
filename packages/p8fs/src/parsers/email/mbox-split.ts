// Splitting a Unix mailbox (RFC 4155) into messages. Works on bytes read as latin1, one char per
// byte, so every message keeps its exact original bytes whatever charset its parts use.

/** One message cut out of a mailbox. */
export interface MboxMessage {
  /** The "From " separator line, without its line break: the envelope sender and date. */
  postmark: string;
  /** The message with the separator removed and ">From " lines un-escaped. */
  bytes: Buffer;
}

// A separator is "From " at the start of a line followed by a sender and a date with a time:
// "From alice@example.com Mon Jan  1 10:00:00 2024", "From - Mon Jan 01 10:00:00 2024". Asking for
// the time keeps mboxo files (which do not escape body lines) from splitting at "From here on...".
const POSTMARK = /^From \S*[ \t].*\b\d{1,2}:\d{2}\b/;
// mboxrd escapes every body line matching ">*From " with one more '>'; un-escaping removes one.
// mboxo escaped only "From "; its ">From " lines come back as "From ", which is what was written.
const ESCAPED_FROM = /^>(>*From )/gm;

/** The messages of a mailbox, in order. Returns [] when the bytes have no separator line at all. */
export function splitMbox(bytes: Buffer): MboxMessage[] {
  const text = bytes.toString('latin1');
  const starts: number[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const lineEnd = end === -1 ? text.length : end;
    if (text.startsWith('From ', at) && POSTMARK.test(text.slice(at, Math.min(lineEnd, at + 1000)))) starts.push(at);
    at = lineEnd + 1;
  }
  return starts.map((start, i) => {
    const next = starts[i + 1] ?? text.length;
    const lineEnd = text.indexOf('\n', start);
    const bodyStart = lineEnd === -1 || lineEnd >= next ? next : lineEnd + 1;
    const postmark = text.slice(start, bodyStart).replace(/\r?\n$/, '');
    const message = dropSeparatorBlankLine(text.slice(bodyStart, next)).replace(ESCAPED_FROM, '$1');
    return { postmark, bytes: Buffer.from(message, 'latin1') };
  });
}

// RFC 4155: each message is followed by an empty line that belongs to the mailbox, not the message.
function dropSeparatorBlankLine(message: string): string {
  return message.replace(/(\r?\n)\r?\n$/, '$1');
}
