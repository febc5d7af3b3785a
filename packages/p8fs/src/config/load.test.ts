import { describe, expect, it } from 'vitest';
import { envName, flagName, loadConfig } from './load.js';

describe('config', () => {
  it('has working local defaults', () => {
    const c = loadConfig({ HOME: '/home/x' });
    expect(c.storageProvider).toBe('pglite');
    expect(c.embeddingProvider).toBe('use-lite');
    expect(c.port).toBe(8808);
    expect(c.blobDir).toBe(`${c.dataDir}/blobs`);
  });

  it('reads P8FS_* variables and lets flags override them', () => {
    const c = loadConfig({ P8FS_DATA_DIR: '/tmp/v', P8FS_PORT: '9000', P8FS_WORKERS: '3' }, { port: 9100 });
    expect(c).toMatchObject({ dataDir: '/tmp/v', port: 9100, workers: 3, blobDir: '/tmp/v/blobs' });
  });

  it('lists every problem at once, naming the variable and the flag', () => {
    let message = '';
    try {
      loadConfig({ P8FS_PORT: 'abc', P8FS_EMBEDDING_PROVIDER: 'nope', P8FS_STORAGE_PROVIDER: 'postgres' });
    } catch (err) {
      expect(err).toMatchObject({ code: 'config.invalid' });
      message = (err as Error).message;
    }
    expect(message).toContain('P8FS_PORT / --port');
    expect(message).toContain('P8FS_EMBEDDING_PROVIDER / --embedding-provider');
    expect(message).toContain('P8FS_PG_URL / --pg-url');
    expect(message).toContain('P8FS_MASTER_KEY / --master-key');
  });

  it('maps keys to env and flag names', () => {
    expect(envName('chunkOverlapTokens')).toBe('P8FS_CHUNK_OVERLAP_TOKENS');
    expect(flagName('chunkOverlapTokens')).toBe('chunk-overlap-tokens');
  });
});
