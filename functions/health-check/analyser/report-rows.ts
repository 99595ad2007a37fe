import type { JobRecord, JobTracker } from './jobs.js';
import type { MachineRecord, MachineTracker } from './machines.js';
import type { JobReport, JobStatus, MachineReport } from './report-types.js';
import { iso, round1, secondsBetween } from './time.js';

/** Turns the trackers' records into the report's `jobs[]` and `machines[]` rows (sorted by time, then id/name). */

/** An access-log job with no activity for this long is over, even without a final update. */
const ACCESS_LOG_QUIET_MS = 90_000;

export function jobReports(jobs: JobTracker, machines: MachineTracker, now: number): JobReport[] {
  return [...jobs.jobs.values()]
    .sort((a, b) => (a.receivedAt ?? a.firstSeenAt) - (b.receivedAt ?? b.firstSeenAt) || a.id - b.id)
    .map((job) => {
      const { status, finishedAt } = outcome(job, machines, now);
      return {
        id: job.id,
        status,
        receivedAt: iso(job.receivedAt),
        finishedAt: iso(finishedAt),
        machine: job.machine ?? null,
        newMachine: job.newMachine ?? null,
        provisioningWaitSeconds: nonNegative(secondsBetween(job.receivedAt, job.machineAt ?? job.cloneAt)),
        queueSeconds: job.queueSeconds ?? null,
        durationSeconds: job.durationSeconds ?? nonNegative(secondsBetween(job.receivedAt, finishedAt)),
        cloneAt: iso(job.cloneAt),
      };
    });
}

/**
 * A job's result: its finish line when there is one; else `unknown` when it is over without a result (access log:
 * final update seen or long quiet; runner log: its machine was removed), else `running`.
 */
function outcome(job: JobRecord, machines: MachineTracker, now: number): { status: JobStatus; finishedAt?: number } {
  if (job.status !== undefined) return { status: job.status, finishedAt: job.finishedAt };
  if (job.endedAt !== undefined) return { status: 'unknown', finishedAt: job.endedAt };
  if (job.fromAccessLog) {
    const quiet = now - (job.lastActivityAt ?? job.firstSeenAt) > ACCESS_LOG_QUIET_MS;
    return { status: quiet ? 'unknown' : 'running' };
  }
  const machine = job.machine === undefined ? undefined : machines.machines.get(job.machine);
  const gone = machine !== undefined && (machine.removalRequestedAt !== undefined || machine.removedAt !== undefined);
  return { status: gone ? 'unknown' : 'running' };
}

export function machineReports(machines: MachineTracker): MachineReport[] {
  return [...machines.machines.values()]
    .sort((a, b) => (a.createdAt ?? a.firstSeenAt) - (b.createdAt ?? b.firstSeenAt) || a.name.localeCompare(b.name))
    .map((m) => ({
      name: m.name,
      createdAt: iso(m.createdAt),
      removalRequestedAt: iso(m.removalRequestedAt),
      removedAt: iso(m.removedAt),
      jobs: [...m.jobs],
      idleSecondsBeforeRemoval: m.idleBeforeRemovalMs === undefined ? null : round1(m.idleBeforeRemovalMs / 1000),
      removalReason: m.removalReason ?? null,
      creationSeconds: m.creationSeconds ?? null,
      state: state(m),
    }));
}

function state(m: MachineRecord): MachineReport['state'] {
  if (m.removedAt !== undefined) return 'removed';
  return m.removalRequestedAt !== undefined ? 'removing' : 'alive';
}

const nonNegative = (n: number | null): number | null => (n === null || n < 0 ? null : n);
