// Hybrid logical clock (Kulkarni et al., 2014): physical milliseconds plus a counter, so a change is
// ordered after everything its device had seen when it was made, even with clocks that disagree.
// Written as "<ms, 13 digits>.<counter, 6 digits>", so comparing the strings compares the clocks.

/** One HLC value. */
export interface Hlc {
  wall: number;
  counter: number;
}

const ZERO: Hlc = { wall: 0, counter: 0 };

/** The string form (fixed width, so string order is clock order). */
export const formatHlc = (h: Hlc): string => `${String(h.wall).padStart(13, '0')}.${String(h.counter).padStart(6, '0')}`;

/** An HLC from its string form; null for anything else. */
export function parseHlc(s: string): Hlc | null {
  const m = /^(\d{13})\.(\d{6})$/.exec(s);
  return m ? { wall: Number(m[1]), counter: Number(m[2]) } : null;
}

/** A clock that issues increasing values and moves past every value it receives. */
export class HybridClock {
  private last: Hlc;

  /** now: physical time in ms (injected, so tests control it). */
  constructor(last = '', private readonly now: () => number = Date.now) {
    this.last = parseHlc(last) ?? ZERO;
  }

  /** A value for a local change: after every value issued or received so far. */
  tick(): string {
    const pt = this.now();
    this.last = pt > this.last.wall ? { wall: pt, counter: 0 } : { wall: this.last.wall, counter: this.last.counter + 1 };
    return formatHlc(this.last);
  }

  /** Take in a value seen in a record, so this device's next change sorts after it. */
  receive(remote: string): void {
    const r = parseHlc(remote);
    if (!r) return;
    if (r.wall > this.last.wall || (r.wall === this.last.wall && r.counter > this.last.counter)) this.last = r;
  }

  /** The newest value issued or received (persisted between runs). */
  current(): string {
    return formatHlc(this.last);
  }
}

/**
 * Last-writer-wins order: by HLC, then by device id, so two devices that wrote at the same clock
 * value still agree on one winner. Positive when a is newer.
 */
export function compareVersions(a: { hlc: string; device: string }, b: { hlc: string; device: string }): number {
  if (a.hlc !== b.hlc) return a.hlc < b.hlc ? -1 : 1;
  if (a.device !== b.device) return a.device < b.device ? -1 : 1;
  return 0;
}
