// Offline checks of the deployment files (deploy/docker, deploy/compose, deploy/helm, docs/deploy.md):
// they parse, every P8FS_* variable they name is a config key and every literal value parses with
// the config schema, the images copy files that exist and install the tools the parsers need, and
// the chart's templates only read values that exist. Nothing here needs Docker, Helm or a cluster;
// `docker compose config` runs too where the compose plugin is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_KEYS, envName } from '../../src/config/load.js';
import { type ConfigKey, ConfigShape } from '../../src/config/schema.js';
import { TOOL_PACKAGES } from '../../src/ports/tools.js';
import { consumerOf, STREAM, TIERS as QUEUE_TIERS } from '../../src/adapters/queue/nats-tiers.js';
import type { App } from '../../src/app.js';
import type { OpenApiDocument } from '../../src/transports/http/openapi.js';
import { systemRoutes } from '../../src/transports/http/routes/system.js';

const ROOT = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
const at = (...p: string[]): string => join(ROOT, ...p);
const read = (...p: string[]): string => readFileSync(at(...p), 'utf8');

const COMPOSE_DIR = 'deploy/compose';
const CHART_DIR = 'deploy/helm/p8fs';
const DOCKERFILES = { api: 'deploy/docker/Dockerfile.api', worker: 'deploy/docker/Dockerfile.worker' } as const;
const TIERS: readonly string[] = QUEUE_TIERS;

/** P8FS_* names in deploy files that are not variables, with the reason. */
const NOT_VARIABLES: Record<string, string> = { P8FS_JOBS: 'the JetStream stream name (nats.stream)' };

const KEY_BY_ENV = new Map<string, string>([...CONFIG_KEYS].map((k) => [envName(k), k]));

/** A literal value the config loader would see; null where the value is not known offline. */
function checkValue(where: string, name: string, raw: unknown): string | null {
  const key = KEY_BY_ENV.get(name);
  if (!key) return `${where}: ${name} is not a config key`;
  if (raw === undefined || raw === null) return null;
  const value = String(raw);
  if (value === '') return null; // the loader ignores empty variables
  const shape = (ConfigShape.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[key];
  if (!shape) return `${where}: ${name} has no schema`;
  return shape.safeParse(value).success ? null : `${where}: ${name}=${value} is not a valid ${key}`;
}

/** The value a compose interpolation leaves when nothing is set: ${X:-d} -> d, ${X:?e} / ${X} -> unknown. */
function composeDefault(value: string): string | null {
  const whole = /^\$\{[A-Z0-9_]+(?::?-([^}]*))?(?::?\?[^}]*)?\}$/.exec(value);
  if (whole) return whole[1] ?? null;
  // Interpolation inside a longer value (a URL with a password): any plain word stands in.
  return value.replace(/\$\{[^}]*\}/g, 'x');
}

function envEntries(env: unknown): [string, unknown][] {
  if (Array.isArray(env)) return env.map((e) => { const [k, ...v] = String(e).split('='); return [k, v.length ? v.join('=') : undefined]; });
  return env && typeof env === 'object' ? Object.entries(env) : [];
}

// ---------- Dockerfiles ----------

interface Instruction { op: string; args: string }

function dockerInstructions(text: string): Instruction[] {
  const lines = text.split('\n');
  const out: Instruction[] = [];
  let cur = '';
  for (const line of lines) {
    if (/^\s*#/.test(line) && !cur) continue;
    if (/^\s*#/.test(line)) continue; // comments inside a continued instruction
    cur += `${line.replace(/\\\s*$/, '')} `;
    if (/\\\s*$/.test(line)) continue;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(cur.trim());
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim() });
    cur = '';
  }
  return out;
}

/** .dockerignore patterns as regexes over context-relative paths (a match on a parent excludes the child). */
function dockerIgnore(): { excluded(path: string): boolean } {
  const patterns = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const res = patterns.filter((p) => !p.startsWith('!')).map((p) => new RegExp(
    `^${p.replace(/^\//, '').replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(?:.*/)?').replace(/\*\*/g, '.*').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`));
  return {
    excluded: (path) => {
      const parts = path.replace(/\/$/, '').split('/');
      return parts.some((_, i) => res.some((re) => re.test(parts.slice(0, i + 1).join('/'))));
    },
  };
}

