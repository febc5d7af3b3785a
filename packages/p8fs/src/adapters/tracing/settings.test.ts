import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTestApp } from '../../../test/support.js';
import { OtlpReceiver } from '../../../test/otlp-receiver.js';
import { NO_TRACING } from '../../ports/tracing.js';
import { createTracing, tracingSettings } from './index.js';

// The SDK lives behind otel.js alone: if anything imports it in this file, the mock records it.
const sdk = vi.hoisted(() => ({ imported: 0 }));
vi.mock('./otel.js', () => {
  sdk.imported++;
  return {
    createOtelTracing: () => {
      throw new Error('the OpenTelemetry SDK was imported');
    },
  };
});

describe('tracing settings from OTEL_*', () => {
  it('is off without an endpoint, with OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none', () => {
    expect(tracingSettings({}, 'p8fs')).toBeNull();
    expect(tracingSettings({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }, 'p8fs')).toBeNull();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }, 'p8fs')).toBeNull();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }, 'p8fs')).toBeNull();
  });

  it('reads the endpoint, service name, headers, resource attributes and sampler', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'p8fs-worker')).toMatchObject({
      url: 'http://collector:4318/v1/traces', serviceName: 'p8fs-worker', sampler: { kind: 'parentbased_always_on' }, warnings: [],
    });
    const s = tracingSettings({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo.example/otlp/v1/traces', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
      OTEL_SERVICE_NAME: 'vault-a', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=home',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    }, 'p8fs');
    expect(s).toMatchObject({
      url: 'https://tempo.example/otlp/v1/traces', serviceName: 'vault-a', headers: { authorization: 'Bearer abc' },
      resourceAttributes: { 'deployment.environment': 'home' }, sampler: { kind: 'parentbased_traceidratio', ratio: 0.25 },
    });
    expect(s?.warnings).toEqual(['OTLP protocol grpc is not supported; sending http/json']);
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' }, 'p8fs')?.url).toBe('http://localhost:4318/v1/traces');
  });

  it('only adapters/tracing/otel.ts imports the OpenTelemetry packages', () => {
    const root = join(import.meta.dirname, '../..');
    const importers: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && /from '@opentelemetry\//.test(readFileSync(p, 'utf8'))) importers.push(relative(root, p));
      }
    };
    walk(root);
    expect(importers).toEqual(['adapters/tracing/otel.ts']);
  });
});

describe('with no OTEL_* variables', () => {
  const receiver = new OtlpReceiver();
  afterAll(() => receiver.stop());

  it('loads no SDK and exports nothing, even with a receiver listening', async () => {
    await receiver.start();
    const tracing = await createTracing({}, 'p8fs', 'test');
    expect(tracing).toBe(NO_TRACING);
    const app = await createTestApp({}, { tracing });
    try {
      const { createHttpApp } = await import('../../transports/http/app.js');
      const http = createHttpApp(app, { actorFor: () => app.owner });
      const fd = new FormData();
      fd.append('file', new Blob(['# Quiet\n\nNothing to see.\n'], { type: 'text/markdown' }), 'quiet.md');
      expect((await http.request('/api/v1/files', { method: 'POST', body: fd })).status).toBe(202);
    } finally {
      await app.close();
    }
    expect(sdk.imported).toBe(0);
    expect(receiver.requests).toBe(0);
  });

  it('loads the SDK only once an endpoint is set (here the mock, which refuses: proof the check above can fail)', async () => {
    await expect(createTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, 'p8fs', 'test')).rejects.toThrow(/SDK was imported/);
    expect(sdk.imported).toBe(1);
  });
});
