import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { deviceBlobCipher } from '../../adapters/blob/encryption/device-cipher.js';
import { memoryKeyStore } from '../../adapters/e2e/key-file.js';
import { localRelay } from '../../adapters/sync/local-relay.js';
import { type App, createApp } from '../../app.js';
import type { Actor } from '../../domain/actor.js';
import { newRecoveryPhrase } from '../../domain/e2e/recovery.js';
import { insertDevice } from '../../services/sql/devices.js';
import type { SyncSummary } from '../../services/sync/deps.js';
import { SyncEngine } from '../../services/sync/engine.js';
import { VaultKeysService } from '../../services/sync/vault-keys.js';
import { benchConfig, peakRssMb, progress, silentLogger, TMP_DIR } from '../common.js';

// End-to-end sync (decision 0018), in one process: a server app's relay service and device replicas
// on in-memory PGlite with the real pipeline (the hash embedder, so parsing and the database are
// measured, not a model). Device A writes a vault of ~10k chunks and rewrites every file twice, so
// the log holds three versions of each; push and pull throughput are measured on that log; then two
// fresh devices bootstrap the vault, one from a snapshot and one by replaying the whole log.

export interface E2eSyncBenchResult {
  files: number;
  versions: number;
  /** Resources (chunks) the bootstrapped replicas hold once indexed. */
  chunks: number;
  push: Throughput;
  pull: Throughput;
  /** One large file: the blob path alone (sealing, streaming, opening), without per-file overheads. */
  large: { mb: number; push: Throughput; pull: Throughput };
  bootstrap: { snapshot: Bootstrap; replay: Bootstrap };
  snapshot_bytes: number;
  peak_rss_mb: number;
}

export interface Throughput {
  records: number;
  mb: number;
  seconds: number;
  records_per_s: number;
  mb_per_s: number;
}

export interface Bootstrap {
  /** The sync pass: fetch, open and apply (files stored and queued on the device). */
  sync_s: number;
  /** From the end of the pass until every file is parsed, chunked and embedded on the device. */
  index_s: number;
  total_s: number;
  records_fetched: number;
  mb_fetched: number;
}

const TENANT = 't_e2ebench01';
const MB = 1024 * 1024;
const WORDS = 'river stone cloud maple harbor lantern copper willow meadow falcon ember quartz tundra basil cedar orbit'.split(' ');

/** A markdown file of about `chunks` chunks of 256 tokens (sections of ~180 words). */
function document(i: number, version: number, chunks: number): string {
  let seed = i * 7919 + version * 104_729 + 1;
  const word = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return WORDS[seed % WORDS.length] as string;
  };
  const sections = Array.from({ length: chunks }, (_, s) => `## Section ${s} (v${version})\n\n${Array.from({ length: 180 }, word).join(' ')}.`);
  return `# Document ${i}\n\n${sections.join('\n\n')}\n`;
}

const throughput = (records: number, bytes: number, seconds: number): Throughput => ({
  records, mb: Math.round((bytes / MB) * 10) / 10, seconds: Math.round(seconds * 10) / 10,
  records_per_s: Math.round(records / seconds), mb_per_s: Math.round((bytes / MB / seconds) * 10) / 10,
});

