import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand,
  type S3Client, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';

/** S3 refuses a single CopyObject above 5 GiB. */
export const MAX_SINGLE_COPY = 5 * 1024 ** 3;

/**
 * Server-side copy of `from` to `to` within one bucket: one CopyObject up to `partBytes`, else a
 * multipart copy in `partBytes` ranges (UploadPartCopy, 4 at a time), aborted on any failure so no
 * parts stay behind. The bytes never pass through this process.
 */
export async function copyObject(client: S3Client, bucket: string, from: string, to: string, size: number, partBytes = MAX_SINGLE_COPY): Promise<void> {
  const source = `${bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
  if (size <= partBytes) {
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: source }));
    return;
  }
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: to }));
  try {
    const ranges: { n: number; start: number; end: number }[] = [];
    for (let start = 0, n = 1; start < size; start += partBytes, n++) ranges.push({ n, start, end: Math.min(size, start + partBytes) - 1 });
    const parts: { PartNumber: number; ETag: string }[] = [];
    const next = async (): Promise<void> => {
      for (let r = ranges.shift(); r; r = ranges.shift()) {
        const res = await client.send(new UploadPartCopyCommand({
          Bucket: bucket, Key: to, UploadId, PartNumber: r.n, CopySource: source, CopySourceRange: `bytes=${r.start}-${r.end}`,
        })).catch((e: unknown) => {
          ranges.length = 0; // the other copiers stop after their current part
          throw e;
        });
        parts.push({ PartNumber: r.n, ETag: res.CopyPartResult?.ETag ?? '' });
      }
    };
    // Wait for every copier before aborting: a part landing after the abort would stay behind.
    const failed = (await Promise.allSettled([next(), next(), next(), next()])).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId })).catch(() => {});
    throw err;
  }
}
