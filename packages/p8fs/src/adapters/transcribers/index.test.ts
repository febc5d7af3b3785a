import { describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { ProcessToolRunner } from '../tools/process-tool-runner.js';
import { createTranscriber } from './index.js';
import { OpenAiTranscriber } from './openai.js';
import { PocketsphinxTranscriber } from './pocketsphinx.js';

const installed = new ProcessToolRunner();
const bare = new ProcessToolRunner('/nonexistent');

describe('createTranscriber', () => {
  it('none gives no transcriber', async () => {
    expect(await createTranscriber({ provider: 'none' }, installed)).toBeNull();
  });

  it('auto picks pocketsphinx when installed and nothing otherwise', async () => {
    expect(await createTranscriber({ provider: 'auto' }, installed)).toBeInstanceOf(PocketsphinxTranscriber);
    expect(await createTranscriber({ provider: 'auto' }, bare)).toBeNull();
  });

  it('pocketsphinx explicitly requires it to be installed', async () => {
    expect(await createTranscriber({ provider: 'pocketsphinx' }, installed)).toBeInstanceOf(PocketsphinxTranscriber);
    const err = await createTranscriber({ provider: 'pocketsphinx' }, bare).catch((e: unknown) => e);
    expect(isAppError(err, 'transcriber.unavailable')).toBe(true);
    expect((err as Error).message).toMatch(/apt-get install pocketsphinx pocketsphinx-en-us/);
  });

  it('openai needs a key for api.openai.com or a self-hosted url', async () => {
    const err = await createTranscriber({ provider: 'openai' }, installed).catch((e: unknown) => e);
    expect(isAppError(err, 'config.invalid')).toBe(true);
    const hosted = await createTranscriber({ provider: 'openai', apiKey: 'k' }, installed);
    expect(hosted).toBeInstanceOf(OpenAiTranscriber);
    expect(hosted?.id).toBe('openai:whisper-1');
    const local = await createTranscriber({ provider: 'openai', url: 'http://localhost:8080', model: 'large-v3' }, installed);
    expect(local?.id).toBe('openai:localhost:8080/large-v3');
  });
});
