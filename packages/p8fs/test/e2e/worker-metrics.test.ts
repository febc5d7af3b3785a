import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestSummary } from '../../src/transports/cli/ingest/summary.js';
import { parsePromText, sampleValue } from '../prom-text.js';
import { assertBuilt, cleanup, p8fsJson, poll, Running, tempDir, vaultEnv } from './cli.js';

/** `p8fs worker --metrics-port`: the worker has no API port, so its metrics get a server of their own. */
describe('p8fs worker --metrics-port', () => {
  let dataDir: string;
  let files: string;
  let worker: Running | null = null;

  beforeAll(() => {
    assertBuilt();
    dataDir = tempDir('worker-metrics-data');
    files = tempDir('worker-metrics-files');
    writeFileSync(join(files, 'tide.md'), '# Tide table\n\nHigh water at the harbour mouth comes twice a day.\n');
  });

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    cleanup(dataDir, files);
  });

  it('serves GET /metrics on loopback with the jobs it ran, and nothing else', async () => {
    const env = vaultEnv(dataDir, { P8FS_WORKERS: '1' });
    const up = await p8fsJson<IngestSummary>(['ingest', join(files, 'tide.md')], env);
    expect(up.uploaded).toBe(1);
    worker = new Running(['worker', '--metrics-port', '0'], env);
    const url = await worker.until((p) => /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(p.stdout)?.[1], 'the metrics line', 60_000);
    const samples = await poll(async () => {
      const s = parsePromText(await (await fetch(url)).text());
      return (sampleValue(s, 'p8fs_jobs_total', { type: 'resources.embed', outcome: 'done' }) ?? 0) >= 1 ? s : null;
    }, 'the embed job in the worker\'s metrics');
    expect(sampleValue(samples, 'p8fs_jobs_total', { type: 'file.process', outcome: 'done' })).toBe(1);
    expect(sampleValue(samples, 'p8fs_parse_duration_seconds_count', { parser: 'markdown', outcome: 'ok' })).toBe(1);
    // A vault on disk: PGlite's one session, idle or held, and who waits for it.
    expect(sampleValue(samples, 'p8fs_db_pool_connections', { state: 'total' })).toBe(1);
    expect(sampleValue(samples, 'p8fs_queue_depth', { tier: 'small' })).toBe(0);
    expect((await fetch(url.replace('/metrics', '/api/v1/status'))).status).toBe(404);
    expect(await worker.stop('SIGTERM')).toBe(0);
  }, 180_000);
});
