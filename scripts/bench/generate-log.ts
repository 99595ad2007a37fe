import { once } from 'node:events';
import { createWriteStream, existsSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';

/**
 * A realistic manager log for the benchmark, as the log shipper would concatenate it: journald `short-iso` lines
 * of gitlab-runner 18.x at debug level with `log_format = "json"` (RFC3339Nano times), and one metrics snapshot
 * per minute. A docker+machine fleet with IdleCount 0 / IdleTime 600 s: every 3 s poll cycle logs its debug lines;
 * jobs arrive in pipelines, machines are created in the job, trace patches every 3 s, keep-alive updates every
 * 30 s, machines removed after 10 idle minutes, an occasional failed poll. Deterministic (seeded); generated
 * once and cached in the OS temp folder by size and generator version.
 */
const GENERATOR_VERSION = 1;
const HOST = 'ip-10-0-1-23';
const PID = 1234;
const RUNNER = 'Zx9KqT4mW';
const RUNNER_NAME = 'bastion-fleet';
const REPO = 'https://gitlab.example.com/acme/webapp.git';
const CYCLE_MS = 3000;
const IDLE_TIME_MS = 600_000;

export interface GeneratedLog {
  path: string;
  cached: boolean;
}

/** Path of the cached log of at least `sizeMB` uncompressed megabytes (10^6 bytes), generating it if needed. */
export async function ensureBenchLog(
  sizeMB: number,
  progress: (text: string) => void = () => {},
): Promise<GeneratedLog> {
  const path = join(tmpdir(), `gro-bench-runner-log-v${GENERATOR_VERSION}-${sizeMB}MB.log.gz`);
  if (existsSync(path) && statSync(path).size > 0) return { path, cached: true };
  const partial = `${path}.${process.pid}.partial`;
  const gzip = createGzip({ level: 6 });
  const file = createWriteStream(partial);
  gzip.pipe(file);
  const sim = new Simulation(0x5eed);
  const target = sizeMB * 1e6;
  let written = 0;
  let lastReport = 0;
  while (written < target) {
    const text = sim.nextBatch(2000);
    written += Buffer.byteLength(text);
    if (!gzip.write(text)) await once(gzip, 'drain');
    if (written - lastReport > 100e6) {
      lastReport = written;
      progress(`generated ${Math.round(written / 1e6)} of ${sizeMB} MB`);
    }
  }
  gzip.end();
  await once(file, 'close');
  renameSync(partial, path);
  return { path, cached: false };
}

interface Machine {
  name: string;
  ip: string;
  createdAt: number;
  readyAt: number;
  idleSince: number | undefined;
  job: Job | undefined;
  createLines: number;
}

interface Job {
  id: number;
  project: number;
  machine: Machine | undefined;
  startedAt: number;
  endsAt: number;
  traceBytes: number;
  lastUpdate: number;
  fails: boolean;
}

const CREATE_OUTPUT = [
  'Running pre-create checks...',
  'Creating machine...',
  '(%n) Launching instance...',
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
  'To see how to connect your Docker Client to the Docker Engine running on this virtual machine, run: docker-machine env %n',
];

const TRACE_LINES = [
  'Running with gitlab-runner 18.4.0 (4d7093e1)',
  '  on bastion-fleet Zx9KqT4mW, system ID: r_k2Lq9XbT4wVe',
  'Preparing the "docker+machine" executor',
  'Using Docker executor with image node:20-alpine ...',
  'Pulling docker image node:20-alpine ...',
  'Getting source from Git repository',
  'Fetching changes with git depth set to 20...',
  'Executing "step_script" stage of the job script',
  '$ npm ci',
  'added 1203 packages, and audited 1204 packages in 41s',
  '$ npm test -- --ci',
  'PASS src/app.test.js (5.112 s)',
  'Uploading artifacts for successful job',
  'Cleaning up project directory and file based variables',
];

class Simulation {
  private seed: number;
  private t = Date.UTC(2025, 9, 20, 0, 0, 0);
  private nextJobId = 880_000;
  private readonly machines: Machine[] = [];
  private readonly queue: Job[] = [];
  private readonly running: Job[] = [];
  private nextArrival: number;
  private nextSnapshot: number;
  private readonly counters = { 201: 0, 204: 0, 403: 0 };
  private out: string[] = [];
  private secondKey = -1;
  private secondText = '';
  private prefix = '';

  constructor(seed: number) {
    this.seed = seed;
    this.nextArrival = this.t + 60_000;
    this.nextSnapshot = this.t + 60_000;
  }

  /** Text of `cycles` poll cycles (lines end with \n). */
  nextBatch(cycles: number): string {
    this.out = [];
    for (let i = 0; i < cycles; i++) this.cycle();
    const text = this.out.join('');
    this.out = [];
    return text;
  }

  private random(): number {
    // mulberry32
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let r = Math.imul(this.seed ^ (this.seed >>> 15), 1 | this.seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private id(length: number, alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'): string {
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }

  /** RFC3339Nano of `ms` plus random sub-millisecond digits; also sets the journald prefix of that second. */
  private stamp(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.secondKey) {
      this.secondKey = second;
      const iso = new Date(second * 1000).toISOString();
      this.secondText = iso.slice(0, 19);
      this.prefix = `${this.secondText}+0000 ${HOST} gitlab-runner[${PID}]: `;
    }
    const frac = String((ms % 1000) * 1_000_000 + this.int(1_000_000)).padStart(9, '0');
    return `${this.secondText}.${frac}Z`;
  }

  private line(ms: number, fields: Record<string, unknown>): void {
    const time = this.stamp(ms);
    const all: Record<string, unknown> = { ...fields, time };
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(all).sort()) sorted[key] = all[key];
    this.out.push(`${this.prefix}${JSON.stringify(sorted)}\n`);
  }

  private runnerFields(): Record<string, unknown> {
    return { runner: RUNNER, runner_name: RUNNER_NAME };
  }

  private cycle(): void {
    const t = this.t;
    this.arrivals(t);
    const builds = this.running.length;
    this.line(t, { builds, level: 'debug', max_builds: 10, msg: 'Feeding runners to channel' });
    this.line(t + 1, { level: 'debug', msg: 'Feeding runner to channel', ...this.runnerFields() });
    this.line(t + 2, { level: 'debug', msg: 'Processing runner', worker: this.int(10), ...this.runnerFields() });
    this.line(t + 2, { level: 'debug', msg: 'Acquiring job slot', ...this.runnerFields() });
    this.line(t + 3, { level: 'debug', msg: 'Acquiring request slot', ...this.runnerFields() });
    this.line(t + 3, { level: 'debug', msg: 'Acquiring executor from provider', ...this.runnerFields() });
    this.details(t + 4, 'Docker Machine Details');
    this.details(t + 4, 'IdleCount is set to 0 so the machine will be created on demand in job context');
    this.poll(t + 40 + this.int(80));
    for (const machine of this.machines) this.machineTick(machine, t + 500 + this.int(500));
    for (const job of [...this.running]) this.jobTick(job, t + 1000 + this.int(1500));
    if (t >= this.nextSnapshot) {
      this.nextSnapshot += 60_000;
      this.snapshot(t + 2900);
    }
    this.t += CYCLE_MS;
  }

  private arrivals(t: number): void {
    if (t < this.nextArrival) return;
    const jobs = 1 + this.int(4); // a pipeline stage
    for (let i = 0; i < jobs; i++) {
      this.queue.push({
        id: this.nextJobId++,
        project: 40 + this.int(5),
        machine: undefined,
        startedAt: 0,
        endsAt: 0,
        traceBytes: 0,
        lastUpdate: 0,
        fails: this.random() < 0.1,
      });
    }
    this.nextArrival = t + 60_000 + this.int(600_000);
  }

  private details(t: number, msg: string): void {
    const count = (state: 'creating' | 'idle' | 'used') =>
      this.machines.filter((m) =>
        state === 'creating' ? m.readyAt > t : state === 'idle' ? m.readyAt <= t && !m.job : m.readyAt <= t && m.job,
      ).length;
    this.line(t, {
      creating: count('creating'),
      idle: count('idle'),
      idleCount: 0,
      idleCountMin: 0,
      idleScaleFactor: 0,
      level: 'debug',
      maxMachineCreate: 0,
      maxMachines: 10,
      msg,
      removing: 0,
      total: this.machines.length,
      used: count('used'),
      ...this.runnerFields(),
    });
  }

  private poll(t: number): void {
    const correlation_id = `01K${this.id(23)}`;
    if (this.random() < 0.0007) {
      const unavailable = this.random() < 0.3;
      this.line(t, {
        correlation_id,
        level: 'warning',
        msg: unavailable ? 'Checking for jobs... GitLab instance currently unavailable' : 'Checking for jobs... failed',
        status: `POST https://gitlab.example.com/api/v4/jobs/request: ${unavailable ? '503 Service Unavailable' : '502 Bad Gateway'}`,
        ...this.runnerFields(),
      });
      return;
    }
    const job = this.queue.shift();
    if (!job) {
      this.counters[204]++;
      this.line(t, {
        correlation_id,
        level: 'debug',
        msg: 'Checking for jobs...no content',
        status: '204 No Content',
        ...this.runnerFields(),
      });
      return;
    }
    this.counters[201]++;
    this.line(t, {
      correlation_id,
      job: job.id,
      level: 'info',
      msg: 'Checking for jobs... received',
      repo_url: REPO,
      ...this.runnerFields(),
    });
    this.line(t + 1, {
      builds: this.running.length + 1,
      gitlab_user_id: 12,
      job: job.id,
      level: 'info',
      max_builds: 10,
      msg: 'Added job to processing list',
      namespace_id: 7,
      organization_id: 1,
      project: job.project,
      project_full_path: 'acme/webapp',
      queue_depth: this.queue.length,
      queue_size: this.queue.length,
      repo_url: REPO,
      root_namespace_id: 7,
      time_in_queue_seconds: 1 + this.int(20),
      ...this.runnerFields(),
    });
    this.line(t + 2, {
      builds: this.running.length + 1,
      level: 'debug',
      msg: 'Requeued the runner',
      ...this.runnerFields(),
    });
    job.startedAt = t;
    this.running.push(job);
    const idle = this.machines.find((m) => !m.job && m.readyAt <= t);
    if (idle) {
      idle.job = job;
      idle.idleSince = undefined;
      job.machine = idle;
      this.executorLine(t + 5, job, 'Using existing docker-machine');
      this.executorLine(t + 900, job, 'Starting docker-machine build...');
      job.endsAt = t + 60_000 + this.int(240_000);
      return;
    }
    const machine: Machine = {
      name: `runner-zx9kqt4mw-ci-${Math.floor(t / 1000)}-${this.id(8, '0123456789abcdef')}`,
      ip: `10.0.${2 + this.int(3)}.${10 + this.int(200)}`,
      createdAt: t,
      readyAt: t + 70_000 + this.int(50_000),
      idleSince: undefined,
      job,
      createLines: 0,
    };
    this.machines.push(machine);
    job.machine = machine;
    job.endsAt = machine.readyAt + 60_000 + this.int(240_000);
  }

  private executorLine(t: number, job: Job, msg: string): void {
    const m = job.machine as Machine;
    this.line(t, {
      created: `${new Date(m.createdAt).toISOString().replace('T', ' ').replace('Z', '')} +0000 UTC m=+${(t / 1000) % 100000}`,
      docker: `tcp://${m.ip}:2376`,
      job: job.id,
      level: 'info',
      msg,
      name: m.name,
      now: `${new Date(t).toISOString().replace('T', ' ').replace('Z', '')} +0000 UTC m=+${(t / 1000) % 100000}`,
      project: job.project,
      usedCount: 1,
      ...this.runnerFields(),
    });
  }

  private machineTick(m: Machine, t: number): void {
    if (m.readyAt > t && m.createLines < CREATE_OUTPUT.length) {
      const text = (CREATE_OUTPUT[m.createLines++] as string).replaceAll('%n', m.name);
      this.line(t, { driver: 'amazonec2', level: 'info', msg: text, name: m.name, operation: 'create' });
      return;
    }
    if (m.readyAt <= t && m.readyAt > t - CYCLE_MS) {
      this.line(t, {
        duration: (m.readyAt - m.createdAt) * 1_000_000,
        level: 'info',
        msg: 'Machine created',
        name: m.name,
        now: new Date(t).toISOString(),
        retries: 0,
      });
      if (m.job) {
        this.executorLine(t + 1, m.job, 'Created docker-machine');
        this.executorLine(t + 800, m.job, 'Starting docker-machine build...');
      }
      return;
    }
    if (!m.job && m.idleSince !== undefined && t - m.idleSince > IDLE_TIME_MS) this.removeMachine(m, t);
  }

  private removeMachine(m: Machine, t: number): void {
    const common = {
      lifetime: `${Math.round((t - m.createdAt) / 1000)}s`,
      name: m.name,
      reason: 'too many idle machines',
      used: `${Math.round((t - (m.idleSince ?? t)) / 1000)}s`,
      usedCount: 1,
    };
    this.line(t, { ...common, level: 'warning', msg: 'Requesting machine removal', now: new Date(t).toISOString() });
    this.line(t + 10, { ...common, level: 'warning', msg: 'Stopping machine' });
    this.line(t + 20, { level: 'info', msg: `Stopping "${m.name}"...`, name: m.name, operation: 'stop' });
    this.line(t + 30, { level: 'info', msg: `Machine "${m.name}" was stopped.`, name: m.name, operation: 'stop' });
    this.line(t + 40, { ...common, level: 'warning', msg: 'Removing machine' });
    this.line(t + 50, { level: 'info', msg: `About to remove ${m.name}`, name: m.name, operation: 'remove' });
    this.line(t + 60, {
      level: 'info',
      msg: 'WARNING: This action will delete both local reference and remote instance.',
      name: m.name,
      operation: 'remove',
    });
    this.line(t + 70, { level: 'info', msg: `Successfully removed ${m.name}`, name: m.name, operation: 'remove' });
    this.line(t + 80, { ...common, level: 'info', msg: 'Machine removed', now: new Date(t).toISOString(), retries: 0 });
    this.machines.splice(this.machines.indexOf(m), 1);
  }

  private jobTick(job: Job, t: number): void {
    const m = job.machine as Machine;
    if (m.readyAt > t) return;
    const fields = { job: job.id, project: job.project, ...this.runnerFields() };
    for (let i = 0; i < 3; i++) {
      const text = TRACE_LINES[this.int(TRACE_LINES.length)] as string;
      this.line(t + i, { ...fields, level: 'debug', msg: text });
    }
    const sent = job.traceBytes;
    job.traceBytes += 200 + this.int(3000);
    this.line(t + 10, {
      code: 202,
      correlation_id: `01K${this.id(23)}`,
      job: job.id,
      'job-log': `0-${job.traceBytes}`,
      'job-status': 'running',
      level: 'info',
      msg: 'Appending trace to coordinator...ok',
      runner: RUNNER,
      runner_name: RUNNER_NAME,
      'sent-log': `${sent}-${job.traceBytes - 1}`,
      status: '202 Accepted',
      'update-interval': 3_000_000_000,
    });
    if (t - job.lastUpdate > 30_000) {
      job.lastUpdate = t;
      this.update(t + 20, job);
    }
    if (t >= job.endsAt) this.finish(job, t + 30);
  }

  private update(t: number, job: Job): void {
    const checksum = `crc32:${this.id(8, '0123456789abcdef')}`;
    this.line(t, {
      bytesize: job.traceBytes,
      checksum,
      job: job.id,
      level: 'info',
      msg: 'Updating job...',
      ...this.runnerFields(),
    });
    this.line(t + 5, {
      bytesize: job.traceBytes,
      checksum,
      code: 200,
      correlation_id: `01K${this.id(23)}`,
      job: job.id,
      'job-status': '',
      level: 'info',
      msg: 'Submitting job to coordinator...ok',
      'update-interval': 0,
      ...this.runnerFields(),
    });
  }

  private finish(job: Job, t: number): void {
    const m = job.machine as Machine;
    const duration_s = (t - job.startedAt) / 1000 + this.random();
    const base = { duration_s, job: job.id, project: job.project, ...this.runnerFields() };
    if (job.fails) {
      this.line(t, {
        ...base,
        error: 'exit code 1',
        exit_code: 1,
        failure_reason: 'script_failure',
        'job-status': 'failed',
        level: 'warning',
        msg: 'Job failed: exit code 1',
      });
      this.line(t + 1, {
        ...base,
        level: 'warning',
        msg: 'Finished docker-machine build with error: exit code 1',
        name: m.name,
      });
    } else {
      this.line(t, { ...base, 'job-status': 'success', level: 'info', msg: 'Job succeeded', name: m.name });
      this.line(t + 1, { ...base, level: 'info', msg: 'Finished docker-machine build', name: m.name });
    }
    this.update(t + 10, job);
    this.line(t + 20, {
      builds: this.running.length - 1,
      job: job.id,
      level: 'info',
      max_builds: 10,
      msg: 'Removed job from processing list',
      project: job.project,
      ...this.runnerFields(),
    });
    this.running.splice(this.running.indexOf(job), 1);
    m.job = undefined;
    m.idleSince = t;
  }

  private snapshot(t: number): void {
    const machines = { idle: 0, used: 0, creating: 0, removing: 0 };
    for (const m of this.machines) {
      if (m.readyAt > t) machines.creating++;
      else if (m.job) machines.used++;
      else machines.idle++;
    }
    const time = `${new Date(t).toISOString().slice(0, 19)}.${String((t % 1000) * 1000).padStart(6, '0')}Z`;
    this.out.push(
      `${JSON.stringify({ time, level: 'info', msg: 'metrics snapshot', source: 'log-shipper', request_job: { ...this.counters }, machines })}\n`,
    );
  }
}
