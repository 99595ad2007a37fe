import type { HealthReport } from './analyser/report-types.js';

/**
 * The health check's metrics as one CloudWatch Embedded Metric Format line (written to stdout, CloudWatch Logs
 * turns it into metrics): namespace GitLabRunnerOrchestrator, dimension StackName. The unhealthy alarm watches
 * `Unhealthy`; `Unprovable` gets its own alarm so "cannot prove" is never a silent pass.
 */
export const METRIC_NAMESPACE = 'GitLabRunnerOrchestrator';

export function emfLine(report: HealthReport, stackName: string, timestamp: number): string {
  const values = {
    Healthy: report.verdict === 'healthy' ? 1 : 0,
    Unhealthy: report.verdict === 'unhealthy' ? 1 : 0,
    Unprovable: report.verdict === 'unprovable' ? 1 : 0,
    MaxConcurrentMachines: report.maxConcurrentMachines,
    IdleMachineMinutes: report.idleMachineMinutes,
    ForbiddenCount: report.polling.forbiddenCount,
    Jobs: report.jobs.length,
  };
  const units: Record<keyof typeof values, string> = {
    Healthy: 'Count',
    Unhealthy: 'Count',
    Unprovable: 'Count',
    MaxConcurrentMachines: 'Count',
    IdleMachineMinutes: 'None',
    ForbiddenCount: 'Count',
    Jobs: 'Count',
  };
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [['StackName']],
          Metrics: Object.entries(units).map(([Name, Unit]) => ({ Name, Unit })),
        },
      ],
    },
    StackName: stackName,
    Verdict: report.verdict,
    ...values,
  });
}
