import { describe, expect, it } from 'vitest';
import { LevelMeter, silenceThresholdDb } from './levels.js';

/** s16le PCM of `seconds` of a sine at `amplitude` (0..1 of full scale); 0 gives digital silence. */
function sine(seconds: number, amplitude: number): Buffer {
  const n = Math.round(seconds * 16_000);
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * 440 * i) / 16_000)), i * 2);
  return b;
}

const meter = (...parts: Buffer[]) => {
  const m = new LevelMeter();
  for (const p of parts) m.add(p);
  return m;
};

describe('LevelMeter', () => {
  it('measures a sine at its RMS level (peak - 3 dB)', () => {
    const m = meter(sine(2, 0.5));
    expect(m.percentileDb(0.5)).toBe(-9);
    expect(m.percentileDb(0.95)).toBe(-9);
  });

  it('gives the same answer however the bytes are chunked, odd splits included', () => {
    const pcm = Buffer.concat([sine(1, 0), sine(1, 0.05)]);
    const whole = meter(pcm);
    const pieces = meter(pcm.subarray(0, 1001), pcm.subarray(1001, 20_003), pcm.subarray(20_003));
    for (const p of [0.25, 0.5, 0.95]) expect(pieces.percentileDb(p)).toBe(whole.percentileDb(p));
    expect(whole.percentileDb(0.25)).toBe(-120);
    expect(whole.percentileDb(0.95)).toBe(-29);
  });
});

describe('silenceThresholdDb', () => {
  it('sits 25 dB under the loud end of the recording', () => {
    expect(silenceThresholdDb(meter(sine(1, 0), sine(2, 0.05)))).toBe(-54);
  });

  it('stays within -65..-30 dB', () => {
    expect(silenceThresholdDb(meter(sine(2, 1)))).toBe(-30);
    expect(silenceThresholdDb(meter(sine(2, 0)))).toBe(-65);
    expect(silenceThresholdDb(new LevelMeter())).toBe(-65);
  });
});
