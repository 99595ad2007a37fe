import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { HealthReport } from '../../functions/health-check/analyser/report-types.js';
import { type HealthCheckDeps, healthCheckStep } from '../../functions/health-check/health-check.js';
import { parseRunnerConfig } from '../../functions/shared/config/index.js';
import { createLogger, setLogSink } from '../../functions/shared/logger.js';
import { awsEnv } from '../../scripts/lib/aws-env.js';
import { subsetMismatches } from '../support/expect-subset.js';
import { runHealthCli } from '../support/health-cli.js';
import { useMoto } from '../support/moto.js';
import { shipperObjects } from '../support/shipper-objects.js';

/**
 * The health check against S3 on moto, the way it runs in AWS: the runner stack's LogBucket holds the shipper's
 * per-minute objects (the normal-day fixture cut into minutes, plus an older object outside the window); the
 * Lambda step finds the bucket through the stack, reads only the window, writes the reports and the metrics;
 * `npm run health -- --logs s3://…` reads the same prefix.
 */
const STACK = 'fleet-health';
const INSTANCE = 'i-0123456789abcdef0';
const FIXTURES = join(import.meta.dirname, '../fixtures/logs');
const NOW = '2025-10-20T10:00:00Z';
/** Outside the 60-minute window: a revoked-token line that would make polling `forbidden` if it were read. */
const OLD_KEY = `runner-logs/${STACK}/${INSTANCE}/2025/10/20/07/1760943600.log.gz`;
const OLD_LINE =
  '2025-10-20T07:00:00+0000 ip-192-168-0-10 gitlab-runner[2817]: {"level":"error","msg":"Checking for jobs... forbidden","runner":"Zx9KqT4mW","time":"2025-10-20T07:00:00Z"}';

const example = JSON.parse(readFileSync(join(import.meta.dirname, '../../runner.config.json'), 'utf8'));
const config = parseRunnerConfig({ ...example, stackName: STACK });

describe('health check on moto', () => {
  const moto = useMoto();
  let s3: S3Client;
  let cfn: CloudFormationClient;
  let bucket: string;
  const metrics: string[] = [];
  const quiet = createLogger('health-check-test', {}, 'error');

  const deps = (): HealthCheckDeps => ({
    s3,
    cfn,
    env: {},
    clock: () => Date.parse(NOW),
    emitMetrics: (line) => metrics.push(line),
  });

  const readObject = async (key: string): Promise<string> => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await out.Body?.transformToString()) ?? '';
  };

  beforeAll(async () => {
    s3 = new S3Client(moto.s3ClientConfig());
    cfn = new CloudFormationClient(moto.clientConfig());
    await cfn.send(
      new CreateStackCommand({
        StackName: STACK,
        TemplateBody: JSON.stringify({ Resources: { LogBucket: { Type: 'AWS::S3::Bucket' } } }),
      }),
    );
    const resources = await cfn.send(new DescribeStackResourcesCommand({ StackName: STACK }));
    bucket = resources.StackResources?.find((r) => r.LogicalResourceId === 'LogBucket')?.PhysicalResourceId ?? '';
    const text = gunzipSync(readFileSync(join(FIXTURES, 'normal-day-v17.log.gz'))).toString();
    for (const o of shipperObjects(text, STACK, INSTANCE)) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: o.body }));
    }
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: OLD_KEY, Body: gzipSync(`${OLD_LINE}\n`) }));
  }, 60_000);

  afterAll(() => {
    s3?.destroy();
    cfn?.destroy();
  });

  it('the step finds LogBucket through the stack, judges the window and writes the JSON and HTML reports', async () => {
    // Act
    const result = await healthCheckStep.run({ config, now: NOW }, deps(), quiet);
    // Assess
    expect(bucket).not.toBe('');
    expect(result).toMatchObject({
      verdict: 'healthy',
      bucket,
      reportKey: `reports/${STACK}/20251020T100000Z.json`,
      htmlKey: `reports/${STACK}/20251020T100000Z.html`,
      summary: { polling: 'ok', scaleToZero: 'held', jobs: 4, maxConcurrentMachines: 2, logObjects: 60 },
    });
    const report = JSON.parse(await readObject(result.reportKey)) as HealthReport;
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'normal-day-v17.expected.json'), 'utf8'));
    const { lines: _lines, ...sameAsTheFile } = expected.report;
    expect(subsetMismatches(report, sameAsTheFile)).toEqual([]);
    expect(report.polling.forbiddenCount).toBe(0); // the 07:00 object is outside the window
    expect(JSON.parse(await readObject(`reports/${STACK}/latest.json`))).toEqual(report);
    const html = await readObject(result.htmlKey);
    expect(html).toContain('<svg class="timeline"');
    expect(await readObject(`reports/${STACK}/latest.html`)).toBe(html);
  });

  it('emits one EMF metrics line per run, in the GitLabRunnerOrchestrator namespace by StackName', async () => {
    // Prepare
    metrics.length = 0;
    // Act
    await healthCheckStep.run({ config, now: NOW }, deps(), quiet);
    // Assess
    expect(metrics).toHaveLength(1);
    const emf = JSON.parse(metrics[0] ?? '{}');
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'GitLabRunnerOrchestrator',
      Dimensions: [['StackName']],
    });
    expect(emf).toMatchObject({ StackName: STACK, Healthy: 1, Unhealthy: 0, Unprovable: 0, Jobs: 4 });
  });

  it('says the manager ships nothing when the window holds no object', async () => {
    const result = await healthCheckStep.run({ config, now: '2025-10-21T12:00:00Z' }, deps(), quiet);
    expect(result.verdict).toBe('unprovable');
    expect(result.summary.logObjects).toBe(0);
    expect(result.summary.reasons[0]).toContain(`No log object under s3://${bucket}/runner-logs/${STACK}/`);
  });

  it('npm run health reads s3://bucket/prefix and judges at --now', async () => {
    // Act
    const run = await runHealthCli(
      ['--logs', `s3://${bucket}/runner-logs/${STACK}/`, '--now', NOW, '--json'],
      awsEnv(moto.endpoint),
    );
    // Assess
    expect(run.stderr).not.toContain('health:');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as HealthReport;
    expect(report.jobs.map((j) => j.id)).toEqual([1001, 1002, 1003, 1004]);
    expect(report.lines.sources).toBe(61); // the whole prefix, the 07:00 object included
  });

  it('npm run health judges s3:// logs at the current time by default: old logs are stale', async () => {
    // Prepare
    const started = Date.now();
    // Act
    const run = await runHealthCli(['--logs', `s3://${bucket}/runner-logs/${STACK}/`, '--json'], awsEnv(moto.endpoint));
    // Assess
    const report = JSON.parse(run.stdout) as HealthReport;
    expect(Date.parse(report.window.now)).toBeGreaterThanOrEqual(started);
    expect(report.polling.status).toBe('stale');
    expect(run.code).toBe(1);
  });

  it('exits 2 when the bucket does not exist', async () => {
    const run = await runHealthCli(['--logs', 's3://no-such-bucket-here/runner-logs/'], awsEnv(moto.endpoint));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Cannot list s3:\/\/no-such-bucket-here/);
  });
});

// The step's logger must not write to the test output.
setLogSink(() => {});
