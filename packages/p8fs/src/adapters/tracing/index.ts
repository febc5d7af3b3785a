import type { Logger } from '../../ports/logger.js';
import { NO_TRACING, type Tracing } from '../../ports/tracing.js';
import { tracingSettings } from './settings.js';

export { tracingSettings } from './settings.js';

/**
 * The tracing of one process from its OTEL_* variables (decision 0024): NO_TRACING when they leave
 * it off, and then no OpenTelemetry module is loaded at all (the SDK is imported on demand).
 */
export async function createTracing(
  env: Readonly<Record<string, string | undefined>>, defaultServiceName: string, version: string, log?: Logger,
): Promise<Tracing> {
  const settings = tracingSettings(env, defaultServiceName);
  if (!settings) return NO_TRACING;
  for (const w of settings.warnings) log?.warn({}, w);
  const { createOtelTracing } = await import('./otel.js');
  log?.debug({ url: settings.url, service: settings.serviceName, sampler: settings.sampler.kind }, 'tracing to OTLP');
  return createOtelTracing(settings, version);
}
