import { execFile, execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../scripts/ceph-rgw.sh', import.meta.url));

/** An S3 server for tests: a throwaway Ceph RGW, or the one P8FS_TEST_S3_ENDPOINT names. */
export interface TestS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** A raw client (a wrong secret for signature tests). */
  client(secretKey?: string): S3Client;
  /** A new empty bucket, so suites sharing a server do not see each other's objects. */
  createBucket(): Promise<string>;
  /** Push ObjectCreated events under incoming/ of `bucket` to `pushEndpoint` (RGW's SNS-style topic API). */
  notifyBucket(bucket: string, pushEndpoint: string): Promise<void>;
  stop(): Promise<void>;
}

/** SHA-256 for the SigV4 signer, on node:crypto. */
class Sha256 {
  private readonly h;
  constructor(secret?: string | Uint8Array) {
    this.h = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(d: string | Uint8Array): void {
    this.h.update(d);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

/**
 * Start a single-node Ceph cluster with radosgw in a temp dir (scripts/ceph-rgw.sh, about 12 s) —
 * once per test file, in beforeAll — or use P8FS_TEST_S3_ENDPOINT with P8FS_TEST_S3_ACCESS_KEY,
 * P8FS_TEST_S3_SECRET_KEY and P8FS_TEST_S3_REGION. Throws when Ceph is not installed: an S3 test
 * that quietly skips would pass CI without ever touching S3.
 */
export async function startTestS3(): Promise<TestS3> {
  const env = process.env;
  let stop = async () => {};
  let endpoint = env.P8FS_TEST_S3_ENDPOINT;
  let accessKey = env.P8FS_TEST_S3_ACCESS_KEY ?? '';
  let secretKey = env.P8FS_TEST_S3_SECRET_KEY ?? '';
  let region = env.P8FS_TEST_S3_REGION ?? 'us-east-1';
  if (!endpoint) {
    const dir = mkdtempSync(join(tmpdir(), 'p8fs-rgw-'));
    const [port, monPort] = [await freePort(), await freePort()];
    accessKey = `test${randomBytes(6).toString('hex')}`;
    secretKey = randomBytes(20).toString('hex');
    const onExit = () => {
      try {
        execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
      } catch {}
    };
    process.once('exit', onExit);
    const out = await run('bash', [SCRIPT, 'start', dir, String(port), accessKey, secretKey], {
      env: { ...env, CEPH_MON_PORT: String(monPort) }, timeout: 120_000,
    }).catch((err: { stderr?: string; message: string }) => {
      onExit();
      throw new Error(`Ceph RGW did not start (needs ceph-mon ceph-osd radosgw: sudo bash scripts/setup-system.sh):\n${err.stderr ?? err.message}`);
    });
    const lines = Object.fromEntries(out.stdout.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
    endpoint = lines.P8FS_S3_ENDPOINT as string;
    region = lines.P8FS_S3_REGION ?? region;
    stop = async () => {
      process.removeListener('exit', onExit);
      await run('bash', [SCRIPT, 'stop', dir]);
    };
  }
  const url = endpoint;
  const client = (secret = secretKey) =>
    new S3Client({ endpoint: url, region, forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secret } });
  return {
    endpoint: url, accessKey, secretKey, region, client, stop: () => stop(),
    async createBucket() {
      const bucket = `p8fs-test-${randomBytes(5).toString('hex')}`;
      const c = client();
      await c.send(new CreateBucketCommand({ Bucket: bucket }));
      c.destroy();
      return bucket;
    },
    async notifyBucket(bucket, pushEndpoint) {
      const signer = new SignatureV4({ credentials: { accessKeyId: accessKey, secretAccessKey: secretKey }, region, service: 'sns', sha256: Sha256 });
      const body = new URLSearchParams({
        Action: 'CreateTopic', Name: bucket, 'Attributes.entry.1.key': 'push-endpoint', 'Attributes.entry.1.value': pushEndpoint,
      }).toString();
      const u = new URL(url);
      const req = await signer.sign({
        method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: {},
        headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded' }, body,
      });
      const res = await fetch(url, { method: 'POST', headers: req.headers, body });
      const arn = /<TopicArn>([^<]+)/.exec(await res.text())?.[1];
      if (!res.ok || !arn) throw new Error(`CreateTopic failed: ${res.status}`);
      const c = client();
      await c.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: { TopicConfigurations: [{
        Id: 'p8fs', TopicArn: arn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } },
      }] } }));
      c.destroy();
    },
  };
}

/** Every object of a bucket, byte for byte (the at-rest and end-to-end proofs scan them). */
export async function bucketObjects(client: S3Client, bucket: string): Promise<{ name: string; bytes: Buffer }[]> {
  const out: { name: string; bytes: Buffer }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      out.push({ name: o.Key as string, bytes: Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()) });
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}
