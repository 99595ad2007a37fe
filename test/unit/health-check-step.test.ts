import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { type HealthCheckDeps, healthCheckStep } from '../../functions/health-check/health-check.js';
import { hourPrefixes } from '../../functions/health-check/log-objects.js';
import { healthSettingsFromConfig } from '../../functions/health-check/settings.js';
import { parseRunnerConfig } from '../../functions/shared/config/index.js';
import { createLogger } from '../../functions/shared/logger.js';

/** The health-check step with mocked S3 and CloudFormation (the moto run is in test/integration). */
const STACK = 'fleet-unit';
const INSTANCE = 'i-0aaaaaaaaaaaaaaa1';
const NOW = '2025-10-20T10:00:00Z';
const CANARY = 'glrt-CANARYc4n4ryC4N4RY0123';
const example = JSON.parse(readFileSync(join(import.meta.dirname, '../../runner.config.json'), 'utf8'));
const config = { ...example, stackName: STACK };
const quiet = createLogger('health-check-test', {}, 'error');

const s3Mock = mockClient(S3Client);
const cfnMock = mockClient(CloudFormationClient);
let metrics: string[];
let env: Record<string, string | undefined>;

const line = (time: string, body: Record<string, unknown>) =>
  `${time.replace('Z', '+0000')} ip-192-168-0-10 gitlab-runner[2817]: ${JSON.stringify({ ...body, time })}`;
const snapshot = (time: string, polls: number, idle = 0) =>
  JSON.stringify({
    time,
    level: 'info',
    msg: 'metrics snapshot',
    source: 'log-shipper',
    request_job: { '201': 0, '204': polls, '403': 0 },
    machines: { idle, used: 0, creating: 0, removing: 0 },
  });

/** Two shipped minutes inside the window, one key of another hour outside it. */
const OBJECTS: Record<string, string[]> = {
  [`runner-logs/${STACK}/${INSTANCE}/2025/10/20/09/1760954310.log.gz`]: [snapshot('2025-10-20T09:58:30.100000Z', 100)],
  [`runner-logs/${STACK}/${INSTANCE}/2025/10/20/09/1760954370.log.gz`]: [
    line('2025-10-20T09:59:10Z', {
      level: 'warning',
      msg: 'Requesting machine removal',
      name: 'runner-zx9kqt4mw-ci-autoscale-1760950000-0badc0de',
      reason: `too many idle machines token=${CANARY}`,
    }),
    line('2025-10-20T09:59:50Z', {
      level: 'info',
      msg: 'Machine removed',
      name: 'runner-zx9kqt4mw-ci-autoscale-1760950000-0badc0de',
    }),
    snapshot('2025-10-20T09:59:30.100000Z', 120),
  ],
};

function mockBucket(bucket: string): void {
  s3Mock.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix: string; Delimiter?: string }) => {
    expect(input.Bucket).toBe(bucket);
    if (input.Delimiter === '/') return { CommonPrefixes: [{ Prefix: `runner-logs/${STACK}/${INSTANCE}/` }] };
    return {
      Contents: Object.keys(OBJECTS)
        .filter((k) => k.startsWith(input.Prefix))
        .map((Key) => ({ Key })),
    };
  });
  s3Mock.on(GetObjectCommand).callsFake((input: { Key: string }) => ({
    Body: Readable.from([gzipSync(`${(OBJECTS[input.Key] ?? []).join('\n')}\n`)]),
  }));
  s3Mock.on(PutObjectCommand).resolves({});
}

const deps = (): HealthCheckDeps => ({
  s3: new S3Client({ region: 'eu-west-1' }),
  cfn: new CloudFormationClient({ region: 'eu-west-1' }),
  env,
  clock: () => Date.parse(NOW),
  emitMetrics: (l) => metrics.push(l),
});

const puts = () => s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);

beforeEach(() => {
  s3Mock.reset();
  cfnMock.reset();
  metrics = [];
  env = {};
});
afterEach(() => {
  s3Mock.reset();
  cfnMock.reset();
});

