import type { HealthReport } from '../../functions/health-check/analyser/report-types.js';

/** The few lines `npm run health` prints without --json: verdict, why, and the numbers a person looks for first. */
export function healthSummaryLines(report: HealthReport, subject: string): string[] {
  const p = report.polling;
  const s = report.scaleToZero;
  const t = (iso: string | null) => (iso ? iso.replace(/\.\d+Z$/, 'Z') : 'never');
  const by = (status: string) => report.jobs.filter((j) => j.status === status).length;
  const lines = [
    `${report.verdict.toUpperCase()}  ${subject}  (judged at ${t(report.window.now)})`,
    `  polling        ${p.status}: last successful request ${t(p.lastSuccessfulPollAt)}${p.intervalSeconds === null ? '' : `, every ~${p.intervalSeconds} s`}${p.forbiddenCount > 0 ? `, ${p.forbiddenCount} refused (403)` : ''}`,
    `  scale to zero  ${s.status}${s.zeroSince ? `: zero since ${t(s.zeroSince)}` : ''}${s.violations.length > 0 ? `: ${s.violations.length} machine(s) idle past ${s.idleLimitSeconds} s` : ''}`,
    `  jobs           ${report.jobs.length} (${by('success')} ok, ${by('failed')} failed, ${by('running')} running, ${by('unknown')} unknown)`,
    `  machines       ${report.machines.length} seen, max ${report.maxConcurrentMachines} at once, ${report.idleMachineMinutes} idle machine-minutes`,
    `  lines          ${report.lines.total} read, ${report.lines.skipped} skipped, ${report.lines.duplicates} duplicates`,
  ];
  for (const v of s.violations)
    lines.push(`  ! ${v.machine} idle since ${t(v.idleSince)} (${Math.round(v.idleSeconds)} s)`);
  for (const r of report.reasons) lines.push(`  - ${r}`);
  return lines;
}