/** GET routes that answer without a token (probes must use one of these). */
function publicGetPaths(): Set<string> {
  const fakeApp = { services: { status: {} }, log: {} } as unknown as App;
  const routes = systemRoutes(fakeApp, () => ({}) as OpenApiDocument);
  return new Set(routes.filter((r) => r.method === 'get' && r.public).map((r) => r.path));
}

// ---------- Helm ----------

/** A template with its actions removed: control lines dropped, inline actions replaced by a word. */
function staticYaml(template: string): string {
  return template
    .split('\n')
    .filter((l) => !/^\s*\{\{-?[\s\S]*?-?\}\}\s*$/.test(l) || /:\s*\{\{/.test(l))
    .map((l) => l.replace(/\{\{-?[\s\S]*?-?\}\}/g, 'TEMPLATED'))
    .join('\n');
}

function valueAt(values: unknown, path: string[]): boolean {
  let cur: unknown = values;
  for (const p of path) {
    if (!cur || typeof cur !== 'object' || !(p in (cur as object))) return false;
    cur = (cur as Record<string, unknown>)[p];
  }
  return true;
}

const chartTemplates = (): string[] => readdirSync(at(CHART_DIR, 'templates')).sort();
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked by the assertions
const chartValues = (): Record<string, any> => parse(read(CHART_DIR, 'values.yaml'));

// ---------- the tests ----------

describe('compose stack', () => {
  // biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked by the assertions
  const compose = parse(read(COMPOSE_DIR, 'compose.yaml'), { merge: true }) as { services: Record<string, any>; volumes?: Record<string, unknown> };
  const services = compose.services;

  it('has the backing services, the API, the router and one worker per tier', () => {
    for (const s of ['postgres', 'seaweedfs', 'nats', 'api', 'router', ...TIERS.map((t) => `worker-${t}`)]) expect(services, s).toHaveProperty(s);
    expect(services.postgres.image).toMatch(/pgvector\/pgvector:pg1[5-8]/);
    expect(services.seaweedfs.command.join(' ')).toMatch(/weed server .*-s3\b.*-s3\.config=/s);
    expect(services.nats.image).toMatch(/nats:2/);
    expect(services.nats.command).toContain('-js');
  });

  it('gives every service an image or a build whose Dockerfile exists', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.image || s.build, `${name} has neither image nor build`).toBeTruthy();
      if (s.build) {
        const context = resolve(at(COMPOSE_DIR), typeof s.build === 'string' ? s.build : s.build.context);
        expect(existsSync(context), `${name}: build context ${context}`).toBe(true);
        expect(existsSync(join(context, s.build.dockerfile ?? 'Dockerfile')), `${name}: ${s.build.dockerfile}`).toBe(true);
      }
    }
  });

  it('runs the API without workers, each worker tier on the full image, and names only real services and volumes', () => {
    expect(services.api.command).toEqual(['serve']);
    expect(String(services.api.environment.P8FS_WORKERS)).toBe('0');
    expect(services.api.build.dockerfile).toBe(DOCKERFILES.api);
    expect(services.router.command).toEqual(['router']);
    for (const t of TIERS) {
      const w = services[`worker-${t}`];
      expect(w.command).toEqual(['worker', '--tier', t]);
      expect(w.build.dockerfile).toBe(DOCKERFILES.worker);
    }
    const volumes = new Set(Object.keys(compose.volumes ?? {}));
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) expect(services, `${name} depends on ${d}`).toHaveProperty(d);
      for (const v of s.volumes ?? []) {
        const src = String(v).split(':')[0];
        if (!src.startsWith('.') && !src.startsWith('/')) expect(volumes.has(src), `${name}: volume ${src}`).toBe(true);
      }
    }
  });

  it('sets only config keys, with values the config schema accepts', () => {
    const problems: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      for (const [k, v] of envEntries(s.environment)) {
        if (!k.startsWith('P8FS_')) continue;
        const p = checkValue(`compose ${name}`, k, typeof v === 'string' ? composeDefault(v) : v);
        if (p) problems.push(p);
      }
    }
    for (const line of read(COMPOSE_DIR, '.env.example').split('\n')) {
      const m = /^(P8FS_[A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (!m) continue;
      const p = checkValue('.env.example', m[1], m[2]);
      if (p) problems.push(p);
    }
    expect(problems).toEqual([]);
  });

  it('keeps secrets out: every password or key comes from .env', () => {
    const text = read(COMPOSE_DIR, 'compose.yaml');
    for (const m of text.matchAll(/^\s*(POSTGRES_PASSWORD|P8FS_S3_ACCESS_KEY|P8FS_S3_SECRET_KEY|P8FS_MASTER_KEY|S3_ACCESS_KEY|S3_SECRET_KEY):\s*(.+)$/gm)) {
      expect(m[2], m[1]).toMatch(/^\$\{[A-Z0-9_]+:\?/);
    }
    expect(read('.dockerignore')).toMatch(/\*\*\/\.env$/m);
  });

  const dockerCompose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  it.skipIf(dockerCompose.status !== 0)('passes `docker compose config` (when the compose plugin is installed)', () => {
    const r = spawnSync('docker', ['compose', '-f', 'compose.yaml', '--env-file', '.env.example', 'config', '-q'], {
      cwd: at(COMPOSE_DIR), encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('Dockerfiles', () => {
  const ignore = dockerIgnore();

  for (const [role, file] of Object.entries(DOCKERFILES)) {
    const ins = dockerInstructions(read(file));

    it(`${role}: builds on node:20-bookworm-slim and runs as a non-root user`, () => {
      const arg = ins.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='));
      expect(arg?.args).toBe('NODE_IMAGE=node:20-bookworm-slim');
      expect(ins.filter((i) => i.op === 'FROM').every((i) => /^\$\{NODE_IMAGE\}/.test(i.args))).toBe(true);
      const users = ins.filter((i) => i.op === 'USER');
      expect(users.length).toBeGreaterThan(0);
      expect(users.at(-1)?.args).not.toMatch(/^(root|0)(:|$)/);
      expect(ins.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args))).toBe(true);
      expect(ins.find((i) => i.op === 'ENTRYPOINT')?.args).toContain('/app/packages/p8fs/bin/p8fs.js');
    });

    it(`${role}: copies only files that exist and that .dockerignore lets through`, () => {
      const problems: string[] = [];
      for (const i of ins.filter((x) => x.op === 'COPY' || x.op === 'ADD')) {
        const words = i.args.split(/\s+/);
        if (words.some((w) => w.startsWith('--from='))) continue;
        const sources = words.filter((w) => !w.startsWith('--')).slice(0, -1);
        for (const src of sources) {
          if (!existsSync(at(src))) problems.push(`${src} does not exist`);
          else if (ignore.excluded(src)) problems.push(`${src} is excluded by .dockerignore`);
        }
      }
      expect(problems).toEqual([]);
    });

    it(`${role}: sets only config keys, with valid values`, () => {
      const problems: string[] = [];
      for (const i of ins.filter((x) => x.op === 'ENV')) {
        for (const m of i.args.matchAll(/\b(P8FS_[A-Z0-9_]+)=(\S*)/g)) {
          const p = checkValue(file, m[1], m[2]);
          if (p) problems.push(p);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('api: the healthcheck calls a public route', () => {
    const hc = dockerInstructions(read(DOCKERFILES.api)).find((i) => i.op === 'HEALTHCHECK');
    const path = /127\.0\.0\.1:'\+\(process\.env\.P8FS_PORT\|\|8808\)\+'(\/[a-z]+)'/.exec(hc?.args ?? '')?.[1];
    expect(path).toBeDefined();
    expect(publicGetPaths()).toContain(path);
  });

  it('worker: installs every Debian package the parsers name (src/ports/tools.ts TOOL_PACKAGES)', () => {
    const installs = dockerInstructions(read(DOCKERFILES.worker))
      .filter((i) => i.op === 'RUN' && /apt-get install/.test(i.args))
      .flatMap((i) => i.args.split(/\s+/));
    const needed = new Set(Object.values(TOOL_PACKAGES).flatMap((p) => p.split(/\s+/)));
    const missing = [...needed].filter((p) => !installs.includes(p));
    expect(missing).toEqual([]);
    expect(installs).toContain('util-linux'); // prlimit caps each tool's memory
  });
});

describe('Helm chart', () => {
  const values = chartValues();

  it('has a v2 Chart.yaml and documented values', () => {
    const chart = parse(read(CHART_DIR, 'Chart.yaml'));
    expect(chart.apiVersion).toBe('v2');
    expect(chart.name).toBe('p8fs');
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(read(CHART_DIR, 'values.yaml').split('\n').filter((l) => l.trim().startsWith('#')).length).toBeGreaterThan(20);
  });

  it('templates parse as YAML once their actions are removed', () => {
    const problems: string[] = [];
    for (const f of chartTemplates().filter((n) => n.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(staticYaml(read(CHART_DIR, 'templates', f)), { uniqueKeys: false })) {
        for (const e of doc.errors) problems.push(`${f}: ${e.message}`);
        const js = doc.toJS();
        if (js !== null && js !== undefined) {
          if (!js.apiVersion || !js.kind) problems.push(`${f}: a document without apiVersion/kind`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('templates read only values that exist, and only helpers that are defined', () => {
    const helpers = read(CHART_DIR, 'templates', '_helpers.tpl');
    const defined = new Set([...helpers.matchAll(/define "([^"]+)"/g)].map((m) => m[1]));
    const problems: string[] = [];
    for (const f of chartTemplates()) {
      const text = read(CHART_DIR, 'templates', f);
      for (const m of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        const path = m[1].slice(1).split('.');
        if (!valueAt(values, path)) problems.push(`${f}: .Values.${path.join('.')} is not in values.yaml`);
      }
      // `range $tier, $w := .Values.workers.tiers`: every $w.field must exist in every tier.
      for (const m of text.matchAll(/\$w\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
        for (const [tier, w] of Object.entries(values.workers.tiers as Record<string, object>)) {
          if (!(m[1] in w)) problems.push(`${f}: workers.tiers.${tier}.${m[1]} is missing`);
        }
      }
      for (const m of text.matchAll(/include "([^"]+)"/g)) if (!defined.has(m[1])) problems.push(`${f}: helper ${m[1]} is not defined`);
    }
    expect(problems).toEqual([]);
  });

  it('has one worker tier per size, each with a JetStream consumer and a KEDA nats-jetstream trigger', () => {
    expect(Object.keys(values.workers.tiers).sort()).toEqual([...TIERS].sort());
    expect(Object.keys(values.nats.consumers).sort()).toEqual([...TIERS].sort());
    // The names the NATS queue really creates (src/adapters/queue/nats-tiers.ts).
    expect(values.nats.stream).toBe(STREAM);
    for (const t of QUEUE_TIERS) expect(values.nats.consumers[t]).toBe(consumerOf(t));
    const keda = read(CHART_DIR, 'templates', 'keda-scaledobjects.yaml');
    expect(keda).toContain('kind: ScaledObject');
    expect(keda).toContain('type: nats-jetstream');
    for (const k of ['natsServerMonitoringEndpoint', 'account', 'stream', 'consumer', 'lagThreshold']) expect(keda).toMatch(new RegExp(`\\b${k}: `));
    expect(keda).toContain('.Values.nats.stream');
    expect(keda).toContain('$.Values.nats.consumers $tier');
    for (const t of TIERS) {
      const w = values.workers.tiers[t];
      expect(w.minReplicas).toBeLessThanOrEqual(w.maxReplicas);
      expect(w.lagThreshold).toBeGreaterThan(0);
    }
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'ConfigMap', 'Secret', 'Ingress']) {
      expect(chartTemplates().some((f) => read(CHART_DIR, 'templates', f).includes(`kind: ${kind}`)), kind).toBe(true);
    }
  });

  it('passes only config keys and valid values to the processes', () => {
    const problems: string[] = [];
    for (const [k, v] of Object.entries(values.config as Record<string, unknown>)) {
      const p = checkValue('values.config', k, v);
      if (p) problems.push(p);
    }
    const envLists: [string, { name: string; value?: unknown }[]][] = [
      ['api.env', values.api.env], ['router.env', values.router.env],
      ...TIERS.map((t) => [`workers.tiers.${t}.env`, values.workers.tiers[t].env] as [string, { name: string; value?: unknown }[]]),
    ];
    for (const [where, list] of envLists) {
      for (const e of list ?? []) {
        const p = checkValue(where, e.name, e.value);
        if (p) problems.push(p);
      }
    }
    // The per-tier numbers become P8FS_WORKERS, P8FS_PARSE_TIMEOUT_SECONDS, P8FS_PARSE_MEMORY_MB, P8FS_EMBEDDING_THREADS.
    const tierKeys: Record<string, ConfigKey> = {
      concurrency: 'workers', parseTimeoutSeconds: 'parseTimeoutSeconds', parseMemoryMb: 'parseMemoryMb', embeddingThreads: 'embeddingThreads',
    };
    for (const t of TIERS) {
      for (const [field, key] of Object.entries(tierKeys)) {
        const p = checkValue(`workers.tiers.${t}.${field}`, envName(key), values.workers.tiers[t][field]);
        if (p) problems.push(p);
      }
      expect(values.workers.tiers[t].concurrency, `${t}: a worker needs --workers 1 or more`).toBeGreaterThanOrEqual(1);
    }
    expect(problems).toEqual([]);
  });

  it('probes public routes', () => {
    const paths = publicGetPaths();
    expect(paths).toContain(values.api.livenessPath);
    expect(paths).toContain(values.api.readinessPath);
  });
});

describe('every deploy file and docs/deploy.md', () => {
  it('names only P8FS_* variables that are config keys', () => {
    const files = [
      `${COMPOSE_DIR}/compose.yaml`, `${COMPOSE_DIR}/.env.example`, DOCKERFILES.api, DOCKERFILES.worker,
      `${CHART_DIR}/Chart.yaml`, `${CHART_DIR}/values.yaml`, ...chartTemplates().map((f) => `${CHART_DIR}/templates/${f}`),
      'docs/deploy.md',
    ];
    const problems: string[] = [];
    for (const f of files) {
      for (const m of read(f).matchAll(/\bP8FS_[A-Z0-9_]*[A-Z0-9]\b/g)) {
        if (NOT_VARIABLES[m[0]] || KEY_BY_ENV.has(m[0])) continue;
        problems.push(`${f}: ${m[0]} is not a config key`);
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});

describe('release version (decision 0023)', () => {
  const version: string = JSON.parse(read('packages/p8fs/package.json')).version;

  it('is CalVer, YYYY.M.PATCH, in the workspace root and both packages', () => {
    expect(version).toMatch(/^20\d{2}\.(?:[1-9]|1[0-2])\.(?:0|[1-9]\d*)$/);
    expect(JSON.parse(read('package.json')).version).toBe(version);
    expect(JSON.parse(read('packages/contracts/package.json')).version).toBe(version);
    // The bundled contracts package satisfies p8fs's dependency on it; nothing is fetched from a registry.
    expect(JSON.parse(read('packages/p8fs/package.json')).dependencies['@p8fs/contracts']).toBe(version);
  });

  it("is the chart's appVersion and version", () => {
    const chart = parse(read(CHART_DIR, 'Chart.yaml'));
    expect(String(chart.appVersion)).toBe(version);
    expect(String(chart.version)).toBe(version);
  });

  it("tags compose's P8FS images (and the .env example) with it", () => {
    const text = read(COMPOSE_DIR, 'compose.yaml');
    const images = [...text.matchAll(/\$\{(API_IMAGE|WORKER_IMAGE):-([^}]+)\}/g)];
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const m of images) expect(m[2], m[1]).toBe(`${m[1] === 'API_IMAGE' ? 'p8fs-api' : 'p8fs-worker'}:${version}`);
    for (const m of read(COMPOSE_DIR, '.env.example').matchAll(/^#?\s*(API_IMAGE|WORKER_IMAGE)=(\S+)$/gm)) {
      expect(m[2].endsWith(`:${version}`), m[0]).toBe(true);
    }
  });

  it('stamps the commit in both images (GIT_COMMIT build argument, build-info.json in the runtime stage)', () => {
    for (const file of Object.values(DOCKERFILES)) {
      const ins = dockerInstructions(read(file));
      expect(ins.some((i) => i.op === 'ARG' && /^GIT_COMMIT\b/.test(i.args)), file).toBe(true);
      expect(ins.some((i) => i.op === 'COPY' && i.args.includes('/packages/p8fs/build-info.json')), file).toBe(true);
    }
  });
});
