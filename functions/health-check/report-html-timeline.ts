import type { HealthReport, JobReport, MachineReport } from './analyser/report-types.js';
import { clock, esc, span } from './html-escape.js';

/**
 * The report's timeline as inline SVG (no script, no external asset): a lane of job requests per minute with the
 * polling gaps shaded, then one lane per machine — a bar from creation to removal (open-ended and red when it
 * violates scale-to-zero), its jobs drawn on it — and the IdleTime + grace window after the last job.
 */
const W = 1120;
const LABEL = 250;
const RIGHT = 24;
const AXIS = 28;
const POLL_LANE = 54;
const LANE = 30;
const MAX_MACHINES = 60;
const MAX_JOB_ROWS = 8;

const COLORS = {
  success: '#2da44e',
  failed: '#cf222e',
  running: '#0969da',
  unknown: '#8c959f',
  machine: '#d0d7de',
  machineEdge: '#8c959f',
  violation: '#ffebe9',
  violationEdge: '#cf222e',
  ok: '#2da44e',
  problem: '#cf222e',
  failedPoll: '#bf8700',
};

interface Scale {
  x: (ms: number) => number;
  t0: number;
  t1: number;
}

export function renderTimeline(report: HealthReport): string {
  const scale = timeScale(report);
  if (!scale) return '<p class="muted">No timed event in these logs: nothing to draw.</p>';
  const machines = report.machines.slice(0, MAX_MACHINES);
  const looseJobs = report.jobs.filter((j) => j.machine === null);
  const jobRows = packJobs(looseJobs, scale);
  const jobLaneCount = Math.min(jobRows.length, MAX_JOB_ROWS);
  const machineTop = AXIS + POLL_LANE + (jobLaneCount > 0 ? jobLaneCount * LANE + 18 : 0) + 26;
  const height = machineTop + Math.max(1, machines.length) * LANE + 30;
  const parts: string[] = [
    `<svg class="timeline" viewBox="0 0 ${W} ${height}" width="100%" role="img" aria-label="Timeline of polls, machines and jobs" xmlns="http://www.w3.org/2000/svg">`,
    defs(),
    `<rect x="0" y="0" width="${W}" height="${height}" fill="#ffffff"/>`,
    ...axis(scale, height),
    ...idleWindow(report, scale, machineTop, height),
    ...gaps(report, scale, height),
    ...pollLane(report, scale),
    ...jobLanes(jobRows.slice(0, MAX_JOB_ROWS), scale, AXIS + POLL_LANE + 8),
    ...machineLanes(report, machines, scale, machineTop),
    ...nowLine(report, scale, height),
    '</svg>',
  ];
  const more = report.machines.length - machines.length;
  if (more > 0) parts.push(`<p class="muted">${more} more machine(s) are in the table below.</p>`);
  if (jobRows.length > MAX_JOB_ROWS) parts.push('<p class="muted">More overlapping jobs are in the table below.</p>');
  return parts.join('\n');
}

function timeScale(report: HealthReport): Scale | undefined {
  if (report.window.from === null && report.machines.length === 0 && report.jobs.length === 0) return undefined;
  const times: number[] = [];
  const add = (iso: string | null) => {
    if (iso) times.push(Date.parse(iso));
  };
  add(report.window.from);
  add(report.window.now);
  for (const m of report.machines) add(m.createdAt);
  for (const j of report.jobs) add(j.receivedAt);
  const finite = times.filter(Number.isFinite);
  if (finite.length === 0) return undefined;
  let t0 = Math.min(...finite);
  let t1 = Math.max(...finite);
  if (t1 - t0 < 60_000) {
    t0 -= 30_000;
    t1 += 30_000;
  }
  const pad = (t1 - t0) * 0.02;
  t0 -= pad;
  t1 += pad;
  const plot = W - LABEL - RIGHT;
  return { t0, t1, x: (ms) => LABEL + ((ms - t0) / (t1 - t0)) * plot };
}

