import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { LogEvent } from '../../functions/health-check/log-events.js';
import { LogSourceError, parseLogs } from '../../functions/health-check/parser/index.js';
import { useMoto } from '../support/moto.js';

/**
 * The parser on S3 (moto): the log shipper's objects `runner-logs/<stack>/<instance>/YYYY/MM/DD/HH/<epoch>.log.gz`
 * listed with ListObjectsV2 (paginated) and streamed with GetObject, in key order.
 */
const BUCKET = 'gro-parser-logs';
const PREFIX = 'runner-logs/demo-stack/i-0123456789abcdef0/2025/10/20/';

function shipped(minute: number, job: number): Buffer {
  const iso = `2025-10-20T09:${String(minute).padStart(2, '0')}:00Z`;
  return gzipSync(
    `${iso.slice(0, 19)}+0000 ip-10-0-1-23 gitlab-runner[1234]: {"job":${job},"level":"info","msg":"Checking for jobs... received","runner":"Zx9KqT4mW","time":"${iso}"}\n` +
      `{"time":"${iso}","level":"info","msg":"metrics snapshot","source":"log-shipper","request_job":{"201":${job},"204":${minute * 20},"403":0}}\n`,
  );
}

describe('parseLogs on S3', () => {
  const moto = useMoto();
  let s3: S3Client;

  beforeAll(async () => {
    s3 = new S3Client(moto.s3ClientConfig());
    await s3.send(
      new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );
    // 1 010 objects: more than one ListObjectsV2 page (1 000 keys), uploaded out of order
    const minutes = Array.from({ length: 1010 }, (_, i) => i).reverse();
    for (const i of minutes) {
      const epoch = 1760950800 + i * 60;
      const hour = String(9 + Math.floor(i / 60)).padStart(2, '0');
      await s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}${hour}/${epoch}.log.gz`, Body: shipped(i % 60, i + 1) }),
      );
    }
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}09/`, Body: new Uint8Array(0) }));
  }, 120_000);

  it('reads every object under the prefix, across pages, in key order', async () => {
    // Prepare
    const jobs: number[] = [];
    const onEvent = (e: LogEvent) => {
      if (e.kind === 'job-received') jobs.push(e.jobId);
    };
    // Act
    const counts = await parseLogs([`s3://${BUCKET}/${PREFIX}`], onEvent, { s3 });
    // Assess
    expect(jobs).toEqual(Array.from({ length: 1010 }, (_, i) => i + 1));
    expect(counts).toMatchObject({ total: 2020, parsed: 2020, skipped: 0, sources: 1010, readErrors: 0 });
  }, 120_000);

  it('reads only the keys the filter keeps (the health-check window)', async () => {
    // Prepare
    const events: LogEvent[] = [];
    // Act
    const counts = await parseLogs([`s3://${BUCKET}/${PREFIX}`], (e) => events.push(e), {
      s3,
      s3KeyFilter: (key) => key.includes('/09/'),
    });
    // Assess
    expect(counts.sources).toBe(60);
    expect(events.filter((e) => e.kind === 'snapshot')).toHaveLength(60);
  }, 60_000);

  it('rejects a bucket that does not exist with LogSourceError', async () => {
    // Act
    const parsing = parseLogs(['s3://gro-no-such-bucket/runner-logs/'], () => {}, { s3 });
    // Assess
    await expect(parsing).rejects.toBeInstanceOf(LogSourceError);
    await expect(parsing).rejects.toMatchObject({ code: 'LOG_SOURCE_UNREADABLE' });
  });
});
