import { at, dur, type FieldValue } from './go-format.js';
import type { Entry, Level } from './render.js';

/**
 * gitlab-runner's messages and fields per version, as catalogued in the formats reference (§2-§6). Only the
 * lines a docker+machine manager writes around polling, jobs and machines; each builder returns log entries.
 */
export interface Profile {
  version: string;
  major: number;
  minor: number;
  /** `runner=` value: 8 chars of the token in v11, 9 after `glrt-` from 16.x. */
  shortToken: string;
  revision: string;
}

export const GITLAB = 'https://gitlab.example.com';
const REPO = `${GITLAB}/acme/webapp.git`;
const PROJECT = 42;
const RUNNER_NAME = 'fleet-manager';

const ge = (p: Profile, major: number, minor: number) => p.major > major || (p.major === major && p.minor >= minor);
const e = (t: number, level: Level, msg: string, fields: Record<string, FieldValue> = {}): Entry => ({
  t,
  level,
  msg,
  fields,
});

/** `runner` (+ `runner_name` from 18.9) on every RunnerConfig.Log() line. */
function runnerFields(p: Profile): Record<string, FieldValue> {
  return ge(p, 18, 9) ? { runner: p.shortToken, runner_name: RUNNER_NAME } : { runner: p.shortToken };
}

function correlation(p: Profile, t: number): Record<string, FieldValue> {
  return ge(p, 18, 6) ? { correlation_id: `01JV3Z6G2Q8M4XKJ5T0B${String(t % 1_000_000).padStart(6, '0')}` } : {};
}

export function startup(p: Profile, t: number, pid: number): Entry[] {
  const builds: Record<string, FieldValue> = ge(p, 16, 2) ? { builds: 0, max_builds: 10 } : { builds: 0 };
  const out = [
    e(t, 'info', 'Runtime platform', { arch: 'amd64', os: 'linux', pid, revision: p.revision, version: p.version }),
    e(
      t,
      'info',
      ge(p, 12, 8)
        ? 'Starting multi-runner from /etc/gitlab-runner/config.toml...'
        : 'Starting multi-runner from /etc/gitlab-runner/config.toml ...',
      builds,
    ),
    e(t, 'info', 'Running in system-mode.'),
    e(t, 'info', ''),
  ];
  if (ge(p, 15, 6)) out.push(e(t, 'info', 'Initializing executor providers', builds));
  out.push(
    e(t, 'info', 'Configuration loaded', builds),
    e(t, 'info', 'Metrics server listening', { address: '127.0.0.1:9252', builds: 0 }),
    e(t, 'info', '[session_server].listen_address not defined, session endpoints disabled', builds),
  );
  return out;
}

/** Debug lines of one idle poll: feeder, machine details, the poll's answer (204). */
export function idlePoll(p: Profile, t: number, counts: MachineCounts): Entry[] {
  return [
    e(t, 'debug', 'Feeding runners to channel', { builds: counts.used }),
    machineDetails(p, t, counts),
    e(t, 'debug', noContentMessage(p), {
      ...runnerFields(p),
      ...(ge(p, 16, 5) ? { status: '204 No Content', ...correlation(p, t) } : {}),
    }),
  ];
}

function noContentMessage(p: Profile): string {
  if (ge(p, 16, 5)) return 'Checking for jobs...no content';
  if (ge(p, 15, 6)) return 'Checking for jobs...nothing';
  return 'Checking for jobs... nothing';
}

export function feeding(t: number, builds: number): Entry {
  return e(t, 'debug', 'Feeding runners to channel', { builds });
}

export interface MachineCounts {
  creating: number;
  idle: number;
  used: number;
  removing: number;
}

export function machineDetails(p: Profile, t: number, c: MachineCounts): Entry {
  const total = c.creating + c.idle + c.used + c.removing;
  const common = {
    creating: c.creating,
    idle: c.idle,
    removing: c.removing,
    runner: p.shortToken,
    total,
    used: c.used,
  };
  const fields: Record<string, FieldValue> = ge(p, 14, 6)
    ? { ...common, idleCount: 0, idleCountMin: 0, idleScaleFactor: 0, maxMachineCreate: 0, maxMachines: 10 }
    : { ...common, maxMachines: 10, minIdleCount: 0 };
  fields.time = at(t);
  return e(t, 'debug', 'Docker Machine Details', fields);
}

export function received(p: Profile, t: number, job: number, queueSeconds: number): Entry[] {
  const out = [
    e(t, 'info', 'Checking for jobs... received', {
      job: p.major === 11 ? String(job) : job,
      repo_url: REPO,
      ...runnerFields(p),
      ...correlation(p, t),
    }),
  ];
  if (ge(p, 16, 2)) {
    out.push(
      e(t, 'info', 'Added job to processing list', {
        builds: 1,
        job,
        max_builds: 10,
        project: PROJECT,
        repo_url: REPO,
        ...(ge(p, 16, 10) ? { time_in_queue_seconds: queueSeconds } : {}),
        ...(p.major >= 18
          ? { ...runnerFields(p), project_full_path: 'acme/webapp', queue_size: 0, queue_depth: 0 }
          : {}),
      }),
    );
  }
  return out;
}

