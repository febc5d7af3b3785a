/** One member as `7z l -slt` describes it. */
export interface SevenZipMember {
  /** The name exactly as the archive stores it. */
  path: string;
  size: number;
  /** Packed size of the member's block, on the block's first member only. */
  packed: number | null;
  /** Solid block index; members of one block are compressed together. null when stored in none (empty files). */
  block: string | null;
  directory: boolean;
  /** First letter of the Unix mode (l, c, b, p, s, d, -), when the archive recorded one. */
  unixType: string | null;
  encrypted: boolean;
}

const SEPARATOR = /^-{10}$/m;

/**
 * Parse the technical listing. Members follow the '----------' line as blank-line separated
 * 'Key = Value' records. A line without ' = ' continues the previous value: a file name with a
 * line break in it ends up with the break, and is then refused for its control character.
 */
export function parseSevenZipListing(stdout: string): SevenZipMember[] | null {
  const at = stdout.search(SEPARATOR);
  if (at < 0) return null;
  const records: Map<string, string>[] = [];
  let record = new Map<string, string>();
  let lastKey: string | null = null;
  for (const line of stdout.slice(at).split('\n').slice(1)) {
    if (line.trim() === '') {
      if (record.size > 0) records.push(record);
      record = new Map();
      lastKey = null;
      continue;
    }
    const eq = line.indexOf(' = ');
    if (eq < 0) {
      if (lastKey !== null) record.set(lastKey, `${record.get(lastKey) ?? ''}\n${line}`);
      continue;
    }
    lastKey = line.slice(0, eq);
    record.set(lastKey, line.slice(eq + 3));
  }
  if (record.size > 0) records.push(record);
  return records.filter((r) => r.has('Path')).map(toMember);
}

function toMember(r: Map<string, string>): SevenZipMember {
  const attributes = r.get('Attributes') ?? '';
  // e.g. "A -rw-r--r--", "D drwxr-xr-x", "A lrwxrwxrwx"; Windows archives carry only the DOS letters.
  const unix = /\s([-dlcbps])[-rwxsStT]{9}$/.exec(attributes);
  const packed = r.get('Packed Size') ?? '';
  const block = r.get('Block') ?? '';
  return {
    path: r.get('Path')!,
    size: Number(r.get('Size') ?? '0') || 0,
    packed: packed === '' ? null : Number(packed),
    block: block === '' ? null : block,
    directory: r.get('Folder') === '+' || /^D/.test(attributes) || unix?.[1] === 'd',
    unixType: unix?.[1] ?? null,
    encrypted: r.get('Encrypted') === '+',
  };
}
