import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, startNats } from '../nats.js';
import { type PgCluster, startPgCluster } from '../pg-cluster.js';
import { startTestS3, type TestS3 } from '../s3.js';
import { assertBuilt, cleanup, p8fs, poll, Running, tempDir, vaultEnv } from './cli.js';

const FILES = 24;
const PUBLIC_URL = 'http://vault.test';
const note = (i: number) =>
  `# Field note ${i}\n\nObservation ${i}: the ${['heron', 'otter', 'kingfisher', 'vole'][i % 4]} crossed the weir at dawn, tag ${1000 + i}.\n\n` +
  `## Weather\n\nWind ${i % 5} knots from the west, water ${10 + (i % 7)} degrees.\n`;

// The whole scale-out stack with real processes: two API processes and two workers (plus the router)
// on one PostgreSQL, one S3 (Ceph RGW) bucket and one NATS JetStream. Uploads go to either API, any
// worker processes them, and every API answers for every file.
describe('scale-out: two API processes and two workers on PostgreSQL, S3 and NATS', () => {
  let cluster: PgCluster;
  let nats: NatsServer;
  let s3: TestS3;
  let bucket: string;
  const procs: Running[] = [];
  const dirs: string[] = [];
  let apis: string[] = [];
  let workers: Running[] = [];
  let token = '';
  let env: (dir: string) => NodeJS.ProcessEnv;

  beforeAll(async () => {
    assertBuilt();
    [cluster, nats, s3] = await Promise.all([startPgCluster(), startNats(), startTestS3()]);
    bucket = await s3.createBucket();
    env = (dir) => vaultEnv(dir, {
      P8FS_STORAGE_PROVIDER: 'postgres', P8FS_PG_URL: cluster.url,
      P8FS_BLOB_PROVIDER: 's3', P8FS_S3_ENDPOINT: s3.endpoint, P8FS_S3_ACCESS_KEY: s3.accessKey, P8FS_S3_SECRET_KEY: s3.secretKey,
      P8FS_S3_BUCKET: bucket, P8FS_S3_REGION: s3.region,
      P8FS_QUEUE_PROVIDER: 'nats', P8FS_NATS_URL: nats.url,
      // Behind one balancer every API process has the same public URL: the OAuth issuer and audiences.
      P8FS_PUBLIC_URL: PUBLIC_URL, P8FS_LOG_LEVEL: 'debug',
      // A message a paused worker had pulled goes to the other one after 5 s, not the default 60 s.
      P8FS_TIER_SMALL_ACK_WAIT_SECONDS: '5',
    });
    const start = (args: string[]) => {
      const dir = tempDir('scale');
      dirs.push(dir);
      const p = new Running(args, env(dir));
      procs.push(p);
      return p;
    };
    // The API processes start together: migrations and signing keys must cope with a race.
    const servers = [start(['serve', '--port', '0', '--workers', '0']), start(['serve', '--port', '0', '--workers', '0'])];
    apis = await Promise.all(servers.map((s) => s.listening()));
    const router = start(['router']);
    await router.until((p) => p.stdout.includes('dispatching'), 'the router', 60_000);
    workers = [start(['worker', '--tier', 'small']), start(['worker', '--tier', 'small'])];
    await Promise.all(workers.map((w) => w.until((p) => p.logs().some((l) => l.msg === 'worker pool started'), 'a worker', 60_000)));
    const dir = tempDir('scale-cli');
    dirs.push(dir);
    const t = await p8fs(['auth', 'token'], env(dir));
    expect(t.code, t.stderr).toBe(0);
    token = t.stdout.trim();
  }, 240_000);
  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL');
    await Promise.all([nats?.stop(), cluster?.stop(), s3?.stop()]);
    cleanup(...dirs);
  });

  const call = (api: string, path: string, init: RequestInit = {}) =>
    fetch(`${api}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });

  it('uploads through either API, processes on both workers, and every API sees every file', async () => {
    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    /** Poll until every uploaded file has settled and no job is queued or running. */
    const settled = (count: number) => poll(async () => {
      const res = await call(apis[1] as string, '/api/v1/files?limit=100');
      const { files } = (await res.json()) as { files: { status: string }[] };
      const open = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status IN ('queued', 'running')`)).rows[0]!.n;
      const done = files.length === count && files.every((f) => f.status === 'indexed' || f.status === 'failed') && open === 0;
      return done ? files.map((f) => f.status) : null;
    }, `${count} files settled, no job open`, 180_000);
    const ids: string[] = [];
    const upload = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const form = new FormData();
        form.append('path', `field/note-${i}.md`);
        form.append('file', new Blob([note(i)], { type: 'text/markdown' }), `note-${i}.md`);
        const res = await call(apis[i % 2] as string, '/api/v1/files', { method: 'POST', body: form });
        expect(res.status, await res.clone().text()).toBe(202);
        ids.push(((await res.json()) as { id: string }).id);
      }
    };
    // Both workers take part by construction, not by speed: each half is uploaded while the other
    // worker is paused (SIGSTOP), so the running one must take it; a message the paused one had
    // already pulled comes back after ack_wait and goes to the running one.
    const [a, b] = workers as [Running, Running];
    const jobsOf = (w: Running) => w.logs().filter((l) => l.msg === 'job done' && l.type === 'file.process').length;
    const half = FILES / 2;
    b.child.kill('SIGSTOP');
    await upload(0, half);
    await settled(half);
    b.child.kill('SIGCONT');
    a.child.kill('SIGSTOP');
    await upload(half, FILES);
    const statuses = await settled(FILES);
    a.child.kill('SIGCONT');
    expect(new Set(statuses)).toEqual(new Set(['indexed']));

    // Both workers took part: NATS hands the tier's messages to whichever consumer is there.
    const done = [jobsOf(a), jobsOf(b)];
    expect(done.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(FILES);
    expect(Math.min(...done), `jobs per worker: ${done}`).toBeGreaterThan(0);

    // The blobs are in the bucket, under the tenant's prefix, content-addressed; nothing on local disk.
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tenants/' }));
    const blobs = (listed.Contents ?? []).map((o) => o.Key ?? '').filter((k) => /\/blobs\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(k));
    expect(blobs).toHaveLength(FILES);

    // Search and reads answer the same on either API, for files uploaded through the other.
    for (const api of apis) {
      const res = await call(api, '/api/v1/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'tag 1007 kingfisher', mode: 'keyword', limit: 3 }) });
      const { results } = (await res.json()) as { results: { uri: string }[] };
      expect(results[0]?.uri).toMatch(/^field\/note-7\.md#/);
      expect((await call(api, `/api/v1/files/${ids[0]}/content`)).status).toBe(200);
    }

    // A delete through one API removes the blob from the bucket.
    expect((await call(apis[0] as string, `/api/v1/files/${ids[3]}`, { method: 'DELETE' })).status).toBe(204);
    const after = await s3.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tenants/' }));
    expect((after.Contents ?? []).filter((o) => /\/blobs\//.test(o.Key ?? ''))).toHaveLength(FILES - 1);
    expect((await call(apis[1] as string, `/api/v1/files/${ids[3]}`)).status).toBe(404);

    try {
      const jobs = (await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM jobs GROUP BY status`)).rows;
      expect(jobs.map((j) => j.status)).toEqual(['done']);
    } finally {
      await db.end();
    }
  }, 300_000);
});
