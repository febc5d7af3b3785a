import { AppError } from '../../domain/errors.js';
import { TOOL_PACKAGES, type ToolRunner } from '../../ports/tools.js';
import type { Transcriber } from '../../ports/transcriber.js';
import { OPENAI_TRANSCRIBER_DEFAULT_MODEL, OPENAI_TRANSCRIBER_DEFAULT_URL, OpenAiTranscriber } from './openai.js';
import { POCKETSPHINX_TOOL, PocketsphinxTranscriber } from './pocketsphinx.js';

export type TranscriberProvider = 'none' | 'auto' | 'pocketsphinx' | 'openai';

/** The config a transcriber is built from (config keys transcriber, transcriberUrl, transcriberApiKey, transcriberModel). */
export interface TranscriberConfig {
  provider: TranscriberProvider;
  url?: string;
  apiKey?: string;
  model?: string;
  /** Per-request limit for the openai provider; default 10 minutes (a 30 s slice takes seconds). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * The configured transcriber, or null for 'none' (and for 'auto' when pocketsphinx is not
 * installed): parsers then fail audio with transcriber.unavailable instead of storing nothing.
 */
export async function createTranscriber(cfg: TranscriberConfig, tools: ToolRunner): Promise<Transcriber | null> {
  switch (cfg.provider) {
    case 'none':
      return null;
    case 'auto':
      return (await tools.which(POCKETSPHINX_TOOL)) === null ? null : new PocketsphinxTranscriber(tools);
    case 'pocketsphinx':
      if ((await tools.which(POCKETSPHINX_TOOL)) === null)
        throw new AppError(
          'transcriber.unavailable',
          `transcriber is pocketsphinx but ${POCKETSPHINX_TOOL} is not installed: install it with \`apt-get install ${TOOL_PACKAGES[POCKETSPHINX_TOOL]}\``,
        );
      return new PocketsphinxTranscriber(tools);
    case 'openai':
      // OpenAI itself needs a key; a self-hosted server (transcriberUrl) usually does not.
      if (!cfg.url && !cfg.apiKey)
        throw new AppError('config.invalid', 'transcriber openai needs transcriberApiKey (for api.openai.com) or transcriberUrl (a self-hosted Whisper server)');
      return new OpenAiTranscriber({
        baseUrl: cfg.url ?? OPENAI_TRANSCRIBER_DEFAULT_URL,
        apiKey: cfg.apiKey,
        model: cfg.model ?? OPENAI_TRANSCRIBER_DEFAULT_MODEL,
        timeoutMs: cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
    default:
      throw new AppError('config.invalid', `unknown transcriber "${String(cfg.provider satisfies never)}"`);
  }
}

export { OpenAiTranscriber, transcriptionsEndpoint } from './openai.js';
export { parsePocketsphinxOutput, PocketsphinxTranscriber } from './pocketsphinx.js';
