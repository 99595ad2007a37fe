import {
  buildStart,
  disabled,
  type ExecutorContext,
  failingRemoval,
  feeding,
  forbidden,
  idlePoll,
  jobEnd,
  type MachineCounts,
  machineCreate,
  machineDetails,
  machineForJob,
  type Profile,
  received,
  removal,
  startup,
  trace,
} from './messages.js';
import { type Entry, type RenderOptions, renderEntry } from './render.js';

/**
 * A manager's day as a list of facts (polls every 3 s, jobs, machines), rendered as the lines one gitlab-runner
 * version writes, plus the log shipper's lines (cfn-init, one metrics snapshot a minute: DESIGN.md section 5).
 * The same scenario rendered in json, text and runner format must give the same report.
 */
export interface JobDef {
  id: number;
  receivedAt: number;
  machine: string;
  /** The machine was created for this job (IdleCount 0: created in the job's context). */
  fresh: boolean;
  readyAt: number;
  buildAt: number;
  endAt: number;
  ok: boolean;
  queueSeconds: number;
}

export interface MachineDef {
  name: string;
  ip: string;
  createStart: number;
  createdAt: number;
  removalAt?: number;
  removedAt?: number;
  /** `docker-machine rm` keeps failing: retried every 30 s, never removed. */
  removalFails?: boolean;
  reason: string;
}

export interface Scenario {
  profile: Profile;
  start: number;
  end: number;
  level: 'info' | 'debug';
  snapshots: boolean;
  cfnInit: boolean;
  /** Debug poll lines stop after this time (GitLab hangs); the feeder goes on. */
  pollsStopAt?: number;
  /** The token is revoked: three 403s from here, then the runner disables itself and stops polling. */
  revokedAt?: number;
  jobs: JobDef[];
  machines: MachineDef[];
  render: Omit<RenderOptions, 'journald' | 'monotonicFrom'> & { journaldStyle: '+0000' | '+00:00' };
}

const POLL_MS = 3000;
const PID = 2817;
const HOST = 'ip-192-168-0-10';

interface Line {
  t: number;
  order: number;
  text: string[];
}

export function renderScenario(s: Scenario): string {
  const entries = runnerEntries(s).filter((en) => s.level === 'debug' || en.level !== 'debug');
  const opts: RenderOptions = {
    ...s.render,
    journald: { style: s.render.journaldStyle, host: HOST, pid: PID },
    ...(s.profile.major >= 12 ? { monotonicFrom: s.start } : {}),
  };
  const lines: Line[] = entries.map((en, i) => ({ t: en.t, order: i, text: renderEntry(en, opts) }));
  let order = entries.length;
  if (s.cfnInit) for (const l of cfnInitLines(s.start)) lines.push({ ...l, order: order++ });
  if (s.snapshots) {
    for (let t = s.start + 30_412; t <= s.end; t += 60_000) {
      lines.push({ t, order: order++, text: [snapshotLine(s, t)] });
    }
  }
  lines.sort((a, b) => Math.floor(a.t / 1000) - Math.floor(b.t / 1000) || a.order - b.order);
  return `${lines.flatMap((l) => l.text).join('\n')}\n`;
}

function runnerEntries(s: Scenario): Entry[] {
  const p = s.profile;
  const out: Entry[] = [...startup(p, s.start, PID)];
  const receivedAt = new Set(s.jobs.map((j) => j.receivedAt));
  for (let t = s.start + POLL_MS; t <= s.end; t += POLL_MS) {
    const counts = machineCounts(s, t);
    if (s.revokedAt !== undefined && t >= s.revokedAt) {
      const n = (t - s.revokedAt) / POLL_MS;
      if (n < 3) out.push(feeding(t, counts.used), forbidden(p, t));
      else out.push(feeding(t, counts.used));
      if (n === 2) out.push(disabled(p, t));
    } else if (s.pollsStopAt !== undefined && t > s.pollsStopAt) {
      out.push(feeding(t, counts.used));
    } else if (receivedAt.has(t)) {
      out.push(feeding(t, counts.used), machineDetails(p, t, counts));
    } else {
      out.push(...idlePoll(p, t, counts));
    }
  }
  for (const job of s.jobs) out.push(...jobEntries(s, job));
  for (const m of s.machines) out.push(...removalEntries(s, m));
  return out.sort((a, b) => a.t - b.t);
}

