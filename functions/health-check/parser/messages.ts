import type { PollResult } from '../log-events.js';
import type { SourceContext } from './context.js';
import { parseGoDuration } from './time.js';

/**
 * The gitlab-runner messages the health check needs (formats reference §2-4), whatever the log format, and
 * the events they become. A record is one decoded line: its message, level and fields.
 */
export type RecordFormat = 'json' | 'text' | 'runner';

export interface RunnerRecord {
  time: number;
  /** `debug|info|warning|error|fatal|panic`; undefined in the `runner` format below warning. */
  level: string | undefined;
  msg: string;
  fields: Record<string, unknown>;
  format: RecordFormat;
}

export const CHECKING_FOR_JOBS = 'Checking for jobs...';

/**
 * Messages that are only ever logged at debug level: seeing one proves the log is at debug level (needed for the
 * `runner` format, which prints no level below warning). `Checking for jobs...nothing` without the space is not
 * here: 15.6-15.8 logged it at info.
 */
const DEBUG_ONLY = new Set([
  'Feeding runners to channel',
  'Feeding runner to channel',
  'Docker Machine Details',
  'Checking for jobs... nothing',
  'Checking for jobs...no content',
  'Processing runner',
  'Starting worker',
  'Acquiring job slot',
  'Acquiring request slot',
  'Acquiring executor from provider',
  'Requeued the runner',
  'IdleCount is set to 0 so the machine will be created on demand in job context',
  'Appending trace to coordinator... ok',
  'Submitting job to coordinator... ok',
]);

/** Message starts that can produce an event (used by classify.ts to skip every other line undecoded). */
export const EVENT_MESSAGE_STARTS = [
  CHECKING_FOR_JOBS,
  'Runner ',
  'Job succeeded',
  'Job failed',
  'Machine created',
  'Machine removed',
  'Requesting machine removal',
  'Docker Machine Details',
  'Starting docker-machine build...',
  'Created docker-machine',
  'Using existing docker-machine',
  'Added job to processing list',
] as const;

export function isDebugOnlyMessage(msg: string): boolean {
  return DEBUG_ONLY.has(msg);
}

/** The result of a `Checking for jobs...` message, or undefined for an unknown variant. */
export function pollResultOf(msg: string): PollResult | undefined {
  switch (msg.slice(CHECKING_FOR_JOBS.length).trim()) {
    case 'received':
      return 'job';
    case 'nothing':
    case 'no content':
      return 'empty';
    case 'forbidden':
      return 'forbidden';
    case 'failed':
    case 'error':
    case 'client error':
      return 'failed';
    case 'GitLab instance currently unavailable':
      return 'unavailable';
    default:
      return undefined;
  }
}

/** Emits the events of one record; returns false when the message is not one the health check knows. */
export function interpretRecord(rec: RunnerRecord, ctx: SourceContext): boolean {
  const { msg, time } = rec;
  if (Number.isNaN(time)) return false;
  if (rec.level === 'debug' || isDebugOnlyMessage(msg)) ctx.markDebug(time);
  if (msg.startsWith(CHECKING_FOR_JOBS)) return poll(rec, ctx);
  if (msg.startsWith('Runner ')) {
    if (!/ is (?:not healthy|unhealthy) and will be disabled/.test(msg)) return false;
    ctx.emit({ kind: 'runner-disabled', time });
    return true;
  }
  if (msg === 'Job succeeded' || msg.startsWith('Job failed')) return jobFinished(rec, ctx);
  switch (msg) {
    case 'Machine created':
      return machineCreated(rec, ctx);
    case 'Requesting machine removal':
    case 'Machine removed':
      return machineRemoval(rec, ctx);
    case 'Docker Machine Details':
      return machineDetails(rec, ctx);
    case 'Starting docker-machine build...':
    case 'Created docker-machine':
    case 'Using existing docker-machine':
      return jobMachine(rec, ctx);
    case 'Added job to processing list':
      return addedJob(rec, ctx);
    default:
      return false;
  }
}

function poll(rec: RunnerRecord, ctx: SourceContext): boolean {
  const result = pollResultOf(rec.msg);
  if (result === undefined) return false;
  if (result !== 'job') {
    ctx.emit({ kind: 'poll', time: rec.time, result, source: 'runner' });
    return true;
  }
  const jobId = jobIdOf(rec.fields.job);
  if (jobId === undefined) {
    ctx.emit({ kind: 'poll', time: rec.time, result, source: 'runner' });
    return true;
  }
  ctx.emit({ kind: 'poll', time: rec.time, result, source: 'runner', jobId });
  ctx.emit({ kind: 'job-received', time: rec.time, jobId });
  return true;
}

