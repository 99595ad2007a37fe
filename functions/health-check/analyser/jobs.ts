import type { LogEvent } from '../log-events.js';
import type { MachineTracker } from './machines.js';
import { maxOf } from './time.js';

/**
 * Jobs, from the runner's lines (received, machine, finished) or from a GitLab access log, which names a job only
 * in its trace PATCH and job PUT lines:
 *  - the `201` job request that delivered a job carries no id, so a job first seen in an access log takes the
 *    earliest unclaimed 201 of the last 10 minutes as its receive time;
 *  - a clone from the runner NAT carries no job id either; it goes to the running, not yet cloned job whose trace
 *    was patched most recently (a job's trace moves while its machine clones), ties to the earliest received.
 * Memory: one record per job, a bounded queue of unclaimed 201s and the set of jobs still waiting for a clone.
 */
export interface JobRecord {
  id: number;
  firstSeenAt: number;
  receivedAt?: number;
  finishedAt?: number;
  status?: 'success' | 'failed';
  durationSeconds?: number;
  queueSeconds?: number;
  machine?: string;
  machineAt?: number;
  newMachine?: boolean;
  cloneAt?: number;
  lastTraceAt?: number;
  lastActivityAt?: number;
  lastActivity?: 'trace' | 'update' | 'clone';
  /** Access log: the final job update (a PUT right after the last trace PATCH), the end of the job. */
  endedAt?: number;
  /** Known only from access-log lines (no finish line will come). */
  fromAccessLog: boolean;
}

const CLAIM_WINDOW_MS = 10 * 60_000;
const MAX_UNCLAIMED = 10_000;
/** A PUT this soon after a trace PATCH is the final update; keep-alive PUTs come after 30 s without output. */
const FINAL_UPDATE_MS = 2_000;
/** A job waiting for its clone for longer than this no longer takes clones (it failed before cloning). */
const CLONE_WAIT_MS = 30 * 60_000;

export class JobTracker {
  readonly jobs = new Map<number, JobRecord>();
  lastFinishedAt: number | undefined;
  private unclaimed: number[] = [];
  private readonly awaitingClone = new Set<number>();

  constructor(private readonly machines: MachineTracker) {}

  onEvent(event: LogEvent): void {
    switch (event.kind) {
      case 'poll':
        if (event.result !== 'job') break;
        if (event.jobId !== undefined) this.received(event.jobId, event.time);
        else if (event.source === 'access-log') this.queueUnclaimed(event.time);
        break;
      case 'job-received': {
        const job = this.received(event.jobId, event.time);
        if (event.queueSeconds !== undefined) job.queueSeconds = event.queueSeconds;
        break;
      }
      case 'job-machine': {
        const job = this.job(event.jobId, event.time);
        if (event.newMachine) job.newMachine = true;
        else job.newMachine ??= event.newMachine;
        if (job.machine === undefined) {
          job.machine = event.machine;
          job.machineAt = event.time;
        }
        if (job.status === undefined) this.machines.attachJob(event.machine, job.id, event.time);
        break;
      }
      case 'job-activity':
        this.onActivity(event.time, event.activity, event.jobId);
        break;
      case 'job-finished': {
        const job = this.job(event.jobId, event.time);
        job.status = event.status;
        job.finishedAt = event.time;
        if (event.durationSeconds !== undefined) job.durationSeconds = event.durationSeconds;
        this.lastFinishedAt = maxOf(this.lastFinishedAt, event.time);
        this.awaitingClone.delete(job.id);
        if (job.machine !== undefined) this.machines.jobFinished(job.machine, job.id, event.time);
        break;
      }
      default:
        break;
    }
  }

  /** The latest end of a job seen only in an access log (its final `PUT /jobs/:id`). */
  lastActivityEnd(): number | undefined {
    let last: number | undefined;
    for (const job of this.jobs.values()) if (job.finishedAt === undefined) last = maxOf(last, job.endedAt);
    return last;
  }

  private received(id: number, time: number): JobRecord {
    const job = this.job(id, time);
    job.receivedAt = job.receivedAt === undefined ? time : Math.min(job.receivedAt, time);
    return job;
  }

  private job(id: number, time: number): JobRecord {
    let job = this.jobs.get(id);
    if (job === undefined) {
      job = { id, firstSeenAt: time, fromAccessLog: false };
      this.jobs.set(id, job);
    }
    return job;
  }

  private onActivity(time: number, activity: 'trace' | 'update' | 'clone', jobId: number | undefined): void {
    if (jobId === undefined) {
      if (activity === 'clone') this.attributeClone(time);
      return;
    }
    let job = this.jobs.get(jobId);
    if (job === undefined) {
      job = this.job(jobId, time);
      job.fromAccessLog = true;
      job.receivedAt = this.claimUnclaimed(time);
      this.awaitingClone.add(jobId);
    }
    if (activity === 'trace') {
      job.lastTraceAt = maxOf(job.lastTraceAt, time);
      if (job.endedAt !== undefined && time > job.endedAt + FINAL_UPDATE_MS) job.endedAt = undefined;
    }
    if (activity === 'update' && job.lastTraceAt !== undefined && time - job.lastTraceAt <= FINAL_UPDATE_MS) {
      job.endedAt = time;
      this.awaitingClone.delete(job.id);
    }
    if (activity === 'clone') {
      job.cloneAt ??= time;
      this.awaitingClone.delete(jobId);
    }
    if (job.lastActivityAt === undefined || time >= job.lastActivityAt) {
      job.lastActivityAt = time;
      job.lastActivity = activity;
    }
  }

  private attributeClone(time: number): void {
    let best: JobRecord | undefined;
    for (const id of this.awaitingClone) {
      const job = this.jobs.get(id);
      if (job === undefined || job.cloneAt !== undefined || job.finishedAt !== undefined || job.endedAt !== undefined) {
        this.awaitingClone.delete(id);
        continue;
      }
      const since = job.receivedAt ?? job.firstSeenAt;
      if (time - since > CLONE_WAIT_MS) {
        this.awaitingClone.delete(id);
        continue;
      }
      if (since > time) continue;
      if (best === undefined || isBetterCloneOwner(job, best)) best = job;
    }
    if (best === undefined) return;
    best.cloneAt = time;
    best.lastActivityAt = maxOf(best.lastActivityAt, time);
    this.awaitingClone.delete(best.id);
  }

  private queueUnclaimed(time: number): void {
    this.unclaimed.push(time);
    if (this.unclaimed.length > MAX_UNCLAIMED) this.unclaimed = this.unclaimed.slice(-MAX_UNCLAIMED / 2);
  }

  private claimUnclaimed(time: number): number | undefined {
    while (this.unclaimed.length > 0) {
      const candidate = this.unclaimed[0] as number;
      if (candidate > time) return undefined;
      this.unclaimed.shift();
      if (time - candidate <= CLAIM_WINDOW_MS) return candidate;
    }
    return undefined;
  }
}

function isBetterCloneOwner(job: JobRecord, best: JobRecord): boolean {
  const trace = job.lastTraceAt ?? Number.NEGATIVE_INFINITY;
  const bestTrace = best.lastTraceAt ?? Number.NEGATIVE_INFINITY;
  if (trace !== bestTrace) return trace > bestTrace;
  const received = job.receivedAt ?? job.firstSeenAt;
  const bestReceived = best.receivedAt ?? best.firstSeenAt;
  if (received !== bestReceived) return received < bestReceived;
  return job.id < best.id;
}
