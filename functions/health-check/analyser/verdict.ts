import type { PollingReport, ScaleToZeroReport, Verdict } from './report-types.js';

/**
 * Overall verdict (DESIGN.md section 6): unhealthy when polling is stale or forbidden or scale-to-zero is violated;
 * unprovable when either part cannot be proven and nothing is unhealthy; healthy otherwise. `pending` (machines
 * still inside their idle window) is not a failure.
 */
export function overallVerdict(
  polling: PollingReport,
  scale: ScaleToZeroReport,
): { verdict: Verdict; reasons: string[] } {
  const unhealthy: string[] = [];
  const unprovable: string[] = [];
  if (polling.status === 'forbidden') {
    unhealthy.push(
      'GitLab refuses the runner token (403 Forbidden): store a valid runner authentication token and restart the runner.',
    );
  } else if (polling.status === 'stale') {
    const since = polling.lastSuccessfulPollAt ? `since ${polling.lastSuccessfulPollAt}` : 'in the whole window';
    const failed =
      polling.failedCount > 0 ? ` ${polling.failedCount} job request(s) failed (GitLab unreachable or 5xx).` : '';
    unhealthy.push(`The runner has not polled GitLab successfully ${since}.${failed}`);
  } else if (polling.status === 'unprovable') {
    unprovable.push(
      polling.snapshotErrors > 0 && !polling.visibleThrough.includes('snapshots')
        ? `Polling cannot be proven: the log shipper could not read the runner's metrics endpoint (${polling.snapshotErrors} snapshot(s)); check that gitlab-runner runs and has listen_address = "127.0.0.1:9252".`
        : 'Polling cannot be proven: the logs show no idle job request (set log_level debug, or ship metrics snapshots).',
    );
  }
  if (scale.status === 'violated') {
    const names = scale.violations.map((v) => v.machine).join(', ');
    unhealthy.push(`Idle machine(s) not removed within IdleTime + grace (${scale.idleLimitSeconds} s): ${names}.`);
  } else if (scale.status === 'unprovable') {
    unprovable.push('Scale-to-zero cannot be judged: the logs hold no machine line, snapshot or machine count.');
  }
  if (unhealthy.length > 0) return { verdict: 'unhealthy', reasons: unhealthy };
  if (unprovable.length > 0) return { verdict: 'unprovable', reasons: unprovable };
  return { verdict: 'healthy', reasons: [] };
}