function defs(): string {
  return `<defs>
<pattern id="gap" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#fff1e5"/><line x1="0" y1="0" x2="0" y2="8" stroke="#fb8f44" stroke-width="3" opacity="0.45"/></pattern>
<pattern id="removing" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${COLORS.machine}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#6e7781" stroke-width="2"/></pattern>
<linearGradient id="fade" x1="0" x2="1"><stop offset="0" stop-color="${COLORS.machine}" stop-opacity="0"/><stop offset="1" stop-color="${COLORS.machine}"/></linearGradient>
</defs>`;
}

const TICK_STEPS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);

function axis(scale: Scale, height: number): string[] {
  const range = scale.t1 - scale.t0;
  const step = TICK_STEPS.find((s) => range / s <= 12) ?? 86_400_000;
  const out: string[] = [];
  for (let t = Math.ceil(scale.t0 / step) * step; t <= scale.t1; t += step) {
    const x = scale.x(t).toFixed(1);
    const label = clock(new Date(t).toISOString(), step < 60_000);
    out.push(
      `<line x1="${x}" y1="${AXIS - 6}" x2="${x}" y2="${height - 22}" stroke="#eaeef2"/>`,
      `<text x="${x}" y="${AXIS - 10}" class="tick" text-anchor="middle">${esc(label)}</text>`,
    );
  }
  out.push(`<text x="12" y="${AXIS - 10}" class="tick">UTC</text>`);
  return out;
}

function gaps(report: HealthReport, scale: Scale, height: number): string[] {
  return report.polling.gaps.map((g) => {
    const x1 = scale.x(Date.parse(g.from));
    const x2 = scale.x(Date.parse(g.to));
    const title = `No proof of polling for ${span(g.seconds)} (${clock(g.from)} → ${clock(g.to)})${g.ongoing ? ', up to now' : ''}`;
    return `<g><title>${esc(title)}</title><rect x="${x1.toFixed(1)}" y="${AXIS}" width="${Math.max(2, x2 - x1).toFixed(1)}" height="${height - AXIS - 22}" fill="url(#gap)" opacity="0.55"/><text x="${(x1 + 4).toFixed(1)}" y="${AXIS + 12}" class="gap-label">no polls · ${esc(span(g.seconds))}</text></g>`;
  });
}

function pollLane(report: HealthReport, scale: Scale): string[] {
  const top = AXIS + 6;
  const h = POLL_LANE - 16;
  const out = [
    `<text x="12" y="${top + h / 2 + 4}" class="lane">Job requests / min</text>`,
    `<line x1="${LABEL}" y1="${top + h}" x2="${W - RIGHT}" y2="${top + h}" stroke="#d0d7de"/>`,
  ];
  const minutes = report.polling.perMinute;
  const max = Math.max(1, ...minutes.map((m) => m.ok + m.problem + m.failed));
  const minuteWidth = Math.max(1.5, scale.x(60_000) - scale.x(0) - 1);
  for (const m of minutes) {
    const start = scale.x(Date.parse(m.minute));
    const x = Math.max(LABEL, start);
    const width = Math.min(start + minuteWidth, W - RIGHT) - x;
    if (width <= 0) continue;
    let y = top + h;
    for (const [count, color, what] of [
      [m.ok, COLORS.ok, 'successful'],
      [m.failed, COLORS.failedPoll, 'failed'],
      [m.problem, COLORS.problem, 'refused (403) / disabled'],
    ] as const) {
      if (count <= 0) continue;
      const bh = Math.max(2, (count / max) * h);
      y -= bh;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${width.toFixed(1)}" height="${bh.toFixed(1)}" fill="${color}"><title>${esc(`${clock(m.minute, false)}: ${count} ${what}`)}</title></rect>`,
      );
    }
  }
  if (report.polling.visibleThrough.length === 0) {
    out.push(
      `<text x="${LABEL + 8}" y="${top + h / 2 + 4}" class="muted-svg">idle polls are invisible in these logs (info level, no snapshots)</text>`,
    );
  }
  return out;
}

