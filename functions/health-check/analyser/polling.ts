import type { LogEvent, LogSourceKind, PollResult } from '../log-events.js';
import type { PollEvidenceSource, PollingGap, PollingReport, PollingStatus, PollMinute } from './report-types.js';
import { humanSeconds, iso, maxOf, round1 } from './time.js';

/**
 * Polling evidence, fed event by event. Memory: a few numbers, a histogram of poll intervals (bounded), the
 * longest evidence gaps (bounded) and one counter triple per minute of log (bounded).
 *
 * A success is a job request that GitLab answered 201/204: a poll line (`received`, `no content`/`nothing`),
 * a job picked up, or a 201/204 counter that rose between two snapshots. A problem is a 403 (poll line or a
 * rising 403 counter) or the runner disabling itself. Idle polls are only visible with debug lines, the 15.6-15.8
 * info poll lines, a GitLab access log, or at least two metrics snapshots: without one of those, the absence of
 * polls proves nothing (DESIGN.md section 5).
 */
const MINUTE = 60_000;
/** Gaps shorter than this are never recorded; the report keeps those over max(90 s, 10 x interval). */
const GAP_CANDIDATE_MS = 60_000;
const MIN_GAP_MS = 90_000;
const MAX_GAP_CANDIDATES = 500;
const MAX_MINUTES = 50_000;
const MAX_INTERVAL_BUCKETS = 10_000;
/** Re-polls right after a received job (the runner re-queues itself) are not the cadence. */
const MIN_CADENCE_MS = 500;

interface Snapshot {
  time: number;
  requestJob: Record<string, number>;
}

export interface PollingJudgeOptions {
  now: number;
  staleAfterSeconds: number;
}

export class PollingTracker {
  private lastSuccessAt: number | undefined;
  private lastProblemAt: number | undefined;
  private lastForbiddenAt: number | undefined;
  private forbiddenPolls = 0;
  private snapshotForbidden = 0;
  private disabledCount = 0;
  private failedCount = 0;
  private readonly visibleSince = new Map<PollEvidenceSource, number>();
  private counterSnapshots = 0;
  private snapshotErrors = 0;
  private previousSnapshot: Snapshot | undefined;
  private previousDirectPoll: number | undefined;
  /** Interval histogram, key = gap in tenths of a second. */
  private readonly intervals = new Map<number, number>();
  private lastEvidenceAt: number | undefined;
  private gapCandidates: { from: number; to: number }[] = [];
  private readonly minutes = new Map<number, PollMinute & { key: number }>();

  onEvent(event: LogEvent): void {
    switch (event.kind) {
      case 'poll':
        this.onPoll(event.time, event.result, event.source);
        break;
      case 'snapshot':
        if (event.error !== undefined || event.requestJob === undefined) {
          if (event.error !== undefined) this.snapshotErrors += 1;
          break;
        }
        this.onSnapshot({ time: event.time, requestJob: event.requestJob });
        break;
      case 'runner-disabled':
        this.disabledCount += 1;
        this.problem(event.time);
        break;
      case 'job-received':
        // Proof of a 201, counted in the lane by its `poll` event (the parser emits both for one line).
        this.success(event.time, false);
        break;
      case 'debug-level':
        this.visible('debug-lines', event.time);
        break;
      default:
        break;
    }
  }

  private onPoll(time: number, result: PollResult, source: LogSourceKind): void {
    if (source === 'access-log') this.visible('access-log', time);
    else if (result === 'empty') this.visible('poll-lines', time);
    if (result === 'job' || result === 'empty') {
      if (this.cadenceVisible()) this.recordInterval(time);
      this.success(time);
    } else if (result === 'forbidden') {
      this.forbiddenPolls += 1;
      this.lastForbiddenAt = maxOf(this.lastForbiddenAt, time);
      this.problem(time);
    } else {
      this.failedCount += 1;
      this.bump(time, 'failed', 1);
    }
  }