export function forbidden(p: Profile, t: number): Entry {
  const status: Record<string, FieldValue> = ge(p, 16, 5)
    ? { status: `POST ${GITLAB}/api/v4/jobs/request: 403 Forbidden` }
    : {};
  return e(t, 'error', 'Checking for jobs... forbidden', { ...runnerFields(p), ...status });
}

export function disabled(p: Profile, t: number): Entry {
  return e(t, 'error', `Runner "${GITLAB}/${p.shortToken}" is unhealthy and will be disabled for 1h0m0s seconds!`, {
    unhealthy_requests: 3,
    unhealthy_requests_limit: 3,
  });
}

/** docker-machine create: its stdout lines at INFO, then the provider's `Machine created`. */
export function machineCreate(p: Profile, start: number, createdAt: number, name: string): Entry[] {
  const steps = [
    'Running pre-create checks...',
    'Creating machine...',
    `(${name}) Launching instance...`,
    'Waiting for machine to be running, this may take a few minutes...',
    'Detecting operating system of created instance...',
    'Waiting for SSH to be available...',
    'Detecting the provisioner...',
    'Provisioning with ubuntu(systemd)...',
    'Installing Docker...',
    'Copying certs to the local machine directory...',
    'Copying certs to the remote machine...',
    'Setting Docker configuration on the remote daemon...',
    'Checking connection to Docker...',
    'Docker is up and running!',
    `To see how to connect your Docker Client to the Docker Engine running on this virtual machine, run: docker-machine env ${name}`,
  ];
  const span = createdAt - start - 1000;
  const out = steps.map((msg, i) =>
    e(start + Math.floor((span * i) / steps.length / 1000) * 1000, 'info', msg, {
      driver: 'amazonec2',
      name,
      operation: 'create',
    }),
  );
  const took = dur((createdAt - start) / 1000 + 0.123456789);
  out.push(
    e(createdAt, 'info', 'Machine created', {
      ...(p.major >= 12 ? { duration: took } : { time: took }),
      name,
      now: at(createdAt),
      retries: 0,
    }),
  );
  return out;
}

export interface ExecutorContext {
  job: number;
  name: string;
  machineCreatedAt: number;
  usedCount: number;
  ip: string;
}

function executorFields(p: Profile, t: number, x: ExecutorContext): Record<string, FieldValue> {
  return {
    created: at(x.machineCreatedAt),
    docker: `tcp://${x.ip}:2376`,
    job: x.job,
    name: x.name,
    now: at(t),
    project: PROJECT,
    ...runnerFields(p),
    [ge(p, 18, 5) ? 'usedCount' : 'usedcount']: x.usedCount,
  };
}

/** >= 13.3: `Created docker-machine` / `Using existing docker-machine`; v11 has no such line. */
export function machineForJob(p: Profile, t: number, x: ExecutorContext, fresh: boolean): Entry[] {
  if (!ge(p, 13, 3)) return [];
  return [e(t, 'info', fresh ? 'Created docker-machine' : 'Using existing docker-machine', executorFields(p, t, x))];
}

export function buildStart(p: Profile, t: number, x: ExecutorContext): Entry {
  return e(t, 'info', 'Starting docker-machine build...', executorFields(p, t, x));
}

export function trace(p: Profile, t: number, job: number, from: number, to: number): Entry {
  const fields: Record<string, FieldValue> = {
    code: 202,
    job,
    'job-log': `0-${to}`,
    'job-status': 'running',
    ...runnerFields(p),
    'sent-log': `${from}-${to}`,
    status: '202 Accepted',
  };
  if (ge(p, 15, 6))
    return e(t, 'info', 'Appending trace to coordinator...ok', {
      ...fields,
      'update-interval': dur(3),
      ...correlation(p, t),
    });
  return e(t, 'debug', 'Appending trace to coordinator... ok', fields);
}

