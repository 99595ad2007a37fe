import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { defaultCfnClient, defaultS3Client } from '../shared/aws-clients.js';
import { stepInputWithConfig } from '../shared/config/from-env.js';
import { type RunnerConfig, runnerConfigSchema } from '../shared/config/schema.js';
import type { Logger } from '../shared/logger.js';
import { redactValue } from '../shared/redact.js';
import { defineStep } from '../shared/step.js';
import { analyseLogs } from './analyse-logs.js';
import type { HealthReport } from './analyser/report-types.js';
import { findLogBucket, listWindowObjects } from './log-objects.js';
import { emfLine } from './metrics.js';
import { renderReportHtml } from './report-html.js';
import { reportKeys, storeReport } from './report-store.js';
import { healthSettingsFromConfig } from './settings.js';

/**
 * health-check (DESIGN.md sections 5 and 6): reads the window's shipped logs of the runner stack from its
 * LogBucket, parses and judges them, writes the JSON and HTML report to S3 (`reports/<stack>/…`), emits the
 * metrics (one EMF line) and returns the verdict. Idempotent: the same `now` writes the same keys.
 * Environment: LOG_BUCKET (else the stack's LogBucket), REPORT_BUCKET (else the log bucket), RUNNER_CONFIG
 * (when the event has no config).
 */
export interface HealthCheckDeps {
  s3: S3Client;
  cfn: CloudFormationClient;
  env: Record<string, string | undefined>;
  /** Epoch ms; the check's `now` when the event gives none. */
  clock: () => number;
  /** Where the EMF metrics line goes (stdout in Lambda). */
  emitMetrics: (line: string) => void;
}

export const healthCheckInputSchema = stepInputWithConfig(
  z.object({
    config: runnerConfigSchema,
    /** ISO time to judge at (default: now); the window is the `healthCheck.windowMinutes` before it. */
    now: z.iso.datetime({ offset: true }).optional(),
  }),
);

export const healthCheckOutputSchema = z.strictObject({
  verdict: z.enum(['healthy', 'unhealthy', 'unprovable']),
  bucket: z.string(),
  reportKey: z.string(),
  htmlKey: z.string(),
  summary: z.strictObject({
    stackName: z.string(),
    now: z.string(),
    polling: z.enum(['ok', 'stale', 'forbidden', 'unprovable']),
    scaleToZero: z.enum(['held', 'violated', 'pending', 'unprovable']),
    lastSuccessfulPollAt: z.string().nullable(),
    violations: z.array(z.string()),
    jobs: z.number().int().min(0),
    maxConcurrentMachines: z.number().int().min(0),
    idleMachineMinutes: z.number().min(0),
    logObjects: z.number().int().min(0),
    reasons: z.array(z.string()),
  }),
});
export type HealthCheckResult = z.infer<typeof healthCheckOutputSchema>;

export async function runHealthCheck(
  config: RunnerConfig,
  nowIso: string | undefined,
  deps: HealthCheckDeps,
  log: Logger,
): Promise<HealthCheckResult> {
  const now = nowIso ? Date.parse(nowIso) : deps.clock();
  const stackName = config.stackName;
  const logBucket = await findLogBucket(deps.cfn, stackName, deps.env);
  const from = now - config.healthCheck.windowMinutes * 60_000;
  const objects = await listWindowObjects(deps.s3, logBucket, stackName, from, now);
  log.info('reading shipped logs', { bucket: logBucket, prefix: objects.prefix, objects: objects.sources.length });
  const analysed = await analyseLogs(objects.sources, healthSettingsFromConfig(config), {
    now,
    s3: deps.s3,
    onSourceError: (source, error) => log.warn('a log object could not be read to the end', { source, error }),
  });
  const report = redactValue(withNoLogsReason(analysed, objects.sources.length, logBucket, objects.prefix, config));
  const reportBucket = deps.env.REPORT_BUCKET || logBucket;
  const keys = reportKeys(stackName, now);
  const html = renderReportHtml(report, { subject: stackName });
  await storeReport(deps.s3, reportBucket, keys, `${JSON.stringify(report, null, 2)}\n`, html);
  deps.emitMetrics(emfLine(report, stackName, now));
  log.info('health judged', { verdict: report.verdict, reasons: report.reasons, reportKey: keys.reportKey });
  return {
    verdict: report.verdict,
    bucket: reportBucket,
    reportKey: keys.reportKey,
    htmlKey: keys.htmlKey,
    summary: {
      stackName,
      now: report.window.now,
      polling: report.polling.status,
      scaleToZero: report.scaleToZero.status,
      lastSuccessfulPollAt: report.polling.lastSuccessfulPollAt,
      violations: report.scaleToZero.violations.map((v) => v.machine),
      jobs: report.jobs.length,
      maxConcurrentMachines: report.maxConcurrentMachines,
      idleMachineMinutes: report.idleMachineMinutes,
      logObjects: objects.sources.length,
      reasons: report.reasons,
    },
  };
}

/** No object in the window: the manager is down or does not ship. Say so first, whatever the verdict. */
function withNoLogsReason(
  report: HealthReport,
  objects: number,
  bucket: string,
  prefix: string,
  config: RunnerConfig,
): HealthReport {
  if (objects > 0) return report;
  const sentence = `No log object under s3://${bucket}/${prefix} in the last ${config.healthCheck.windowMinutes} min: the manager is down, or its log shipper cannot upload (check the instance and its role's s3:PutObject).`;
  return { ...report, reasons: [sentence, ...report.reasons], evidence: [sentence, ...report.evidence] };
}

export const healthCheckStep = defineStep({
  name: 'health-check',
  input: healthCheckInputSchema,
  output: healthCheckOutputSchema,
  defaultDeps: (): HealthCheckDeps => {
    return {
      s3: defaultS3Client(),
      cfn: defaultCfnClient(),
      env: process.env,
      clock: Date.now,
      emitMetrics: (line) => process.stdout.write(`${line}\n`),
    };
  },
  execute: (input, { deps, log }) => runHealthCheck(input.config, input.now, deps, log),
});
