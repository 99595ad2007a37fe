import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type HealthCheckResult, healthCheckStep } from '../../functions/health-check/health-check.js';
import type { AwsClients } from '../../functions/shared/aws-clients.js';
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { createLogger } from '../../functions/shared/logger.js';
import { LOG_BUCKET_LOGICAL_ID } from '../../functions/shared/runner-stack.js';
import { shipperObjects } from '../../test/support/shipper-objects.js';
import { REPO_ROOT } from './repo-root.js';

/**
 * The demo's health-check part: the manager logs a healthy day (test/fixtures/logs/normal-day-v17, 60 minutes
 * ending at DEMO_LOGS_END) are cut into the log shipper's per-minute objects and uploaded to the runner stack's
 * LogBucket; then the health-check step runs in-process, judging at that end time (`now` in its event, exactly
 * what the scheduled rule could pass), and the HTML report is read back from S3.
 * The step gets LOG_BUCKET (as its Lambda may): on moto, DescribeStackResource(s) of LogBucket answers HTTP 500 for
 * the runner stack (moto-gaps.ts, describe-stack-resource), so the bucket is read from ListStackResources here.
 */
export const DEMO_LOG_FIXTURE = 'normal-day-v17.log.gz';
export const DEMO_LOGS_END = '2025-10-20T10:00:00Z';
const DEMO_INSTANCE = 'i-0demo0manager000';

export interface DemoHealth {
  logBucket: string;
  uploaded: number;
  result: HealthCheckResult;
  html: string;
}

export async function uploadDemoLogs(
  config: RunnerConfig,
  clients: AwsClients,
): Promise<{ bucket: string; uploaded: number }> {
  const bucket = await logBucketOf(config.stackName, clients);
  const text = gunzipSync(await readFile(join(REPO_ROOT, 'test/fixtures/logs', DEMO_LOG_FIXTURE))).toString();
  const objects = shipperObjects(text, config.stackName, DEMO_INSTANCE);
  for (const o of objects) {
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: o.body }));
  }
  return { bucket, uploaded: objects.length };
}

async function logBucketOf(stackName: string, clients: AwsClients): Promise<string> {
  let NextToken: string | undefined;
  do {
    const page = await clients.cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken }));
    const found = page.StackResourceSummaries?.find((r) => r.LogicalResourceId === LOG_BUCKET_LOGICAL_ID);
    if (found?.PhysicalResourceId) return found.PhysicalResourceId;
    NextToken = page.NextToken;
  } while (NextToken);
  throw new Error(`Stack ${stackName} has no ${LOG_BUCKET_LOGICAL_ID}: deploy the runner stack first.`);
}

export async function runDemoHealthCheck(config: RunnerConfig, clients: AwsClients): Promise<DemoHealth> {
  const { bucket, uploaded } = await uploadDemoLogs(config, clients);
  const result = await healthCheckStep.run(
    { config, now: DEMO_LOGS_END },
    {
      s3: clients.s3,
      cfn: clients.cfn,
      env: { LOG_BUCKET: bucket },
      clock: () => Date.parse(DEMO_LOGS_END),
      emitMetrics: () => {},
    },
    createLogger('health-check', {}, 'warn'),
  );
  const html = await clients.s3.send(new GetObjectCommand({ Bucket: result.bucket, Key: result.htmlKey }));
  return { logBucket: bucket, uploaded, result, html: (await html.Body?.transformToString()) ?? '' };
}
