import type { MachineRecord, MachineTracker } from './machines.js';
import type { LateRemoval, ScaleToZeroReport, ScaleToZeroStatus, ScaleViolation } from './report-types.js';
import { humanSeconds, iso, maxOf, round1 } from './time.js';

/**
 * Scale-to-zero (DESIGN.md section 6): after the last job finished, every machine is removed within
 * IdleTime + grace (with IdleCount N > 0, at most N idle machines may stay). A machine idle for longer and not
 * removed is a violation; one still inside its window makes the verdict `pending`; no machine data at all
 * (no machine lines, no snapshot gauges, no Docker Machine Details) makes it `unprovable`.
 */
export interface ScaleJudgeOptions {
  now: number;
  idleTime: number;
  idleCount: number;
  idleGraceSeconds: number;
  lastJobFinishedAt: number | undefined;
  runningJobs: number;
  windowStart: number;
}

export function judgeScaleToZero(
  tracker: MachineTracker,
  opts: ScaleJudgeOptions,
): { report: ScaleToZeroReport; evidence: string[] } {
  const limitMs = (opts.idleTime + opts.idleGraceSeconds) * 1000;
  const alive = [...tracker.machines.values()].filter((m) => m.removedAt === undefined);
  const idle = alive.filter((m) => m.runningJobs.size === 0);
  const busy = alive.length - idle.length;
  const idleSince = (m: MachineRecord) => m.idleStart ?? m.lastJobFinishedAt ?? m.createdAt ?? m.firstSeenAt;

  // IdleCount machines may stay; the ones idle the longest are the excess that should have gone.
  const byIdleAge = [...idle].sort((a, b) => idleSince(a) - idleSince(b));
  const excess = byIdleAge.slice(0, Math.max(0, idle.length - opts.idleCount));
  const violations: ScaleViolation[] = excess
    .filter((m) => opts.now - idleSince(m) > limitMs)
    .map((m) => ({
      machine: m.name,
      idleSince: iso(idleSince(m)) ?? '',
      idleSeconds: round1((opts.now - idleSince(m)) / 1000),
      removalRequestedAt: iso(m.removalRequestedAt),
      seenIn: 'lines' as const,
    }));
  const withinWindow = excess.length - violations.length;

  // Counts see machines the lines do not name (created before the window, idle and silent at info level).
  const counts = tracker.lastCounts;
  const countsCurrent = counts !== undefined && counts.time >= (tracker.lastNamedEventAt ?? Number.NEGATIVE_INFINITY);
  let countedPending = 0;
  if (countsCurrent && counts !== undefined) {
    const countedIdle = counts.idle ?? (opts.runningJobs === 0 ? counts.alive : 0);
    const unnamed = countedIdle - opts.idleCount - violations.length - withinWindow;
    const overSince = maxOf(tracker.idleAboveSince(opts.idleCount), opts.lastJobFinishedAt);
    if (unnamed > 0 && overSince !== undefined) {
      if (opts.now - overSince > limitMs) {
        for (let i = 0; i < unnamed; i += 1) {
          violations.push({
            machine: `unidentified idle machine ${i + 1} (seen only in metrics)`,
            idleSince: iso(overSince) ?? '',
            idleSeconds: round1((opts.now - overSince) / 1000),
            removalRequestedAt: null,
            seenIn: 'counts',
          });
        }
      } else {
        countedPending = unnamed;
      }
    }
  }

  const countsAlive = countsCurrent && counts !== undefined ? counts.alive : 0;
  const machinesAlive = Math.max(alive.length, countsAlive);
  const lateRemovals = late(tracker, limitMs);
  let status: ScaleToZeroStatus;
  if (!tracker.hasData()) status = 'unprovable';
  else if (violations.length > 0) status = 'violated';
  else if (busy > 0 || withinWindow > 0 || countedPending > 0 || opts.runningJobs > 0) status = 'pending';
  else if (machinesAlive > opts.idleCount) status = 'pending';
  else status = 'held';

  const zeroSince = status === 'held' && machinesAlive === 0 ? zeroTime(tracker, countsCurrent) : undefined;
  const report: ScaleToZeroReport = {
    status,
    zeroSince: iso(zeroSince),
    idleLimitSeconds: opts.idleTime + opts.idleGraceSeconds,
    idleCount: opts.idleCount,
    lastJobFinishedAt: iso(opts.lastJobFinishedAt),
    machinesAlive,
    violations,
    lateRemovals,
  };
  return { report, evidence: evidence(report, tracker, busy, withinWindow + countedPending) };
}

function zeroTime(tracker: MachineTracker, countsCurrent: boolean): number | undefined {
  let lastRemoved: number | undefined;
  for (const m of tracker.machines.values()) lastRemoved = maxOf(lastRemoved, m.removedAt);
  return lastRemoved ?? (countsCurrent ? tracker.countsZeroSince : undefined);
}

function late(tracker: MachineTracker, limitMs: number): LateRemoval[] {
  const out: LateRemoval[] = [];
  for (const m of tracker.machines.values()) {
    if (m.idleBeforeRemovalMs !== undefined && m.idleBeforeRemovalMs > limitMs) {
      out.push({ machine: m.name, idleSeconds: round1(m.idleBeforeRemovalMs / 1000), removedAt: iso(m.removedAt) });
    }
  }
  return out;
}

function evidence(report: ScaleToZeroReport, tracker: MachineTracker, busy: number, pending: number): string[] {
  const out: string[] = [];
  const limit = report.idleLimitSeconds;
  if (report.status === 'unprovable') {
    out.push(
      'No machine lines, metrics snapshots or Docker Machine Details in these logs: scale-to-zero cannot be judged.',
    );
    return out;
  }
  const named = tracker.machines.size;
  const removed = [...tracker.machines.values()].filter((m) => m.removedAt !== undefined).length;
  if (named > 0) out.push(`${named} machine(s) named in the logs, ${removed} removed.`);
  for (const v of report.violations) {
    const removal = v.removalRequestedAt ? ` (removal requested at ${v.removalRequestedAt}, never confirmed)` : '';
    out.push(
      `${v.machine} idle since ${v.idleSince} (${humanSeconds(v.idleSeconds)}, limit ${limit} s) and not removed${removal}.`,
    );
  }
  for (const l of report.lateRemovals) {
    out.push(`${l.machine} was removed only after ${humanSeconds(l.idleSeconds)} idle (limit ${limit} s).`);
  }
  if (busy > 0) out.push(`${busy} machine(s) busy with a job.`);
  if (pending > 0) out.push(`${pending} idle machine(s) still inside IdleTime + grace (${limit} s).`);
  if (report.status === 'held') {
    out.push(
      report.zeroSince
        ? `Scaled to zero since ${report.zeroSince}.`
        : `At most IdleCount (${report.idleCount}) idle machine(s) remain, as configured.`,
    );
  }
  return out;
}
