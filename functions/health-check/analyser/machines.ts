import type { LogEvent } from '../log-events.js';
import { maxOf } from './time.js';

/**
 * Machines, from two kinds of evidence:
 *  - named machines from the runner's lines (`Machine created`, a job's `Starting docker-machine build`,
 *    `Requesting machine removal`, `Machine removed`): one record each, with its idle periods;
 *  - counts without names: the shipper's snapshot (`machines` gauges, or docker-autoscaler `instances`) and the
 *    debug `Docker Machine Details`. They also see machines created before the log window, which sit idle
 *    without writing a line at info level.
 */
export interface MachineRecord {
  name: string;
  firstSeenAt: number;
  createdAt?: number;
  creationSeconds?: number;
  removalRequestedAt?: number;
  removalReason?: string;
  removedAt?: number;
  jobs: number[];
  runningJobs: Set<number>;
  lastJobFinishedAt?: number;
  /** Start of the current (or last) idle period; undefined while a job runs or when unknown. */
  idleStart?: number;
  idleBeforeRemovalMs?: number;
  /** Closed idle time within the window. */
  idleMs: number;
}

export interface CountObservation {
  time: number;
  alive: number;
  /** Idle machines when the source tells them apart (machines gauges, Docker Machine Details). */
  idle?: number;
}

const MAX_JOBS_PER_MACHINE = 1000;
/** Idle counts above this are judged as this many (more idle machines than that is a violation anyway). */
const MAX_IDLE_LEVELS = 256;
/** Integrating idle counts across a hole in the observations would invent idle time. */
const MAX_INTEGRATION_STEP_MS = 10 * 60_000;

export class MachineTracker {
  readonly machines = new Map<string, MachineRecord>();
  lastNamedEventAt: number | undefined;
  lastCounts: CountObservation | undefined;
  countObservations = 0;
  maxCountedAlive = 0;
  /** Since when the counts show no machine at all (undefined while some exist). */
  countsZeroSince: number | undefined;
  /** `idleAtLeastSince[k]`: since when the counts continuously show at least k idle machines (k >= 1). */
  private idleAtLeastSince: (number | undefined)[] = [];
  private countedIdleMs = 0;

  /** Since when the counts continuously show more idle machines than `idleCount` (IdleCount) allows. */
  idleAboveSince(idleCount: number): number | undefined {
    return this.idleAtLeastSince[Math.min(idleCount + 1, MAX_IDLE_LEVELS)];
  }

  onEvent(event: LogEvent): void {
    switch (event.kind) {
      case 'machine-created': {
        const m = this.machine(event.machine, event.time);
        m.createdAt = m.createdAt === undefined ? event.time : Math.min(m.createdAt, event.time);
        if (event.creationSeconds !== undefined) m.creationSeconds = event.creationSeconds;
        if (m.runningJobs.size === 0 && m.jobs.length === 0) m.idleStart = event.time;
        break;
      }
      case 'machine-removal-requested': {
        const m = this.machine(event.machine, event.time);
        if (m.removalRequestedAt === undefined) {
          m.removalRequestedAt = event.time;
          this.closeIdle(m, event.time, true);
        }
        if (event.reason !== undefined) m.removalReason ??= event.reason;
        break;
      }
      case 'machine-removed': {
        const m = this.machine(event.machine, event.time);
        m.removedAt ??= event.time;
        if (m.removalRequestedAt === undefined) this.closeIdle(m, event.time, true);
        if (event.reason !== undefined) m.removalReason ??= event.reason;
        break;
      }
      case 'snapshot':
        if (event.machines !== undefined) this.onCounts(countsFromMachines(event.time, event.machines));
        else if (event.instances !== undefined) this.onCounts(countsFromInstances(event.time, event.instances));
        break;
      case 'machine-details':
        this.onCounts({
          time: event.time,
          alive: Math.max(event.total, event.idle + event.used + event.creating + event.removing),
          idle: event.idle,
        });
        break;
      default:
        break;
    }
  }

  /** A job started on a machine (called by the job tracker, which knows the job). */
  attachJob(name: string, jobId: number, time: number): void {
    const m = this.machine(name, time);
    if (m.runningJobs.has(jobId)) return;
    this.closeIdle(m, time, false);
    if (!m.jobs.includes(jobId) && m.jobs.length < MAX_JOBS_PER_MACHINE) m.jobs.push(jobId);
    m.runningJobs.add(jobId);
  }

