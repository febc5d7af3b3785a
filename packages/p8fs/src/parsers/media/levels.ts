/**
 * How loud a recording's speech is, so the pause detector's threshold can follow it: a fixed
 * -35 dB misses a quiet phone recording entirely (its speech peaks at -28 dB) and finds no pause
 * in a hissy one. Streams over 16 kHz mono s16le PCM with constant memory (a dB histogram).
 */
export class LevelMeter {
  // 50 ms frames: long enough to average over a syllable, short enough to catch single words.
  private static readonly FRAME = 800;
  private readonly histogram = new Uint32Array(121); // 1 dB bins, -120..0 dBFS
  private frames = 0;
  private sum = 0;
  private inFrame = 0;
  private carry: number | null = null;

  /** Feed raw PCM bytes; chunks may split a sample. */
  add(bytes: Buffer): void {
    let i = 0;
    if (this.carry !== null && bytes.length > 0) {
      this.sample(((bytes[0]! << 8) | this.carry) << 16 >> 16);
      this.carry = null;
      i = 1;
    }
    for (; i + 1 < bytes.length; i += 2) this.sample(bytes.readInt16LE(i));
    if (i < bytes.length) this.carry = bytes[i]!;
  }

  private sample(v: number): void {
    this.sum += v * v;
    if (++this.inFrame < LevelMeter.FRAME) return;
    const rms = Math.sqrt(this.sum / LevelMeter.FRAME) / 32768;
    const db = rms > 0 ? 20 * Math.log10(rms) : -120;
    this.histogram[Math.min(120, Math.max(0, Math.round(db + 120)))]!++;
    this.frames++;
    this.sum = 0;
    this.inFrame = 0;
  }

  /** The level (dBFS) that `share` of 50 ms frames stay at or below; -120 when there are none. */
  percentileDb(share: number): number {
    const target = Math.ceil(share * this.frames);
    let seen = 0;
    for (let bin = 0; bin < this.histogram.length; bin++) {
      seen += this.histogram[bin]!;
      if (seen >= target && seen > 0) return bin - 120;
    }
    return -120;
  }
}

/** Pauses are what is 25 dB below the loud end of the recording, kept within -65..-30 dBFS. */
export function silenceThresholdDb(meter: LevelMeter): number {
  // The 95th percentile frame is speech in any recording that is at least 5% speech; if less, the
  // threshold drops toward the noise floor, which costs extra transcription calls, never lost speech.
  const speech = meter.percentileDb(0.95);
  return Math.min(-30, Math.max(-65, speech - 25));
}
