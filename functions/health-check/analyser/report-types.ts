import type { LineCounts } from '../log-events.js';

/**
 * The health report (DESIGN.md section 6), as written to S3 and printed by `npm run health -- --json`.
 * Times are ISO-8601 strings (UTC) or null when the logs do not show them; durations are seconds.
 * The field names listed in issue 4 (`verdict`, `polling.status`, … `lines.skipped`) are an interface: keep them.
 */
export type Verdict = 'healthy' | 'unhealthy' | 'unprovable';
export type PollingStatus = 'ok' | 'stale' | 'forbidden' | 'unprovable';
export type ScaleToZeroStatus = 'held' | 'violated' | 'pending' | 'unprovable';
export type JobStatus = 'success' | 'failed' | 'running' | 'unknown';

/** Where the proof of idle polling can come from: `poll-lines` = idle poll lines (`no content`/`nothing`: debug level, or info in 15.6-15.8). */
export type PollEvidenceSource = 'debug-lines' | 'poll-lines' | 'access-log' | 'snapshots';

export interface PollingGap {
  from: string;
  to: string;
  seconds: number;
  /** True when the gap runs up to `now` (no poll since `from`). */
  ongoing: boolean;
}

/** Poll evidence per minute, for the timeline lane (`ok` = successful requests, `problem` = 403/disabled). */
export interface PollMinute {
  minute: string;
  ok: number;
  problem: number;
  failed: number;
}

export interface PollingReport {
  status: PollingStatus;
  lastSuccessfulPollAt: string | null;
  lastForbiddenAt: string | null;
  forbiddenCount: number;
  disabledCount: number;
  /** 5xx, transport errors, `GitLab instance currently unavailable`: not a token problem, not a success either. */
  failedCount: number;
  /** Snapshots in which the shipper could not read the runner's metrics endpoint (runner down, no listen_address). */
  snapshotErrors: number;
  /** Median gap between consecutive visible polls (debug lines or access log); null when polls are invisible. */
  intervalSeconds: number | null;
  /** Sources in these logs that would show an idle runner's polls. Empty = polling cannot be proven idle. */
  visibleThrough: PollEvidenceSource[];
  gaps: PollingGap[];
  perMinute: PollMinute[];
}

export interface ScaleViolation {
  machine: string;
  idleSince: string;
  idleSeconds: number;
  removalRequestedAt: string | null;
  /** `lines` = a named machine from the runner's log; `counts` = only metrics snapshots / Docker Machine Details. */
  seenIn: 'lines' | 'counts';
}

export interface LateRemoval {
  machine: string;
  idleSeconds: number;
  removedAt: string | null;
}

export interface ScaleToZeroReport {
  status: ScaleToZeroStatus;
  zeroSince: string | null;
  /** IdleTime + grace, the longest a machine may stay idle with IdleCount 0. */
  idleLimitSeconds: number;
  idleCount: number;
  lastJobFinishedAt: string | null;
  machinesAlive: number;
  violations: ScaleViolation[];
  /** Machines that were removed, but later than IdleTime + grace (a past violation, now resolved). */
  lateRemovals: LateRemoval[];
}

export interface JobReport {
  id: number;
  status: JobStatus;
  receivedAt: string | null;
  finishedAt: string | null;
  machine: string | null;
  newMachine: boolean | null;
  /** Received → machine ready (`Starting docker-machine build`, `Created docker-machine`) or → first clone. */
  provisioningWaitSeconds: number | null;
  /** GitLab's `time_in_queue_seconds` (runner >= 16.10). */
  queueSeconds: number | null;
  durationSeconds: number | null;
  cloneAt: string | null;
}

export interface MachineReport {
  name: string;
  createdAt: string | null;
  removalRequestedAt: string | null;
  removedAt: string | null;
  jobs: number[];
  /** Idle time between its last job (or creation) and the removal request. */
  idleSecondsBeforeRemoval: number | null;
  removalReason: string | null;
  creationSeconds: number | null;
  state: 'alive' | 'removing' | 'removed';
}

export interface HealthReport {
  verdict: Verdict;
  /** One sentence per reason for the verdict (empty when healthy). */
  reasons: string[];
  window: { from: string | null; to: string | null; now: string };
  settings: { idleTime: number; idleCount: number; idleGraceSeconds: number; pollingStaleAfterSeconds: number };
  polling: PollingReport;
  scaleToZero: ScaleToZeroReport;
  jobs: JobReport[];
  machines: MachineReport[];
  maxConcurrentMachines: number;
  idleMachineMinutes: number;
  lines: Pick<LineCounts, 'total' | 'parsed' | 'skipped' | 'duplicates' | 'sources' | 'readErrors'>;
  /** Short human sentences: what the logs show and what they cannot show. */
  evidence: string[];
}

export interface BuildReportOptions {
  /** Epoch ms; defaults to the end of the log window (the last event), or the current time without events. */
  now?: number;
  idleTime: number;
  idleCount: number;
  idleGraceSeconds: number;
  pollingStaleAfterSeconds: number;
  lineCounts: LineCounts;
}