function jobEntries(s: Scenario, job: JobDef): Entry[] {
  const p = s.profile;
  const m = s.machines.find((x) => x.name === job.machine);
  if (!m) throw new Error(`job ${job.id}: no machine ${job.machine}`);
  const x: ExecutorContext = {
    job: job.id,
    name: m.name,
    machineCreatedAt: m.createdAt,
    usedCount: s.jobs.filter((j) => j.machine === m.name && j.receivedAt <= job.receivedAt).length,
    ip: m.ip,
  };
  const out: Entry[] = [...received(p, job.receivedAt, job.id, job.queueSeconds)];
  if (job.fresh) out.push(...machineCreate(p, m.createStart, m.createdAt, m.name));
  out.push(...machineForJob(p, job.readyAt, x, job.fresh), buildStart(p, job.buildAt, x));
  let sent = 0;
  for (let t = job.buildAt + POLL_MS; t < job.endAt; t += POLL_MS) {
    const next = sent + 180 + ((t / 1000) % 7) * 40;
    out.push(trace(p, t, job.id, sent, next));
    sent = next;
  }
  out.push(...jobEnd(p, job.endAt, x, job.ok, (job.endAt - job.receivedAt) / 1000 + 0.2));
  return out;
}

function removalEntries(s: Scenario, m: MachineDef): Entry[] {
  if (m.removalAt === undefined) return [];
  const jobs = s.jobs.filter((j) => j.machine === m.name);
  const ctx = {
    name: m.name,
    createdAt: m.createdAt,
    idleSince: Math.max(m.createdAt, ...jobs.map((j) => j.endAt)),
    usedCount: jobs.length,
    reason: m.reason,
  };
  if (m.removalFails) return failingRemoval(s.profile, m.removalAt, s.end, ctx);
  return removal(s.profile, m.removalAt, m.removedAt ?? m.removalAt + 40_000, ctx);
}

export function machineCounts(s: Scenario, t: number): MachineCounts {
  const c: MachineCounts = { creating: 0, idle: 0, used: 0, removing: 0 };
  for (const m of s.machines) {
    if (t < m.createStart || (m.removedAt !== undefined && t >= m.removedAt)) continue;
    if (t < m.createdAt) c.creating += 1;
    else if (m.removalAt !== undefined && t >= m.removalAt) c.removing += 1;
    else if (s.jobs.some((j) => j.machine === m.name && (j.fresh ? m.createStart : j.receivedAt) <= t && t < j.endAt)) {
      c.used += 1;
    } else c.idle += 1;
  }
  return c;
}

function pollCounts(s: Scenario, t: number): { '201': number; '204': number; '403': number } {
  const received = s.jobs.filter((j) => j.receivedAt <= t).length;
  let empty = 0;
  let refused = 0;
  const receivedAt = new Set(s.jobs.map((j) => j.receivedAt));
  for (let p = s.start + POLL_MS; p <= t; p += POLL_MS) {
    if (s.revokedAt !== undefined && p >= s.revokedAt) {
      if (p < s.revokedAt + 3 * POLL_MS) refused += 1;
    } else if (s.pollsStopAt !== undefined && p > s.pollsStopAt) {
      // hung: no request completes
    } else if (!receivedAt.has(p)) empty += 1;
  }
  return { '201': received, '204': empty, '403': refused };
}

function snapshotLine(s: Scenario, t: number): string {
  const c = machineCounts(s, t);
  return JSON.stringify({
    time: `${new Date(t).toISOString().slice(0, 23)}345Z`, // the shipper's %f: always 6 digits
    level: 'info',
    msg: 'metrics snapshot',
    source: 'log-shipper',
    request_job: pollCounts(s, t),
    machines: { idle: c.idle, used: c.used, creating: c.creating, removing: c.removing },
  });
}

function cfnInitLines(start: number): Omit<Line, 'order'>[] {
  const msgs = [
    '[INFO] -----------------------Starting build-----------------------',
    '[INFO] Running configSets: default',
    '[INFO] Running configSet default',
    '[INFO] Running config install',
    '[INFO] Command write-config succeeded',
    '[INFO] Command enable-runner succeeded',
    '[INFO] ConfigSets completed',
    '[INFO] -----------------------Build complete-----------------------',
  ];
  return msgs.map((m, i) => {
    const t = start - 120_000 + i * 5000;
    const stamp = new Date(t).toISOString().replace('T', ' ').replace('.', ',').slice(0, 23);
    return {
      t,
      text: [
        JSON.stringify({ time: new Date(t).toISOString(), level: 'info', msg: `${stamp} ${m}`, source: 'cfn-init' }),
      ],
    };
  });
}