/** The end of a job: executor line, result line, final update, processing-list and cleanup lines. */
export function jobEnd(p: Profile, t: number, x: ExecutorContext, ok: boolean, seconds: number): Entry[] {
  const out: Entry[] = [];
  const exec = executorFields(p, t, x);
  if (ge(p, 15, 9)) {
    out.push(
      ok
        ? e(t, 'info', 'Finished docker-machine build', exec)
        : e(t, 'warning', 'Finished docker-machine build with error: exit code 1', exec),
    );
  } else {
    out.push(
      e(t, 'info', ok ? 'Finished docker-machine build: <nil>' : 'Finished docker-machine build: exit code 1', exec),
    );
  }
  const base: Record<string, FieldValue> = { job: x.job, project: PROJECT, ...runnerFields(p) };
  if (ge(p, 13, 11)) base.duration_s = Math.round(seconds * 1e6) / 1e6;
  else base.duration = dur(seconds);
  if (ge(p, 18, 6)) base['job-status'] = ok ? 'success' : 'failed';
  if (ge(p, 18, 9)) base.name = x.name;
  if (ok) out.push(e(t, 'info', 'Job succeeded', base));
  else if (ge(p, 18, 6)) {
    out.push(
      e(t, 'warning', 'Job failed: exit code 1', {
        ...base,
        error: 'exit code 1',
        exit_code: 1,
        failure_reason: 'script_failure',
      }),
    );
  } else if (ge(p, 14, 3)) out.push(e(t, 'warning', 'Job failed: exit code 1\n', base));
  else out.push(e(t, 'warning', 'Job failed: exit code 1', base));
  if (ge(p, 15, 6)) {
    const bytes = { bytesize: 7061, checksum: 'crc32:77dc11c0', job: x.job, ...runnerFields(p) };
    out.push(
      e(t, 'info', 'Updating job...', bytes),
      e(t, 'info', 'Submitting job to coordinator...ok', {
        ...bytes,
        code: 200,
        'job-status': '',
        'update-interval': dur(0),
      }),
    );
  } else {
    out.push(
      e(t, 'debug', 'Submitting job to coordinator... ok', {
        code: 200,
        job: x.job,
        'job-status': '',
        ...runnerFields(p),
      }),
    );
  }
  if (ge(p, 16, 2)) {
    out.push(
      e(t, 'info', 'Removed job from processing list', {
        builds: 0,
        job: x.job,
        max_builds: 10,
        project: PROJECT,
        repo_url: REPO,
      }),
    );
  }
  if (ge(p, 13, 3)) out.push(e(t, 'info', 'Cleaned up docker-machine', exec));
  return out;
}

export interface RemovalContext {
  name: string;
  createdAt: number;
  idleSince: number;
  usedCount: number;
  reason: string;
}

function providerFields(p: Profile, t: number, r: RemovalContext): Record<string, FieldValue> {
  return {
    [p.major >= 12 ? 'lifetime' : 'created']: dur((t - r.createdAt) / 1000),
    name: r.name,
    reason: r.reason,
    used: dur((t - r.idleSince) / 1000),
    usedCount: r.usedCount,
  };
}

/** Idle removal that works: request, stop, remove, `Machine removed` (~40 s on EC2). */
export function removal(p: Profile, t: number, removedAt: number, r: RemovalContext): Entry[] {
  const f = providerFields(p, t, r);
  const step = Math.floor((removedAt - t) / 8 / 1000) * 1000;
  return [
    e(t, 'warning', 'Requesting machine removal', { ...f, now: at(t) }),
    e(t, 'warning', 'Stopping machine', f),
    e(t + step, 'info', `Stopping "${r.name}"...`, { name: r.name, operation: 'stop' }),
    e(t + 3 * step, 'info', `Machine "${r.name}" was stopped.`, { name: r.name, operation: 'stop' }),
    e(t + 4 * step, 'warning', 'Removing machine', f),
    e(t + 5 * step, 'info', `About to remove ${r.name}`, { name: r.name, operation: 'remove' }),
    e(t + 5 * step, 'info', 'WARNING: This action will delete both local reference and remote instance.', {
      name: r.name,
      operation: 'remove',
    }),
    e(removedAt - 1000, 'info', `Successfully removed ${r.name}`, { name: r.name, operation: 'remove' }),
    e(removedAt, 'info', 'Machine removed', { ...providerFields(p, removedAt, r), now: at(removedAt), retries: 0 }),
  ];
}

/** Idle removal whose `docker-machine rm` fails (AWS denies it): retried every 30 s, never `Machine removed`. */
export function failingRemoval(p: Profile, t: number, until: number, r: RemovalContext): Entry[] {
  const f = providerFields(p, t, r);
  const out: Entry[] = [
    e(t, 'warning', 'Requesting machine removal', { ...f, now: at(t) }),
    e(t, 'warning', 'Stopping machine', f),
    e(t + 2000, 'info', `Stopping "${r.name}"...`, { name: r.name, operation: 'stop' }),
    e(t + 14_000, 'info', `Machine "${r.name}" was stopped.`, { name: r.name, operation: 'stop' }),
  ];
  for (let s = t + 16_000; s < until; s += 30_000) {
    const op = { name: r.name, operation: 'remove' };
    out.push(
      e(s, 'warning', 'Removing machine', providerFields(p, s, r)),
      e(s + 1000, 'info', `About to remove ${r.name}`, op),
      e(s + 1000, 'info', 'WARNING: This action will delete both local reference and remote instance.', op),
      e(
        s + 2000,
        'error',
        `Error removing host "${r.name}": UnauthorizedOperation: You are not authorized to perform this operation.`,
        op,
      ),
      e(s + 2000, 'error', '\tstatus code: 403, request id: 5c1e0f4a-7d2b-4c61-9a8e-2f3b4c5d6e7f', op),
    );
  }
  return out;
}