  private onSnapshot(snapshot: Snapshot): void {
    this.counterSnapshots += 1;
    this.visible('snapshots', snapshot.time);
    const previous = this.previousSnapshot;
    if (previous === undefined || snapshot.time < previous.time) {
      this.previousSnapshot = previous === undefined ? snapshot : previous;
      return;
    }
    const delta = (status: string): number => {
      const now = snapshot.requestJob[status] ?? 0;
      const before = previous.requestJob[status] ?? 0;
      // A counter that went down means the runner restarted and its counters began again at 0.
      return now >= before ? now - before : now;
    };
    const ok = delta('201') + delta('204');
    const forbidden = delta('403');
    if (ok > 0) {
      this.success(snapshot.time);
      this.bump(snapshot.time, 'ok', ok - 1); // success() already counted one
    }
    if (forbidden > 0) {
      this.snapshotForbidden += forbidden;
      this.lastForbiddenAt = maxOf(this.lastForbiddenAt, snapshot.time);
      this.problem(snapshot.time);
      this.bump(snapshot.time, 'problem', forbidden - 1);
    }
    this.previousSnapshot = snapshot;
  }

  private visible(source: PollEvidenceSource, time: number): void {
    const since = this.visibleSince.get(source);
    if (since === undefined || time < since) this.visibleSince.set(source, time);
  }

  private success(time: number, count = true): void {
    if (count) this.bump(time, 'ok', 1);
    const visibleFrom = this.earliestVisible();
    const previous = this.lastEvidenceAt ?? visibleFrom;
    if (previous !== undefined && visibleFrom !== undefined && visibleFrom <= previous) {
      if (time - previous > GAP_CANDIDATE_MS) this.addGapCandidate(previous, time);
    }
    this.lastEvidenceAt = maxOf(this.lastEvidenceAt, time);
    this.lastSuccessAt = maxOf(this.lastSuccessAt, time);
  }

  private problem(time: number): void {
    this.bump(time, 'problem', 1);
    this.lastProblemAt = maxOf(this.lastProblemAt, time);
  }

  private recordInterval(time: number): void {
    const previous = this.previousDirectPoll;
    this.previousDirectPoll = maxOf(previous, time);
    if (previous === undefined || time - previous < MIN_CADENCE_MS) return;
    const key = Math.round((time - previous) / 100);
    if (!this.intervals.has(key) && this.intervals.size >= MAX_INTERVAL_BUCKETS) return;
    this.intervals.set(key, (this.intervals.get(key) ?? 0) + 1);
  }

  private addGapCandidate(from: number, to: number): void {
    this.gapCandidates.push({ from, to });
    if (this.gapCandidates.length > MAX_GAP_CANDIDATES * 2) {
      this.gapCandidates.sort((a, b) => b.to - b.from - (a.to - a.from));
      this.gapCandidates = this.gapCandidates.slice(0, MAX_GAP_CANDIDATES);
    }
  }

  private bump(time: number, field: 'ok' | 'problem' | 'failed', by: number): void {
    if (by <= 0) return;
    const key = Math.floor(time / MINUTE);
    let minute = this.minutes.get(key);
    if (minute === undefined) {
      if (this.minutes.size >= MAX_MINUTES) return;
      minute = { key, minute: new Date(key * MINUTE).toISOString(), ok: 0, problem: 0, failed: 0 };
      this.minutes.set(key, minute);
    }
    minute[field] += by;
  }

  /** Every poll line is in the log (not only the ones that received a job): the cadence can be measured. */
  private cadenceVisible(): boolean {
    return (
      this.visibleSince.has('debug-lines') || this.visibleSince.has('access-log') || this.visibleSince.has('poll-lines')
    );
  }

  /** Sources that can show idle polling; snapshots need two to give a delta. */
  private validSources(): Map<PollEvidenceSource, number> {
    const valid = new Map(this.visibleSince);
    if (this.counterSnapshots < 2) valid.delete('snapshots');
    return valid;
  }

  private earliestVisible(): number | undefined {
    let earliest: number | undefined;
    for (const since of this.visibleSince.values())
      earliest = earliest === undefined ? since : Math.min(earliest, since);
    return earliest;
  }

  private medianIntervalSeconds(): number | null {
    let total = 0;
    for (const count of this.intervals.values()) total += count;
    if (total === 0) return null;
    const keys = [...this.intervals.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const key of keys) {
      seen += this.intervals.get(key) ?? 0;
      if (seen * 2 >= total) return key / 10;
    }
    return null;
  }

