import type { Config } from '../../config/schema.js';
import type { ParseLimits } from '../../ports/parser.js';

/**
 * Everything a parse run needs to build its context, as plain data: it crosses into parser worker
 * threads (workerData), where the OCR engine, transcriber and tool runner are built again.
 */
export interface ParseEnv {
  limits: ParseLimits;
  timeoutMs: number;
  memoryMb: number;
  ocr: Config['ocrProvider'];
  transcriber: { provider: Config['transcriber']; url?: string | undefined; apiKey?: string | undefined; model: string };
}

const MB = 1024 * 1024;

/** The parse environment a config describes. */
export function parseEnvFromConfig(c: Config): ParseEnv {
  return {
    limits: {
      maxMembers: c.archiveMaxMembers,
      maxExpandedBytes: c.archiveMaxExpandedMb * MB,
      // One member may use the whole budget, but never more than an upload may be.
      maxMemberBytes: Math.min(c.archiveMaxExpandedMb, c.maxUploadMb) * MB,
      maxRatio: c.archiveMaxRatio,
      maxDepth: c.archiveMaxDepth,
      maxMediaSeconds: c.maxMediaMinutes * 60,
      maxOcrPages: c.ocrMaxPages,
    },
    timeoutMs: c.parseTimeoutSeconds * 1000,
    memoryMb: c.parseMemoryMb,
    ocr: c.ocrProvider,
    transcriber: { provider: c.transcriber, url: c.transcriberUrl, apiKey: c.transcriberApiKey, model: c.transcriberModel },
  };
}
