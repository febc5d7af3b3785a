/**
 * Whether and where to export traces, from the standard OTEL_* variables (decision 0024). Pure: the
 * entrypoint passes its environment, so this module never reads the environment itself and tests pass objects.
 */
export interface TracingSettings {
  serviceName: string;
  /** The OTLP/HTTP traces URL (…/v1/traces); spans are sent as JSON. */
  url: string;
  headers: Record<string, string>;
  resourceAttributes: Record<string, string>;
  sampler: SamplerSetting;
  /** Settings we read but do not follow, to be logged once at start. */
  warnings: string[];
}

export type SamplerSetting =
  | { kind: 'always_on' | 'always_off' | 'parentbased_always_on' | 'parentbased_always_off' }
  | { kind: 'traceidratio' | 'parentbased_traceidratio'; ratio: number };

type Env = Readonly<Record<string, string | undefined>>;

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

/**
 * Null (tracing off) unless an OTLP endpoint is named (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
 * OTEL_EXPORTER_OTLP_ENDPOINT) or OTEL_TRACES_EXPORTER says otlp, and neither OTEL_SDK_DISABLED=true
 * nor OTEL_TRACES_EXPORTER=none turns it off. Unset, the SDK's default would send to localhost:4318
 * from every CLI command; an operator who wants traces says where.
 */
export function tracingSettings(env: Env, defaultServiceName: string): TracingSettings | null {
  const val = (k: string) => env[k]?.trim() || undefined;
  if (val('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return null;
  const exporters = (val('OTEL_TRACES_EXPORTER') ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean);
  if (exporters.includes('none')) return null;
  const tracesUrl = val('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseUrl = val('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!tracesUrl && !baseUrl && !exporters.includes('otlp')) return null;
  const warnings: string[] = [];
  const other = exporters.filter((e) => e !== 'otlp');
  if (other.length > 0) warnings.push(`OTEL_TRACES_EXPORTER ${other.join(',')} is not supported; exporting OTLP only`);
  const protocol = val('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? val('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol && protocol !== 'http/json') warnings.push(`OTLP protocol ${protocol} is not supported; sending http/json`);
  const attrs = parsePairs(val('OTEL_RESOURCE_ATTRIBUTES'));
  return {
    serviceName: val('OTEL_SERVICE_NAME') ?? attrs['service.name'] ?? defaultServiceName,
    // The signal-specific URL is used as given; the base URL gets the signal's path (the OTLP spec).
    url: tracesUrl ?? `${(baseUrl ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`,
    headers: { ...parsePairs(val('OTEL_EXPORTER_OTLP_HEADERS')), ...parsePairs(val('OTEL_EXPORTER_OTLP_TRACES_HEADERS')) },
    resourceAttributes: attrs,
    sampler: samplerOf(val('OTEL_TRACES_SAMPLER'), val('OTEL_TRACES_SAMPLER_ARG'), warnings),
    warnings,
  };
}

/** OTEL_TRACES_SAMPLER (+ _ARG for the ratio ones); the spec's default is parentbased_always_on. */
function samplerOf(name: string | undefined, arg: string | undefined, warnings: string[]): SamplerSetting {
  const kind = (name ?? 'parentbased_always_on').toLowerCase() as (typeof SAMPLERS)[number];
  if (!SAMPLERS.includes(kind)) {
    warnings.push(`OTEL_TRACES_SAMPLER ${name} is not supported; using parentbased_always_on`);
    return { kind: 'parentbased_always_on' };
  }
  if (kind !== 'traceidratio' && kind !== 'parentbased_traceidratio') return { kind };
  const ratio = arg === undefined ? 1 : Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    warnings.push(`OTEL_TRACES_SAMPLER_ARG ${arg} is not a ratio in [0, 1]; using 1`);
    return { kind, ratio: 1 };
  }
  return { kind, ratio };
}

/** The `k=v,k2=v2` lists of OTEL_RESOURCE_ATTRIBUTES and the header variables (values percent-encoded). */
function parsePairs(list: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (list ?? '').split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}