  judge({ now, staleAfterSeconds }: PollingJudgeOptions): { report: PollingReport; evidence: string[] } {
    const valid = this.validSources();
    const visibleFrom = valid.size > 0 ? Math.min(...valid.values()) : undefined;
    const interval = this.medianIntervalSeconds();
    const status = this.status(now, staleAfterSeconds, visibleFrom);
    const gaps = visibleFrom === undefined ? [] : this.gaps(now, interval, visibleFrom);
    const report: PollingReport = {
      status,
      lastSuccessfulPollAt: iso(this.lastSuccessAt),
      lastForbiddenAt: iso(this.lastForbiddenAt),
      forbiddenCount: Math.max(this.forbiddenPolls, this.snapshotForbidden),
      disabledCount: this.disabledCount,
      failedCount: this.failedCount,
      snapshotErrors: this.snapshotErrors,
      intervalSeconds: interval,
      visibleThrough: [...valid.keys()].sort(),
      gaps,
      perMinute: [...this.minutes.values()]
        .sort((a, b) => a.key - b.key)
        .map(({ minute, ok, problem, failed }) => ({ minute, ok, problem, failed })),
    };
    return { report, evidence: this.evidence(report, now, staleAfterSeconds, visibleFrom) };
  }

  private status(now: number, staleAfterSeconds: number, visibleFrom: number | undefined): PollingStatus {
    const success = this.lastSuccessAt;
    // A 403 in the same minute as a 204 (snapshot resolution) counts as after it: the cautious reading.
    if (this.lastProblemAt !== undefined && (success === undefined || this.lastProblemAt >= success)) {
      return 'forbidden';
    }
    if (success !== undefined && now - success <= staleAfterSeconds * 1000) return 'ok';
    if (visibleFrom === undefined) return 'unprovable';
    if (success !== undefined) return 'stale';
    // Visible, but never a success: stale only once we watched for longer than the threshold.
    return now - visibleFrom >= staleAfterSeconds * 1000 ? 'stale' : 'unprovable';
  }

  private gaps(now: number, interval: number | null, visibleFrom: number): PollingGap[] {
    const threshold = Math.max(MIN_GAP_MS, (interval ?? 0) * 10_000);
    const found = this.gapCandidates.filter((g) => g.to - g.from > threshold).map((g) => ({ ...g, ongoing: false }));
    const last = this.lastEvidenceAt ?? visibleFrom;
    if (now - last > threshold) found.push({ from: last, to: now, ongoing: true });
    return found
      .sort((a, b) => a.from - b.from)
      .slice(-50)
      .map((g) => ({
        from: iso(g.from) ?? '',
        to: iso(g.to) ?? '',
        seconds: round1((g.to - g.from) / 1000),
        ongoing: g.ongoing,
      }));
  }

  private evidence(report: PollingReport, now: number, staleAfter: number, visibleFrom: number | undefined): string[] {
    const out: string[] = [];
    const ago = (at: number) => humanSeconds((now - at) / 1000);
    if (this.lastSuccessAt !== undefined) {
      out.push(`Last successful job request at ${iso(this.lastSuccessAt)} (${ago(this.lastSuccessAt)} before now).`);
    } else {
      out.push('No successful job request (201/204) in these logs.');
    }
    if (report.intervalSeconds !== null) {
      out.push(`The runner polls every ~${report.intervalSeconds} s (median of the visible job requests).`);
    }
    if (report.forbiddenCount > 0 || this.disabledCount > 0) {
      const disabled = this.disabledCount > 0 ? `; the runner disabled itself ${this.disabledCount} time(s)` : '';
      out.push(
        `${report.forbiddenCount} job request(s) refused with 403 Forbidden${disabled}: the token is revoked or wrong (last at ${iso(this.lastProblemAt)}).`,
      );
    }
    if (this.failedCount > 0) out.push(`${this.failedCount} job request(s) failed (GitLab unreachable or 5xx).`);
    if (this.snapshotErrors > 0) {
      out.push(`${this.snapshotErrors} metrics snapshot(s) say the runner's metrics endpoint was unreachable.`);
    }
    if (visibleFrom === undefined) {
      out.push(
        'Idle polling is invisible in these logs (info level, no metrics snapshots, no debug lines, no access log): a quiet log proves nothing.',
      );
    } else {
      out.push(`Idle polling is visible through ${report.visibleThrough.join(', ')} since ${iso(visibleFrom)}.`);
      if (report.status === 'unprovable') {
        out.push(
          `No successful request in ${ago(visibleFrom)} of observation, less than the ${staleAfter} s threshold.`,
        );
      }
    }
    const open = report.gaps.find((g) => g.ongoing);
    if (open) out.push(`No proof of polling since ${open.from} (${humanSeconds(open.seconds)}).`);
    return out;
  }
}
