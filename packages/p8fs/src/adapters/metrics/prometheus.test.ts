import { describe, expect, it } from 'vitest';
import { parsePromText, sampleValue } from '../../../test/prom-text.js';
import { PrometheusMetrics } from './prometheus.js';

describe('PrometheusMetrics', () => {
  it('renders every recorded series with the p8fs_ prefix and its labels', async () => {
    const m = new PrometheusMetrics();
    m.httpRequest('/api/v1/files/{id}', 'GET', 404, 0.012);
    m.httpRequest('/api/v1/files/{id}', 'GET', 404, 0.02);
    m.jobFinished('file.process', 'done', 1.5);
    m.jobFinished('file.process', 'retry', 0.2);
    m.parsed('markdown', 'ok', 0.03);
    m.embedded('hash', 8, 0.004);
    m.searched('hybrid', 0.05);
    const { contentType, body } = await m.scrape();
    expect(contentType).toMatch(/^text\/plain/);
    const s = parsePromText(body);
    expect(sampleValue(s, 'p8fs_http_requests_total', { route: '/api/v1/files/{id}', method: 'GET', status: '404' })).toBe(2);
    expect(sampleValue(s, 'p8fs_http_request_duration_seconds_count', { route: '/api/v1/files/{id}' })).toBe(2);
    expect(sampleValue(s, 'p8fs_http_request_duration_seconds_bucket', { route: '/api/v1/files/{id}', le: '0.025' })).toBe(2);
    expect(sampleValue(s, 'p8fs_jobs_total', { type: 'file.process', outcome: 'done' })).toBe(1);
    expect(sampleValue(s, 'p8fs_jobs_total', { type: 'file.process', outcome: 'retry' })).toBe(1);
    expect(sampleValue(s, 'p8fs_job_duration_seconds_sum', { type: 'file.process', outcome: 'done' })).toBeCloseTo(1.5);
    expect(sampleValue(s, 'p8fs_parse_duration_seconds_count', { parser: 'markdown', outcome: 'ok' })).toBe(1);
    expect(sampleValue(s, 'p8fs_embedding_texts_total', { provider: 'hash' })).toBe(8);
    expect(sampleValue(s, 'p8fs_search_duration_seconds_count', { mode: 'hybrid' })).toBe(1);
    // Node's process metrics come along, prefixed too; nothing unprefixed is exposed.
    // Present, not positive: the counter grows by CPU time used since the metrics were registered,
    // which the clock's tick can round to 0 in a fresh test process.
    expect(sampleValue(s, 'p8fs_process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(s.filter((x) => !x.name.startsWith('p8fs_'))).toEqual([]);
  });

  it('reads gauges at scrape time, and a failing source leaves its gauges empty, not the scrape failed', async () => {
    const m = new PrometheusMetrics();
    let sessions = 2;
    let queueUp = true;
    m.watch({
      mcpSessions: () => sessions,
      dbPool: () => ({ total: 10, idle: 7, waiting: 1 }),
      queue: async () => {
        if (!queueUp) throw new Error('database down');
        return [{ tier: 'small', queued: 3, oldestSeconds: 4.5 }, { tier: 'large', queued: 0, oldestSeconds: 0 }];
      },
    });
    let s = parsePromText((await m.scrape()).body);
    expect(sampleValue(s, 'p8fs_mcp_sessions')).toBe(2);
    expect(sampleValue(s, 'p8fs_db_pool_connections', { state: 'idle' })).toBe(7);
    expect(sampleValue(s, 'p8fs_db_pool_connections', { state: 'waiting' })).toBe(1);
    expect(sampleValue(s, 'p8fs_queue_depth', { tier: 'small' })).toBe(3);
    expect(sampleValue(s, 'p8fs_queue_oldest_job_age_seconds', { tier: 'small' })).toBe(4.5);
    sessions = 0;
    queueUp = false;
    s = parsePromText((await m.scrape()).body);
    expect(sampleValue(s, 'p8fs_mcp_sessions')).toBe(0);
    expect(sampleValue(s, 'p8fs_queue_depth', { tier: 'small' })).toBeUndefined();
  });

  it('keeps apps apart: two registries in one process do not share counts', async () => {
    const a = new PrometheusMetrics();
    const b = new PrometheusMetrics();
    a.searched('keyword', 0.01);
    expect(sampleValue(parsePromText((await a.scrape()).body), 'p8fs_search_duration_seconds_count', { mode: 'keyword' })).toBe(1);
    expect(sampleValue(parsePromText((await b.scrape()).body), 'p8fs_search_duration_seconds_count', { mode: 'keyword' })).toBeUndefined();
  });
});