/** Emits job-finished from a record that carries the job's fields; exported for the runner-format continuation. */
export function jobFinished(rec: RunnerRecord, ctx: SourceContext): boolean {
  const jobId = jobIdOf(rec.fields.job);
  if (jobId === undefined) return false;
  const status = rec.msg === 'Job succeeded' ? 'success' : 'failed';
  const durationSeconds = durationSecondsOf(rec.fields.duration_s, rec.fields.duration, rec.format);
  ctx.emit({
    kind: 'job-finished',
    time: rec.time,
    jobId,
    status,
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
  });
  return true;
}

function machineCreated(rec: RunnerRecord, ctx: SourceContext): boolean {
  const machine = machineOf(rec, ctx);
  if (machine === undefined) return false;
  // v11: `time` (runner format) / `fields.time` (json, text: the name clashes with the line's own time); ≥ 12: `duration`
  const legacy = rec.fields['fields.time'] ?? (rec.format === 'runner' ? rec.fields.time : undefined);
  const creationSeconds = durationSecondsOf(undefined, rec.fields.duration ?? legacy, rec.format);
  ctx.emit({
    kind: 'machine-created',
    time: rec.time,
    machine,
    ...(creationSeconds === undefined ? {} : { creationSeconds }),
  });
  return true;
}

function machineRemoval(rec: RunnerRecord, ctx: SourceContext): boolean {
  const machine = machineOf(rec, ctx);
  if (machine === undefined) return false;
  const kind = rec.msg === 'Machine removed' ? 'machine-removed' : 'machine-removal-requested';
  const reason = typeof rec.fields.reason === 'string' ? ctx.redact(rec.fields.reason) : undefined;
  ctx.emit({ kind, time: rec.time, machine, ...(reason === undefined ? {} : { reason }) });
  return true;
}

export interface MachineCounts {
  idle: number;
  used: number;
  creating: number;
  removing: number;
  total: number;
}

/** The counts of a `Docker Machine Details` record, or undefined when one is missing or not a count. */
export function detailsCounts(fields: Record<string, unknown>): MachineCounts | undefined {
  const idle = countOf(fields.idle);
  const used = countOf(fields.used);
  const creating = countOf(fields.creating);
  const removing = countOf(fields.removing);
  const total = countOf(fields.total);
  if (idle === undefined || used === undefined || creating === undefined || removing === undefined) return undefined;
  return total === undefined ? undefined : { idle, used, creating, removing, total };
}

function machineDetails(rec: RunnerRecord, ctx: SourceContext): boolean {
  const counts = detailsCounts(rec.fields);
  if (counts === undefined) return false;
  ctx.emit({ kind: 'machine-details', time: rec.time, ...counts });
  return true;
}

function jobMachine(rec: RunnerRecord, ctx: SourceContext): boolean {
  const jobId = jobIdOf(rec.fields.job);
  const machine = machineOf(rec, ctx);
  if (jobId === undefined || machine === undefined) return false;
  const newMachine =
    rec.msg === 'Created docker-machine' ? true : rec.msg === 'Using existing docker-machine' ? false : undefined;
  ctx.emit({
    kind: 'job-machine',
    time: rec.time,
    jobId,
    machine,
    ...(newMachine === undefined ? {} : { newMachine }),
  });
  return true;
}

/** `Added job to processing list` matters only with `time_in_queue_seconds` (≥ 16.10): GitLab's queue time. */
function addedJob(rec: RunnerRecord, ctx: SourceContext): boolean {
  const jobId = jobIdOf(rec.fields.job);
  const queueSeconds = numberOf(rec.fields.time_in_queue_seconds);
  if (jobId === undefined || queueSeconds === undefined) return false;
  ctx.emit({ kind: 'job-received', time: rec.time, jobId, queueSeconds });
  return true;
}

function machineOf(rec: RunnerRecord, ctx: SourceContext): string | undefined {
  const name = rec.fields.name;
  return typeof name === 'string' && name.length > 0 ? ctx.redactRepeated(name) : undefined;
}

/** Job ids: a string in v11 JSON `Checking for jobs... received`, a number everywhere else. */
export function jobIdOf(value: unknown): number | undefined {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function numberOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function countOf(value: unknown): number | undefined {
  const n = numberOf(value);
  return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Seconds from `duration_s` (float seconds, ≥ 13.11) or `duration` (JSON: integer nanoseconds; text: a Go
 * duration string such as `2m37.94s`).
 */
function durationSecondsOf(durationS: unknown, duration: unknown, format: RecordFormat): number | undefined {
  const s = numberOf(durationS);
  if (s !== undefined && s >= 0) return s;
  if (typeof duration === 'number') return format === 'json' && duration >= 0 ? duration / 1e9 : undefined;
  if (typeof duration !== 'string') return undefined;
  const seconds = parseGoDuration(duration);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
