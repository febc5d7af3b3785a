// Text that someone else chose (an OAuth client's self-registered name) shown to a person who
// decides on it: in a terminal, an escape sequence could rewrite the line the person reads; on any
// screen, bidi overrides and invisible characters can make one name look like another.

// Terminal escape sequences as a whole, so their parameters do not survive as text: CSI (ESC [ or
// C1 0x9B), OSC/DCS/SOS/PM/APC strings up to their terminator (BEL or ST), and two-character escapes.
const ESCAPE_SEQUENCES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
  /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\u0020-\u007e]?/g;
// Line breaks of any kind become a space: a name is one line.
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
// What is left of C0/C1 controls, and format characters: bidi embeddings, overrides and isolates,
// zero-width spaces and joiners, the BOM, soft hyphens.
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;

/**
 * A single line of plain, visible text: terminal escapes, control and format characters removed,
 * runs of white space collapsed, at most `max` characters (code points).
 */
export function displayText(input: string, max = 100): string {
  const clean = input.replace(ESCAPE_SEQUENCES, '').replace(BREAKS, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  const chars = [...clean];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : clean;
}