function idleWindow(report: HealthReport, scale: Scale, top: number, height: number): string[] {
  const last = report.scaleToZero.lastJobFinishedAt;
  if (!last || report.machines.length === 0) return [];
  const from = Date.parse(last);
  const to = from + report.scaleToZero.idleLimitSeconds * 1000;
  const x1 = scale.x(from);
  const x2 = Math.min(scale.x(to), W - RIGHT);
  return [
    `<rect x="${x1.toFixed(1)}" y="${top - 8}" width="${Math.max(1, x2 - x1).toFixed(1)}" height="${height - top - 14}" fill="#ddf4ff" opacity="0.7"><title>${esc(`IdleTime + grace after the last job: every machine should be gone by ${clock(new Date(to).toISOString())}`)}</title></rect>`,
    `<line x1="${x2.toFixed(1)}" y1="${top - 8}" x2="${x2.toFixed(1)}" y2="${height - 22}" stroke="#0969da" stroke-dasharray="4 3"/>`,
    `<text x="${(x1 + 4).toFixed(1)}" y="${top - 12}" class="window-label">IdleTime + grace (${esc(span(report.scaleToZero.idleLimitSeconds))}) after the last job</text>`,
  ];
}

function machineLanes(report: HealthReport, machines: MachineReport[], scale: Scale, top: number): string[] {
  const out: string[] = [];
  const now = Date.parse(report.window.now);
  const violating = new Set(report.scaleToZero.violations.map((v) => v.machine));
  if (machines.length === 0) {
    out.push(`<text x="12" y="${top + 19}" class="lane">Machines</text>`);
    out.push(`<text x="${LABEL + 8}" y="${top + 19}" class="muted-svg">no machine named in these logs</text>`);
    return out;
  }
  machines.forEach((m, i) => {
    const y = top + i * LANE;
    const barY = y + 7;
    const barH = LANE - 12;
    const bad = violating.has(m.name);
    const created = m.createdAt ? Date.parse(m.createdAt) : scale.t0;
    const end = m.removedAt ? Date.parse(m.removedAt) : now;
    const removal = m.removalRequestedAt ? Date.parse(m.removalRequestedAt) : undefined;
    out.push(
      `<text x="12" y="${y + 19}" class="${bad ? 'lane bad' : 'lane'}">${esc(shortName(m.name))}<title>${esc(m.name)}</title></text>`,
    );
    if (m.createdAt && m.creationSeconds) {
      const cx = scale.x(created - m.creationSeconds * 1000);
      out.push(
        `<rect x="${cx.toFixed(1)}" y="${barY + 4}" width="${Math.max(1, scale.x(created) - cx).toFixed(1)}" height="${barH - 8}" fill="url(#fade)"><title>${esc(`creating for ${span(m.creationSeconds)}`)}</title></rect>`,
      );
    }
    const x1 = scale.x(created);
    const xr = scale.x(removal ?? end);
    const fill = bad ? COLORS.violation : m.createdAt ? COLORS.machine : 'url(#fade)';
    const edge = bad ? COLORS.violationEdge : COLORS.machineEdge;
    const title = `${m.name}\ncreated ${clock(m.createdAt)}, ${m.removedAt ? `removed ${clock(m.removedAt)}` : 'never removed'}\njobs: ${m.jobs.join(', ') || 'none'}`;
    out.push(
      `<rect x="${x1.toFixed(1)}" y="${barY}" width="${Math.max(2, xr - x1).toFixed(1)}" height="${barH}" rx="4" fill="${fill}" stroke="${edge}" stroke-width="${bad ? 1.6 : 0.8}"><title>${esc(title)}</title></rect>`,
    );
    if (removal !== undefined) {
      const xe = scale.x(end);
      out.push(
        `<rect x="${xr.toFixed(1)}" y="${barY}" width="${Math.max(2, xe - xr).toFixed(1)}" height="${barH}" rx="3" fill="url(#removing)" stroke="${edge}" stroke-width="0.8"><title>${esc(`removal requested ${clock(m.removalRequestedAt)}${m.removedAt ? `, removed ${clock(m.removedAt)}` : ', never confirmed'}`)}</title></rect>`,
      );
    }
    if (!m.removedAt) {
      const xe = scale.x(end);
      out.push(`<path d="M${xe.toFixed(1)} ${barY - 2} l9 ${barH / 2 + 2} l-9 ${barH / 2 + 2} z" fill="${edge}"/>`);
    }
    for (const job of report.jobs.filter((j) => j.machine === m.name))
      out.push(jobBar(job, scale, barY + 3, barH - 6, now));
  });
  return out;
}

