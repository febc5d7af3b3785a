/** A stretch of transcribed speech, in seconds from the start of the audio given. */
export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
}

export interface Transcript {
  text: string;
  /** Provider-side segments when the provider returns them (OpenAI verbose_json); else absent. */
  segments?: TranscriptSegment[];
}

/**
 * Speech to text. Input is always 16 kHz mono 16-bit PCM WAV (ffmpeg makes it), so every provider
 * gets the same audio. Providers differ a lot in quality; docs/decisions says which gives what.
 */
export interface Transcriber {
  readonly id: string;
  /** One line for `p8fs providers` and the docs: what quality to expect. */
  readonly quality: string;
  /** True for an engine whose transcripts are known to be unreliable (offline PocketSphinx): files and hits say so. */
  readonly lowAccuracy?: boolean;
  transcribe(wav: Buffer, opts?: { language?: string; signal?: AbortSignal }): Promise<Transcript>;
}