/** The whole suite, in this process. */
export async function runE2eSyncOnce(opts: { quick: boolean }): Promise<E2eSyncBenchResult> {
  mkdirSync(TMP_DIR, { recursive: true });
  const root = mkdtempSync(join(TMP_DIR, 'e2e-sync-'));
  const files = opts.quick ? 50 : 500;
  const chunksPerFile = 20;
  const versions = opts.quick ? 2 : 3;
  const apps: App[] = [];
  const open = async (name: string, workers: number) => {
    const app = await createApp(
      benchConfig(join(root, name), { embeddingProvider: 'hash', workers, parseIsolation: 'inline', chunkOverlapTokens: 0 }),
      { inMemory: true, logger: silentLogger },
    );
    apps.push(app);
    return app;
  };
  try {
    const server = await open('server', 0);
    await server.db.query(`INSERT INTO tenants (tenant_id, name, mode) VALUES ($1, 'bench', 'e2e')`, [TENANT]);
    const active = async () => (await server.db.query<{ id: string }>(`SELECT id FROM devices WHERE tenant_id = $1`, [TENANT])).map((r) => r.id);
    const device = async (name: string, workers: number, snapshotEvery = 0) => {
      const id = randomUUID();
      await insertDevice(server.db, { id, tenant_id: TENANT, name, kind: 'cli', public_key: null, approved_by: null, oauth_client_id: 'p8fs-cli', created_at: new Date() });
      const actor: Actor = { tenantId: TENANT, userId: null, deviceId: id, scopes: ['vault:read', 'vault:write'], firstParty: true, vaultMode: 'e2e' };
      const app = await open(name, workers);
      const relay = localRelay(server.services.syncRelay, actor, active);
      const keys = new VaultKeysService(relay, memoryKeyStore(), silentLogger);
      keys.bind('bench://relay', TENANT, id);
      const { files: f, moments, graph } = app.services;
      const deps = { db: app.db, files: f, moments, graph, owner: app.owner, relay, keys, cipher: deviceBlobCipher, log: silentLogger };
      return { id, app, keys, engine: new SyncEngine(deps, { snapshotEvery }), deps };
    };

    // Device A: the vault, rewritten versions-1 times. Its own parsing is not measured (no workers).
    const A = await device('A', 0);
    await A.keys.create(newRecoveryPhrase());
    let push = { records: 0, bytes: 0, seconds: 0 };
    for (let v = 1; v <= versions; v++) {
      progress(`e2e-sync: A writes version ${v} of ${files} files`);
      for (let i = 0; i < files; i++) {
        await A.app.services.files.create(A.app.owner, { name: `doc-${i}.md`, uri: `docs/doc-${i}.md`, mimeType: 'text/markdown' }, Readable.from([Buffer.from(document(i, v, chunksPerFile))]));
      }
      const t = performance.now();
      const s = await A.engine.syncOnce();
      push = { records: push.records + s.pushed.records, bytes: push.bytes + s.pushed.bytes, seconds: push.seconds + (performance.now() - t) / 1000 };
    }
    const snapper = new SyncEngine(A.deps, { snapshotEvery: 1 });
    const written = await snapper.syncOnce();
    const snapshotBytes = (await server.services.syncRelay.latestSnapshot({ tenantId: TENANT, userId: null, deviceId: A.id, scopes: ['*'], firstParty: true, vaultMode: 'e2e' })).size;
    progress(`e2e-sync: log of ${push.records} records, snapshot at ${written.snapshot.written}`);

    // Two fresh devices: one starts from the snapshot, one replays the log; each then indexes the vault itself.
    const boot = async (name: string, replayLog: boolean): Promise<{ b: Bootstrap; s: SyncSummary; chunks: number; engine: SyncEngine }> => {
      const d = await device(name, 2);
      await A.keys.grant(d.id, d.keys.deviceKey().publicKey, async () => true);
      await d.keys.refresh();
      const t = performance.now();
      const s = await d.engine.syncOnce({ replayLog });
      const synced = performance.now();
      // Workers start after the pass, so the two phases are timed apart (a device runs both at once).
      d.app.pool.start();
      progress(`e2e-sync: ${name} synced in ${Math.round(synced - t)} ms; indexing`);
      while ((await d.engine.inFlight()) > 0) await new Promise((r) => setTimeout(r, 200));
      const done = performance.now();
      const [{ n }] = await d.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM resources WHERE tenant_id = $1`, [d.app.owner.tenantId]) as [{ n: number }];
      await d.app.pool.stop();
      return {
        s, chunks: n, engine: d.engine,
        b: {
          sync_s: Math.round((synced - t) / 100) / 10, index_s: Math.round((done - synced) / 100) / 10, total_s: Math.round((done - t) / 100) / 10,
          records_fetched: s.pulled.records + (s.snapshot.objects ?? 0), mb_fetched: Math.round((s.pulled.bytes / MB) * 10) / 10,
        },
      };
    };
    const replay = await boot('replay', true);
    const snap = await boot('snapshot', false);
    const pull = throughput(replay.s.pulled.records, replay.s.pulled.bytes, replay.b.sync_s);
    // One large file, pushed by A and pulled by the snapshot device (random bytes: the device's parse fails fast, unmeasured).
    const largeMb = opts.quick ? 16 : 64;
    const big = randomBytes(largeMb * MB);
    await A.app.services.files.create(A.app.owner, { name: 'large.bin', uri: 'large/large.bin' }, Readable.from([big]));
    let t = performance.now();
    const up = await A.engine.syncOnce();
    const upS = (performance.now() - t) / 1000;
    t = performance.now();
    const down = await snap.engine.syncOnce();
    const downS = (performance.now() - t) / 1000;
    const large = { mb: largeMb, push: throughput(up.pushed.records, up.pushed.bytes, upS), pull: throughput(down.pulled.records, down.pulled.bytes, downS) };
    return {
      files, versions, chunks: snap.chunks,
      push: throughput(push.records, push.bytes, push.seconds), pull, large,
      bootstrap: { snapshot: snap.b, replay: replay.b },
      snapshot_bytes: snapshotBytes, peak_rss_mb: peakRssMb(),
    };
  } finally {
    for (const app of apps.reverse()) await app.close().catch(() => {});
    rmSync(root, { recursive: true, force: true });
  }
}

/** The summary table. */
export function printE2eSync(r: E2eSyncBenchResult): void {
  const row = (label: string, t: Throughput) => `| ${label} | ${t.records} | ${t.mb} | ${t.seconds} | ${t.records_per_s} | ${t.mb_per_s} |`;
  const boot = (label: string, b: Bootstrap) => `| ${label} | ${b.records_fetched} | ${b.mb_fetched} | ${b.sync_s} | ${b.index_s} | ${b.total_s} |`;
  console.log([
    `## End-to-end sync: ${r.files} files × ${r.versions} versions, ${r.chunks} chunks per replica (hash embedder)`, '',
    '| direction | records | MB | s | records/s | MB/s |', '|---|---|---|---|---|---|',
    row(`push ${r.files * r.versions} files of ~22 KB (scan, seal, upload)`, r.push), row('pull them (fetch, open, apply; replay of the whole log)', r.pull),
    row(`push one ${r.large.mb} MB file`, r.large.push), row(`pull it`, r.large.pull), '',
    '| new device bootstrap | records fetched | MB fetched | sync s | index s | total s |', '|---|---|---|---|---|---|',
    boot('from the snapshot', r.bootstrap.snapshot), boot('replaying the log', r.bootstrap.replay), '',
    `snapshot ${Math.round(r.snapshot_bytes / 1024)} KB sealed; peak RSS ${r.peak_rss_mb} MB`,
  ].join('\n'));
}