function jobLanes(rows: JobReport[][], scale: Scale, top: number): string[] {
  if (rows.length === 0) return [];
  const out = [`<text x="12" y="${top + 19}" class="lane">Jobs (no machine in these logs)</text>`];
  rows.forEach((row, i) => {
    for (const job of row) out.push(jobBar(job, scale, top + i * LANE + 7, LANE - 12, Number.NaN));
  });
  return out;
}

function jobBar(job: JobReport, scale: Scale, y: number, h: number, now: number): string {
  const start = Date.parse(job.receivedAt ?? job.finishedAt ?? '');
  if (!Number.isFinite(start)) return '';
  const endIso = job.finishedAt;
  const end = endIso ? Date.parse(endIso) : Number.isFinite(now) ? now : start + 60_000;
  const x1 = scale.x(start);
  const x2 = Math.max(x1 + 3, scale.x(end));
  const color = COLORS[job.status];
  const wait = job.provisioningWaitSeconds;
  const title = `job ${job.id}: ${job.status}\nreceived ${clock(job.receivedAt)}, finished ${clock(job.finishedAt)}${wait !== null ? `\nwaited ${span(wait)} for its machine` : ''}`;
  const parts = [`<g><title>${esc(title)}</title>`];
  if (wait !== null && wait > 0 && job.receivedAt) {
    const xw = Math.min(x2, scale.x(start + wait * 1000));
    parts.push(
      `<rect x="${x1.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, xw - x1).toFixed(1)}" height="${h}" rx="2" fill="${color}" opacity="0.35"/>`,
    );
    parts.push(
      `<rect x="${xw.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(2, x2 - xw).toFixed(1)}" height="${h}" rx="2" fill="${color}"/>`,
    );
  } else {
    parts.push(
      `<rect x="${x1.toFixed(1)}" y="${y.toFixed(1)}" width="${(x2 - x1).toFixed(1)}" height="${h}" rx="2" fill="${color}"/>`,
    );
  }
  if (x2 - x1 > 30) {
    parts.push(
      `<text x="${((x1 + x2) / 2).toFixed(1)}" y="${(y + h / 2 + 3.5).toFixed(1)}" class="job-label" text-anchor="middle">${esc(job.id)}</text>`,
    );
  }
  parts.push('</g>');
  return parts.join('');
}

function nowLine(report: HealthReport, scale: Scale, height: number): string[] {
  const x = scale.x(Date.parse(report.window.now)).toFixed(1);
  return [
    `<line x1="${x}" y1="${AXIS - 4}" x2="${x}" y2="${height - 22}" stroke="#24292f" stroke-width="1.2" stroke-dasharray="2 3"/>`,
    `<text x="${x}" y="${height - 9}" class="now-label" text-anchor="middle">now</text>`,
  ];
}

/** Greedy rows for jobs without a machine (access logs): a job goes on the first row where it does not overlap. */
function packJobs(jobs: JobReport[], scale: Scale): JobReport[][] {
  const rows: { end: number; jobs: JobReport[] }[] = [];
  for (const job of jobs) {
    const start = scale.x(Date.parse(job.receivedAt ?? job.finishedAt ?? ''));
    if (!Number.isFinite(start)) continue;
    const end = Math.max(start + 34, scale.x(Date.parse(job.finishedAt ?? '') || scale.t1));
    const row = rows.find((r) => r.end + 2 <= start);
    if (row) {
      row.jobs.push(job);
      row.end = end;
    } else rows.push({ end, jobs: [job] });
  }
  return rows.map((r) => r.jobs);
}

/** `runner-zx9kqt4mw-ci-autoscale-1760951113-ace6ac84` → `…autoscale-1760951113-ace6ac84` (full name in the tooltip). */
function shortName(name: string): string {
  return name.length <= 34 ? name : `…${name.slice(-33)}`;
}