describe('health-check step', () => {
  it('finds the log bucket through the stack, reads the window and writes four report objects', async () => {
    // Prepare
    cfnMock
      .on(DescribeStackResourcesCommand)
      .resolves({ StackResources: [{ LogicalResourceId: 'LogBucket', PhysicalResourceId: 'logs-bucket' } as never] });
    mockBucket('logs-bucket');
    // Act
    const result = await healthCheckStep.run({ config, now: NOW }, deps(), quiet);
    // Assess
    expect(cfnMock.commandCalls(DescribeStackResourcesCommand)[0]?.args[0].input).toEqual({
      StackName: STACK,
      LogicalResourceId: 'LogBucket',
    });
    expect(result.summary.logObjects).toBe(2);
    expect(result.summary.polling).toBe('ok');
    expect(puts().map((p) => [p.Bucket, p.Key, p.ContentType])).toEqual([
      ['logs-bucket', `reports/${STACK}/20251020T100000Z.json`, 'application/json'],
      ['logs-bucket', `reports/${STACK}/20251020T100000Z.html`, 'text/html; charset=utf-8'],
      ['logs-bucket', `reports/${STACK}/latest.json`, 'application/json'],
      ['logs-bucket', `reports/${STACK}/latest.html`, 'text/html; charset=utf-8'],
    ]);
  });

  it('lists only the hour prefixes of the window, not the whole retained history', async () => {
    env.LOG_BUCKET = 'env-logs';
    mockBucket('env-logs');
    await healthCheckStep.run({ config: { ...config, healthCheck: { windowMinutes: 90 } }, now: NOW }, deps(), quiet);
    const prefixes = s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix);
    expect(prefixes).toEqual([
      `runner-logs/${STACK}/`,
      `runner-logs/${STACK}/${INSTANCE}/2025/10/20/08/`,
      `runner-logs/${STACK}/${INSTANCE}/2025/10/20/09/`,
      `runner-logs/${STACK}/${INSTANCE}/2025/10/20/10/`,
    ]);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('writes to REPORT_BUCKET when set', async () => {
    env.LOG_BUCKET = 'env-logs';
    env.REPORT_BUCKET = 'reports-bucket';
    mockBucket('env-logs');
    const result = await healthCheckStep.run({ config, now: NOW }, deps(), quiet);
    expect(result.bucket).toBe('reports-bucket');
    expect(new Set(puts().map((p) => p.Bucket))).toEqual(new Set(['reports-bucket']));
  });

  it('never writes the token: not in the reports, the metrics or the result', async () => {
    // Prepare
    env.LOG_BUCKET = 'env-logs';
    mockBucket('env-logs');
    // Act
    const result = await healthCheckStep.run({ config, now: NOW }, deps(), quiet);
    // Assess
    const written = puts().map((p) => String(p.Body));
    expect(written.join('\n')).toContain('runner-zx9kqt4mw-ci-autoscale-1760950000-0badc0de');
    expect(written[0]).toContain('"removalReason": "too many idle machines token=[REDACTED]"');
    for (const text of [...written, ...metrics, JSON.stringify(result)]) expect(text).not.toContain('CANARY');
  });

  it('emits the EMF metrics line with the verdict as 0/1 values', async () => {
    env.LOG_BUCKET = 'env-logs';
    mockBucket('env-logs');
    const result = await healthCheckStep.run({ config, now: NOW }, deps(), quiet);
    expect(metrics).toHaveLength(1);
    const emf = JSON.parse(metrics[0] ?? '{}');
    expect(emf._aws.Timestamp).toBe(Date.parse(NOW));
    expect(emf._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual([
      'Healthy',
      'Unhealthy',
      'Unprovable',
      'MaxConcurrentMachines',
      'IdleMachineMinutes',
      'ForbiddenCount',
      'Jobs',
    ]);
    const verdictMetric = { healthy: 'Healthy', unhealthy: 'Unhealthy', unprovable: 'Unprovable' }[result.verdict];
    expect(emf[verdictMetric]).toBe(1);
    expect(emf.Healthy + emf.Unhealthy + emf.Unprovable).toBe(1);
  });

  it('fails with a next step when the stack has no LogBucket', async () => {
    cfnMock
      .on(DescribeStackResourcesCommand)
      .rejects(Object.assign(new Error('Stack with id fleet-unit does not exist'), { name: 'ValidationError' }));
    await expect(healthCheckStep.run({ config, now: NOW }, deps(), quiet)).rejects.toMatchObject({
      code: 'HEALTH_NO_LOG_BUCKET',
      hint: expect.stringContaining('LOG_BUCKET'),
    });
  });

  it('fails with a next step when the report cannot be written', async () => {
    env.LOG_BUCKET = 'env-logs';
    mockBucket('env-logs');
    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(healthCheckStep.run({ config, now: NOW }, deps(), quiet)).rejects.toMatchObject({
      code: 'HEALTH_REPORT_NOT_STORED',
      hint: expect.stringContaining('s3:PutObject'),
    });
  });

  it('takes the config from RUNNER_CONFIG when the event has none, and judges at the clock', async () => {
    // Prepare
    const previous = process.env.RUNNER_CONFIG;
    process.env.RUNNER_CONFIG = JSON.stringify(config);
    env.LOG_BUCKET = 'env-logs';
    mockBucket('env-logs');
    try {
      // Act
      const result = await healthCheckStep.run({}, deps(), quiet);
      // Assess
      expect(result.summary.now).toBe('2025-10-20T10:00:00.000Z');
      expect(result.summary.stackName).toBe(STACK);
    } finally {
      if (previous === undefined) delete process.env.RUNNER_CONFIG;
      else process.env.RUNNER_CONFIG = previous;
    }
  });

  it('rejects an event whose now is not an ISO time', async () => {
    await expect(healthCheckStep.run({ config, now: 'yesterday' }, deps(), quiet)).rejects.toMatchObject({
      code: 'EVENT_INVALID',
    });
  });
});

describe('health-check settings and window', () => {
  it('uses the most lenient IdleTime/IdleCount of the autoscaling periods', () => {
    const parsed = parseRunnerConfig(config);
    // runner.config.json: IdleTime 300, a business-hours period with IdleTime 600
    expect(healthSettingsFromConfig(parsed)).toEqual({
      idleTime: 600,
      idleCount: 0,
      idleGraceSeconds: 180,
      pollingStaleAfterSeconds: 900,
    });
  });

  it('lists every UTC hour the window touches', () => {
    expect(hourPrefixes(Date.parse('2025-12-31T23:30:00Z'), Date.parse('2026-01-01T00:10:00Z'))).toEqual([
      '2025/12/31/23',
      '2026/01/01/00',
    ]);
  });
});
