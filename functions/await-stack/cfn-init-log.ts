import { gunzipSync } from 'node:zlib';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { type _Object, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { LOG_PREFIX } from '../../stack/bastion/contract.js';
import type { Logger } from '../shared/logger.js';
import { redactTokens } from '../shared/redact.js';
import { runnerLogBucketName } from '../shared/runner-stack.js';

/**
 * The last lines cfn-init wrote on the manager, read back from the log bucket: the log shipper
 * (stack/bastion/scripts/log-shipper.py) uploads gzip objects
 *   <LogBucket>/runner-logs/<stack>/<instance-id>/YYYY/MM/DD/HH/<epoch>.log.gz
 * in which cfn-init's lines are JSON objects `{"time","level","msg","source":"cfn-init"}`.
 * LogBucket is retained on rollback, so a failed create can still be explained. Logs that were never shipped,
 * a bucket we cannot read, an unreadable object: no tail, never an error (the root cause stands without it).
 * The bucket is found with DescribeStackResources (DescribeStackResource 500s on moto, see test/integration/moto-gaps.ts).
 */
export interface CfnInitTailTarget {
  stackName: string;
  /** Stack id (or name) for DescribeStackResources. */
  stackRef: string;
  /** Physical id of the failed manager instance, when the event names one: narrows the listing to its logs. */
  instanceId?: string;
}

export interface CfnInitTailLimits {
  maxLines: number;
  /** Newest objects read at most (one per shipped minute). */
  maxObjects: number;
  maxListPages: number;
  /** Longest line kept (longer ones are cut). */
  maxLineChars: number;
  /** Largest unzipped object read. */
  maxObjectBytes: number;
}

export const CFN_INIT_TAIL_LIMITS: CfnInitTailLimits = {
  maxLines: 30,
  maxObjects: 6,
  maxListPages: 10,
  maxLineChars: 1_000,
  maxObjectBytes: 16 * 1024 * 1024,
};

export async function readCfnInitTail(
  deps: { cfn: CloudFormationClient; s3: S3Client },
  target: CfnInitTailTarget,
  log: Logger,
  limits: CfnInitTailLimits = CFN_INIT_TAIL_LIMITS,
): Promise<string[] | undefined> {
  try {
    const bucket = await runnerLogBucketName(deps.cfn, target.stackRef);
    if (!bucket) {
      log.info('no log bucket in the stack, no cfn-init tail');
      return undefined;
    }
    const stackPrefix = `${LOG_PREFIX}/${target.stackName}/`;
    const prefixes = /^i-[0-9a-f]+$/.test(target.instanceId ?? '')
      ? [`${stackPrefix}${target.instanceId}/`, stackPrefix]
      : [stackPrefix];
    let objects: _Object[] = [];
    for (const prefix of prefixes) {
      objects = await listObjects(deps.s3, bucket, prefix, limits.maxListPages);
      if (objects.length > 0) break;
    }
    const newestFirst = objects.sort(
      (a, b) =>
        (b.LastModified?.getTime() ?? 0) - (a.LastModified?.getTime() ?? 0) || (b.Key ?? '').localeCompare(a.Key ?? ''),
    );
    let lines: string[] = [];
    for (const obj of newestFirst.slice(0, limits.maxObjects)) {
      if (!obj.Key) continue;
      const text = await readObjectText(deps.s3, bucket, obj.Key, limits.maxObjectBytes, log);
      lines = [...cfnInitMessages(text ?? ''), ...lines];
      if (lines.length >= limits.maxLines) break;
    }
    if (lines.length === 0) {
      log.info('no cfn-init lines shipped', { bucket, objects: objects.length });
      return undefined;
    }
    return lines.slice(-limits.maxLines).map((l) => redactTokens(l).slice(0, limits.maxLineChars));
  } catch (error) {
    log.warn('cfn-init log not readable; root cause without it', { error });
    return undefined;
  }
}

async function listObjects(s3: S3Client, bucket: string, prefix: string, maxPages: number): Promise<_Object[]> {
  const objects: _Object[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    objects.push(...(out.Contents ?? []));
    token = out.NextContinuationToken;
    if (!token) break;
  }
  return objects;
}

/** gzip (as shipped) or plain text; undefined when the object cannot be read or unzipped. */
async function readObjectText(
  s3: S3Client,
  bucket: string,
  key: string,
  maxBytes: number,
  log: Logger,
): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? []);
    const isGzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
    const raw = isGzip ? gunzipSync(bytes, { maxOutputLength: maxBytes }) : bytes.subarray(0, maxBytes);
    return raw.toString('utf8');
  } catch (error) {
    log.warn('skipping unreadable log object', { key, error });
    return undefined;
  }
}

/** The `msg` of every `"source":"cfn-init"` JSON line, in order; other and broken lines are skipped. */
export function cfnInitMessages(text: string): string[] {
  const messages: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('cfn-init')) continue;
    try {
      const entry = JSON.parse(line) as { source?: unknown; msg?: unknown };
      if (entry.source === 'cfn-init' && typeof entry.msg === 'string') messages.push(entry.msg);
    } catch {
      // not a JSON line: not one of the shipper's cfn-init lines
    }
  }
  return messages;
}
