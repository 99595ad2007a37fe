import { describe, expect, it } from '@jest/globals';
import { createAnalyser } from '../../functions/health-check/analyser/index.js';
import type { HealthReport } from '../../functions/health-check/analyser/report-types.js';
import type { LogEvent } from '../../functions/health-check/log-events.js';
import { renderReportHtml } from '../../functions/health-check/report-html.js';

/** The HTML report: self-contained, every log string escaped, and the timeline draws what the report says. */
const T0 = Date.UTC(2025, 9, 20, 9, 0, 0);
const at = (s: number) => T0 + s * 1000;
const HOSTILE = '<img src=x onerror=alert(1)>';

function report(events: LogEvent[], nowSeconds: number): HealthReport {
  const analyser = createAnalyser();
  for (const e of events) analyser.onEvent(e);
  return analyser.buildReport({
    now: at(nowSeconds),
    idleTime: 300,
    idleCount: 0,
    idleGraceSeconds: 180,
    pollingStaleAfterSeconds: 900,
    lineCounts: { total: events.length, parsed: events.length, skipped: 0, duplicates: 0 },
  });
}

const polls = (from: number, to: number): LogEvent[] => {
  const out: LogEvent[] = [{ kind: 'debug-level', time: at(from) }];
  for (let s = from; s <= to; s += 3) out.push({ kind: 'poll', time: at(s), result: 'empty', source: 'runner' });
  return out;
};

/** A machine whose name and removal reason are hostile markup, never removed: a violation, drawn in red. */
const leaking: LogEvent[] = [
  ...polls(0, 300),
  ...polls(1500, 1800),
  { kind: 'job-received', time: at(10), jobId: 11 },
  { kind: 'machine-created', time: at(50), machine: HOSTILE, creationSeconds: 40 },
  { kind: 'job-machine', time: at(51), jobId: 11, machine: HOSTILE, newMachine: true },
  { kind: 'job-finished', time: at(120), jobId: 11, status: 'success' },
  { kind: 'machine-created', time: at(60), machine: 'runner-ok', creationSeconds: 40 },
  { kind: 'machine-removal-requested', time: at(500), machine: 'runner-ok', reason: `a&b "c" 'd' ${HOSTILE}` },
  { kind: 'machine-removed', time: at(540), machine: 'runner-ok' },
];

describe('health report HTML', () => {
  it('escapes every string that comes from the logs', () => {
    // Act
    const html = renderReportHtml(report(leaking, 1800), { subject: `stack ${HOSTILE}` });
    // Assess
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('a&amp;b &quot;c&quot; &#39;d&#39;');
  });

  it('is self-contained: no script, no external stylesheet, image or font', () => {
    const html = renderReportHtml(report(leaking, 1800));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|<iframe|@import|url\(\s*['"]?https?:/i);
    expect(html).not.toMatch(/<[a-z][^>]*\s(src|href)=/i); // in a tag, not in escaped text
  });

  it('shows the verdict in colour with its reasons', () => {
    const html = renderReportHtml(report(leaking, 1800));
    expect(html).toContain('<header class="verdict unhealthy">');
    expect(html).toContain('<div class="badge">Unhealthy</div>');
    expect(html).toContain('Idle machine(s) not removed within IdleTime + grace (480 s)');
  });

  it('draws the violating machine as an open red bar, its job on it, and the polling gap', () => {
    const html = renderReportHtml(report(leaking, 1800));
    const svg = html.slice(html.indexOf('<svg'), html.indexOf('</svg>'));
    expect(svg).toContain('stroke="#cf222e" stroke-width="1.6"'); // the violation's bar
    expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+ l9 /); // open end: never removed
    expect(svg).toContain('job 11: success');
    expect(svg).toContain('fill="url(#removing)"'); // runner-ok's removal
    expect(svg).toContain('fill="url(#gap)"'); // 300 s → 1500 s without polls
    expect(svg).toContain('IdleTime + grace (8 min) after the last job');
    expect(html).toContain('Machines that should be gone');
  });

  it('draws no gap and no violation for a healthy day', () => {
    const healthy: LogEvent[] = [
      ...polls(0, 900),
      { kind: 'machine-created', time: at(50), machine: 'runner-a' },
      { kind: 'machine-removal-requested', time: at(360), machine: 'runner-a' },
      { kind: 'machine-removed', time: at(400), machine: 'runner-a' },
    ];
    const html = renderReportHtml(report(healthy, 900));
    expect(html).toContain('<header class="verdict healthy">');
    expect(html).not.toContain('fill="url(#gap)"');
    expect(html).not.toContain('Machines that should be gone');
  });

  it('says so when there is nothing to draw', () => {
    const html = renderReportHtml(report([], 0));
    expect(html).toContain('No timed event in these logs');
    expect(html).toContain('<header class="verdict unprovable">');
  });
});
