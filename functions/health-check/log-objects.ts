import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { LOG_PREFIX } from '../../stack/bastion/contract.js';
import { StackError } from '../shared/errors.js';
import { LOG_BUCKET_LOGICAL_ID, runnerLogBucketName } from '../shared/runner-stack.js';
import type { LogSource } from './parser/index.js';

/**
 * Where the health check reads: the runner stack's LogBucket (or LOG_BUCKET), and in it the shipper's objects
 *   runner-logs/<stack>/<instance-id>/YYYY/MM/DD/HH/<epoch>.log.gz
 * of the window. Instances are listed once (delimiter), then only the hour prefixes the window covers, so a
 * month of retained logs is never listed. Objects come back in time order (epoch, then instance).
 */
export async function findLogBucket(
  cfn: CloudFormationClient,
  stackName: string,
  env: Record<string, string | undefined>,
): Promise<string> {
  if (env.LOG_BUCKET) return env.LOG_BUCKET;
  let physicalId: string | undefined;
  try {
    physicalId = await runnerLogBucketName(cfn, stackName);
  } catch (cause) {
    throw new StackError(
      'HEALTH_NO_LOG_BUCKET',
      `Cannot find the log bucket of stack ${stackName}: ${(cause as Error).name}: ${(cause as Error).message}`,
      'Deploy the runner stack first (npm run pipeline), or set LOG_BUCKET to the bucket the manager ships its logs to.',
      { cause },
    );
  }
  if (!physicalId) {
    throw new StackError(
      'HEALTH_NO_LOG_BUCKET',
      `Stack ${stackName} has no ${LOG_BUCKET_LOGICAL_ID} resource.`,
      'Redeploy the runner stack with the current template (it creates LogBucket), or set LOG_BUCKET.',
    );
  }
  return physicalId;
}

const KEY = /\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{9,11})\.log(\.gz)?$/;
const MAX_PAGES_PER_PREFIX = 100;

export interface WindowObjects {
  sources: LogSource[];
  instances: string[];
  prefix: string;
}

/** The objects shipped in (from, to] (epoch ms), one minute of slack at the end for clock skew. */
export async function listWindowObjects(
  s3: S3Client,
  bucket: string,
  stackName: string,
  from: number,
  to: number,
): Promise<WindowObjects> {
  const prefix = `${LOG_PREFIX}/${stackName}/`;
  const instances = (await list(s3, bucket, prefix, '/')).prefixes.map((p) => p.slice(prefix.length, -1));
  const found: { key: string; epoch: number }[] = [];
  for (const instance of instances) {
    for (const hour of hourPrefixes(from, to)) {
      const { keys } = await list(s3, bucket, `${prefix}${instance}/${hour}/`);
      for (const key of keys) {
        const epoch = Number(KEY.exec(key)?.[5]) * 1000;
        if (Number.isFinite(epoch) && epoch > from && epoch <= to + 60_000) found.push({ key, epoch });
      }
    }
  }
  found.sort((a, b) => a.epoch - b.epoch || a.key.localeCompare(b.key));
  return { sources: found.map(({ key }) => ({ kind: 's3', bucket, key })), instances, prefix };
}

/** `YYYY/MM/DD/HH` of every UTC hour that (from, to] touches. */
export function hourPrefixes(from: number, to: number): string[] {
  const out: string[] = [];
  const start = Math.floor(from / 3_600_000) * 3_600_000;
  for (let h = start; h <= to; h += 3_600_000) {
    out.push(new Date(h).toISOString().slice(0, 13).replace(/-/g, '/').replace('T', '/'));
  }
  return out;
}

async function list(
  s3: S3Client,
  bucket: string,
  prefix: string,
  delimiter?: string,
): Promise<{ keys: string[]; prefixes: string[] }> {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES_PER_PREFIX; page++) {
    const out: ListObjectsV2CommandOutput = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }),
    );
    for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
    for (const p of out.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
    if (!token) break;
  }
  return { keys, prefixes };
}
