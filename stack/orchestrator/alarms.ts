import type { CfnResource } from '../shared/cfn.js';
import { type OrchestratorContext, orchestratorTags } from './context.js';

/** The health check's EMF metrics (functions/health-check/metrics.ts): namespace and dimension. */
export const METRIC_NAMESPACE = 'GitLabRunnerOrchestrator';

const DAY_SECONDS = 86_400;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3_600, day: DAY_SECONDS };

/** Seconds between two scheduled checks: `rate(N unit)`; a cron expression counts as hourly. */
export function scheduleIntervalSeconds(expression: string): number {
  const rate = /^rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)$/.exec(expression.trim());
  if (!rate) return 3_600;
  return Number(rate[1]) * (UNIT_SECONDS[rate[2] as string] ?? 3_600);
}

/**
 * The alarm period: one schedule interval, in whole minutes, at most a day (CloudWatch's limit for
 * period x evaluation periods), so every period holds one verdict.
 */
export function alarmPeriodSeconds(expression: string, evaluationPeriods = 1): number {
  const minutes = Math.max(1, Math.ceil(scheduleIntervalSeconds(expression) / 60));
  return Math.min(minutes * 60, Math.floor(DAY_SECONDS / evaluationPeriods / 60) * 60);
}

function alarm(
  ctx: OrchestratorContext,
  metric: 'Unhealthy' | 'Unprovable',
  description: string,
  evaluationPeriods: number,
  missingData: 'notBreaching' | 'breaching',
): CfnResource {
  const topic = ctx.config.healthCheck.alarmTopicArn;
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: METRIC_NAMESPACE,
      MetricName: metric,
      Dimensions: [{ Name: 'StackName', Value: ctx.config.stackName }],
      Statistic: 'Maximum',
      Period: alarmPeriodSeconds(ctx.config.healthCheck.scheduleExpression, evaluationPeriods),
      EvaluationPeriods: evaluationPeriods,
      DatapointsToAlarm: evaluationPeriods,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: missingData,
      ...(topic ? { AlarmActions: [topic], OKActions: [topic] } : {}),
      Tags: orchestratorTags(ctx.config, `${metric.toLowerCase()}-alarm`),
    },
  };
}

/**
 * Unhealthy: the last verdict said the fleet does not poll or does not scale to zero. Unprovable: two verdicts in
 * a row could not prove health, or no verdict came at all (the check itself fails): "cannot prove" is never a
 * silent pass. Both notify healthCheck.alarmTopicArn when it is set.
 */
export function alarmResources(ctx: OrchestratorContext): Record<string, CfnResource> {
  const stack = ctx.config.stackName;
  return {
    UnhealthyAlarm: alarm(
      ctx,
      'Unhealthy',
      `Runner stack ${stack} is unhealthy: see the latest report under reports/${stack}/ in its log bucket.`,
      1,
      'notBreaching',
    ),
    UnprovableAlarm: alarm(
      ctx,
      'Unprovable',
      `The health of runner stack ${stack} cannot be proven (no logs, no snapshots, or the check does not run).`,
      2,
      'breaching',
    ),
  };
}