  /** A job that ran on the machine ended; the machine is idle again when no other job runs on it. */
  jobFinished(name: string, jobId: number, time: number): void {
    const m = this.machines.get(name);
    if (m === undefined) return;
    m.runningJobs.delete(jobId);
    m.lastJobFinishedAt = maxOf(m.lastJobFinishedAt, time);
    if (m.runningJobs.size === 0 && m.removalRequestedAt === undefined && m.removedAt === undefined) {
      m.idleStart = time;
    }
  }

  /** Idle machine-minutes: integrated counts when we have them (they see every machine), else named idle time. */
  idleMachineMinutes(now: number): number {
    if (this.countObservations >= 2) {
      const last = this.lastCounts;
      const tail =
        last?.idle !== undefined ? last.idle * Math.min(Math.max(0, now - last.time), MAX_INTEGRATION_STEP_MS) : 0;
      return Math.round(((this.countedIdleMs + tail) / 60_000) * 10) / 10;
    }
    let ms = 0;
    for (const m of this.machines.values()) {
      ms += m.idleMs;
      if (m.idleStart !== undefined && m.removalRequestedAt === undefined && m.removedAt === undefined) {
        ms += Math.max(0, now - m.idleStart);
      }
    }
    return Math.round((ms / 60_000) * 10) / 10;
  }

  /** Max machines alive at once: a sweep over the named lifetimes, or the counts when they saw more. */
  maxConcurrent(windowStart: number, now: number): number {
    const edges: [number, number][] = [];
    for (const m of this.machines.values()) {
      const start = m.createdAt ?? windowStart;
      const end = m.removedAt ?? now;
      edges.push([start, 1], [Math.max(start, end), -1]);
    }
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let alive = 0;
    let max = 0;
    for (const [, step] of edges) {
      alive += step;
      max = Math.max(max, alive);
    }
    return Math.max(max, this.maxCountedAlive);
  }

  hasData(): boolean {
    return this.machines.size > 0 || this.countObservations > 0;
  }

  private machine(name: string, time: number): MachineRecord {
    this.lastNamedEventAt = maxOf(this.lastNamedEventAt, time);
    let m = this.machines.get(name);
    if (m === undefined) {
      m = { name, firstSeenAt: time, jobs: [], runningJobs: new Set(), idleMs: 0 };
      this.machines.set(name, m);
    }
    return m;
  }

  private closeIdle(m: MachineRecord, time: number, removal: boolean): void {
    if (m.idleStart !== undefined && m.runningJobs.size === 0) {
      const idle = Math.max(0, time - m.idleStart);
      m.idleMs += idle;
      if (removal) m.idleBeforeRemovalMs = idle;
    }
    if (!removal) m.idleStart = undefined;
  }

  private onCounts(obs: CountObservation): void {
    const previous = this.lastCounts;
    if (previous !== undefined && obs.time < previous.time) return; // out of order: keep the newest
    if (previous?.idle !== undefined) {
      this.countedIdleMs += previous.idle * Math.min(obs.time - previous.time, MAX_INTEGRATION_STEP_MS);
    }
    this.countObservations += 1;
    this.maxCountedAlive = Math.max(this.maxCountedAlive, obs.alive);
    if (obs.alive === 0) this.countsZeroSince ??= obs.time;
    else this.countsZeroSince = undefined;
    const idle = Math.min(obs.idle ?? obs.alive, MAX_IDLE_LEVELS);
    for (let k = 1; k <= MAX_IDLE_LEVELS; k += 1) {
      if (k <= idle) this.idleAtLeastSince[k] ??= obs.time;
      else if (this.idleAtLeastSince[k] === undefined) break;
      else this.idleAtLeastSince[k] = undefined;
    }
    this.lastCounts = obs;
  }
}

function countsFromMachines(time: number, machines: Record<string, number>): CountObservation {
  let alive = 0;
  for (const value of Object.values(machines)) alive += Number.isFinite(value) ? Math.max(0, value) : 0;
  // `acquired` (reserved for a job request) and `stuck-on-removing` count as alive; only `idle` is idle.
  return { time, alive, idle: machines.idle ?? 0 };
}

function countsFromInstances(time: number, instances: Record<string, number>): CountObservation {
  let alive = 0;
  for (const [state, value] of Object.entries(instances)) {
    if (!/^(deleted|deleting|removed)$/i.test(state)) alive += Number.isFinite(value) ? Math.max(0, value) : 0;
  }
  return { time, alive };
}
