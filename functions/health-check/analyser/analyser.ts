import type { LineCounts, LogEvent } from '../log-events.js';
import { JobTracker } from './jobs.js';
import { MachineTracker } from './machines.js';
import { PollingTracker } from './polling.js';
import { jobReports, machineReports } from './report-rows.js';
import type { BuildReportOptions, HealthReport } from './report-types.js';
import { judgeScaleToZero } from './scale-to-zero.js';
import { iso, maxOf, minOf } from './time.js';
import { overallVerdict } from './verdict.js';

/**
 * The incremental analyser: feed it the parser's events one by one (`onEvent`), then `buildReport`.
 * Memory is constant apart from one record per job and per machine (see the trackers).
 */
export interface Analyser {
  onEvent(event: LogEvent): void;
  buildReport(opts: BuildReportOptions): HealthReport;
}

export function createAnalyser(): Analyser {
  const polling = new PollingTracker();
  const machines = new MachineTracker();
  const jobs = new JobTracker(machines);
  let from: number | undefined;
  let to: number | undefined;

  const onEvent = (event: LogEvent): void => {
    if (!Number.isFinite(event.time)) return;
    from = minOf(from, event.time);
    to = maxOf(to, event.time);
    polling.onEvent(event);
    machines.onEvent(event);
    jobs.onEvent(event);
  };

  const buildReport = (opts: BuildReportOptions): HealthReport => {
    const counts = opts.lineCounts;
    const windowFrom = minOf(from, finite(counts.firstTime));
    const windowTo = maxOf(to, finite(counts.lastTime));
    const now = opts.now ?? windowTo ?? Date.now();
    const windowStart = windowFrom ?? now;
    const jobRows = jobReports(jobs, machines, now);
    const running = jobRows.filter((j) => j.status === 'running').length;
    const lastJobEnd = maxOf(jobs.lastFinishedAt, jobs.lastActivityEnd());
    const pollingJudged = polling.judge({ now, staleAfterSeconds: opts.pollingStaleAfterSeconds });
    const scale = judgeScaleToZero(machines, {
      now,
      idleTime: opts.idleTime,
      idleCount: opts.idleCount,
      idleGraceSeconds: opts.idleGraceSeconds,
      lastJobFinishedAt: lastJobEnd,
      runningJobs: running,
      windowStart,
    });
    const { verdict, reasons } = overallVerdict(pollingJudged.report, scale.report);
    const lineEvidence =
      counts.skipped > 0 ? [`${counts.skipped} of ${counts.total} line(s) were not understood and skipped.`] : [];
    return {
      verdict,
      reasons,
      window: {
        from: iso(windowFrom),
        to: iso(windowTo),
        now: new Date(now).toISOString(),
      },
      settings: {
        idleTime: opts.idleTime,
        idleCount: opts.idleCount,
        idleGraceSeconds: opts.idleGraceSeconds,
        pollingStaleAfterSeconds: opts.pollingStaleAfterSeconds,
      },
      polling: pollingJudged.report,
      scaleToZero: scale.report,
      jobs: jobRows,
      machines: machineReports(machines),
      maxConcurrentMachines: machines.maxConcurrent(windowStart, now),
      idleMachineMinutes: machines.idleMachineMinutes(now),
      lines: lineSummary(counts),
      evidence: [...pollingJudged.evidence, ...scale.evidence, ...jobSummary(jobRows), ...lineEvidence],
    };
  };

  return { onEvent, buildReport };
}

const finite = (n: number | undefined): number | undefined => (n !== undefined && Number.isFinite(n) ? n : undefined);

function lineSummary(c: LineCounts): HealthReport['lines'] {
  const out: HealthReport['lines'] = { total: c.total, parsed: c.parsed, skipped: c.skipped, duplicates: c.duplicates };
  if (c.sources !== undefined) out.sources = c.sources;
  if (c.readErrors !== undefined) out.readErrors = c.readErrors;
  return out;
}

function jobSummary(jobRows: HealthReport['jobs']): string[] {
  if (jobRows.length === 0) return ['No job in these logs.'];
  const by = (s: string) => jobRows.filter((j) => j.status === s).length;
  return [
    `${jobRows.length} job(s): ${by('success')} succeeded, ${by('failed')} failed, ${by('running')} running, ${by('unknown')} with an unknown result.`,
  ];
}
