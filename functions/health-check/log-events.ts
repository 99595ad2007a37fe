/**
 * What the log parser extracts from a line, whatever its format (runner json/text/runner format, journald
 * prefixes, the log shipper's snapshots and cfn-init lines, GitLab access logs). The analyser consumes these
 * one by one; nothing else of a line is kept. Times are epoch milliseconds (UTC).
 */
export type LogSourceKind = 'runner' | 'snapshot' | 'access-log';

export type PollResult = 'job' | 'empty' | 'forbidden' | 'failed' | 'unavailable';

export type LogEvent =
  /** One job request: `Checking for jobs...` lines, or `POST /api/v4/jobs/request` in an access log. */
  | { kind: 'poll'; time: number; result: PollResult; source: LogSourceKind; jobId?: number }
  /** The log shipper's per-minute snapshot (counters cumulative, straight from Prometheus). */
  | {
      kind: 'snapshot';
      time: number;
      requestJob?: Record<string, number>;
      machines?: Record<string, number>;
      instances?: Record<string, number>;
      error?: string;
    }
  /** `Runner … is unhealthy and will be disabled` / v11 `is not healthy and will be disabled!`. */
  | { kind: 'runner-disabled'; time: number }
  /** Job picked up; `queueSeconds` when the runner logs `time_in_queue_seconds` (>= 16.10). */
  | { kind: 'job-received'; time: number; jobId: number; queueSeconds?: number }
  /** The job got its machine: `Starting docker-machine build...`, `Created/Using existing docker-machine`. */
  | { kind: 'job-machine'; time: number; jobId: number; machine: string; newMachine?: boolean }
  /** Job activity seen only in access logs (trace PATCH, job PUT) or a clone from the runner NAT. */
  | { kind: 'job-activity'; time: number; jobId?: number; activity: 'trace' | 'update' | 'clone' }
  | { kind: 'job-finished'; time: number; jobId: number; status: 'success' | 'failed'; durationSeconds?: number }
  | { kind: 'machine-created'; time: number; machine: string; creationSeconds?: number }
  | { kind: 'machine-removal-requested'; time: number; machine: string; reason?: string }
  | { kind: 'machine-removed'; time: number; machine: string; reason?: string }
  /** Debug `Docker Machine Details` counts (every poll at debug level). */
  | {
      kind: 'machine-details';
      time: number;
      idle: number;
      used: number;
      creating: number;
      removing: number;
      total: number;
    }
  /** The log is at debug level (a debug-only line was seen): absence of `no content` lines then means something. */
  | { kind: 'debug-level'; time: number };

export interface LineCounts {
  total: number;
  parsed: number;
  skipped: number;
  /** Lines dropped as exact duplicates (old installs log every line twice through syslog). */
  duplicates: number;
  /** Sources (files, S3 objects) read (set by the parser's `parseLogs`). */
  sources?: number;
  /** Sources that ended early with a read error (truncated gzip, a failed GetObject); their earlier lines count. */
  readErrors?: number;
  /**
   * Epoch ms of the earliest / latest timestamp on any parsed line, events or not (optional: set by the parser
   * when it knows them). The analyser's window ends at the last line, so a log whose polls stop while other lines
   * go on is judged at its end, not at the last poll.
   */
  firstTime?: number;
  lastTime?: number;
}
