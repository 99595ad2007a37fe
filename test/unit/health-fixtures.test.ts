import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { analyseLogs, type HealthSettings } from '../../functions/health-check/analyse-logs.js';
import type { HealthReport } from '../../functions/health-check/analyser/report-types.js';
import { subsetMismatches } from '../support/expect-subset.js';

/**
 * Every log fixture in test/fixtures/logs (built by test/support/log-fixtures from the formats reference) goes
 * through the real parser and analyser; its report must match the hand-written `<name>.expected.json` on the
 * fields listed there. See test/fixtures/logs/README.md for what each fixture holds.
 */
const DIR = join(import.meta.dirname, '../fixtures/logs');

interface Expected {
  fixture: string;
  about: string;
  options: HealthSettings & { now?: string };
  report: Record<string, unknown>;
}

const expectations = readdirSync(DIR)
  .filter((f) => f.endsWith('.expected.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Expected);

async function reportOf(e: Expected): Promise<HealthReport> {
  const { now, ...settings } = e.options;
  return analyseLogs([join(DIR, e.fixture)], settings, now === undefined ? {} : { now: Date.parse(now) });
}

describe('health check on the log fixtures', () => {
  it('has an expected report for every fixture, and a fixture for every expected report', () => {
    // Prepare
    const logs = readdirSync(DIR).filter((f) => /\.log(\.gz)?$/.test(f));
    // Assess
    expect(expectations.map((e) => e.fixture).sort()).toEqual(logs.sort());
    expect(expectations.length).toBeGreaterThanOrEqual(12);
  });

  it.each(expectations.map((e) => [e.fixture, e] as const))('%s gives its expected report', async (_name, e) => {
    // Act
    const report = await reportOf(e);
    // Assess
    expect(subsetMismatches(report, e.report)).toEqual([]);
  });

  it('json, logrus text and runner format (ANSI) of the same day give the same report, lines apart', async () => {
    // Prepare
    const names = ['json', 'text', 'runner-ansi'].map((f) => `small-day-v17-debug-${f}.log.gz`);
    const settings = { idleTime: 300, idleCount: 0, idleGraceSeconds: 180, pollingStaleAfterSeconds: 900 };
    // Act
    const reports = await Promise.all(names.map((n) => analyseLogs([join(DIR, n)], settings)));
    // Assess
    const [json, ...others] = reports.map(({ lines: _lines, ...rest }) => rest);
    for (const other of others) expect(other).toEqual(json);
    expect(json?.verdict).toBe('healthy');
  });

  it('the same day at info level cannot prove polling, at debug level it can', async () => {
    const settings = { idleTime: 300, idleCount: 0, idleGraceSeconds: 180, pollingStaleAfterSeconds: 900 };
    const now = Date.parse('2025-10-20T09:30:00Z');
    const info = await analyseLogs([join(DIR, 'small-day-v17-info-json.log')], settings, { now });
    const debug = await analyseLogs([join(DIR, 'small-day-v17-debug-json.log.gz')], settings, { now });
    expect([info.polling.status, debug.polling.status]).toEqual(['unprovable', 'ok']);
    expect(info.jobs).toEqual(debug.jobs);
    expect(info.machines).toEqual(debug.machines);
  });
});

describe("the field report's access log", () => {
  const settings = { idleTime: 300, idleCount: 0, idleGraceSeconds: 180, pollingStaleAfterSeconds: 900 };
  const file = join(DIR, 'field-report-access.log');

  it('shows polling every ~3 s and the six jobs 76, 57, 58, 59, 60, 61', async () => {
    // Act
    const report = await analyseLogs([file], settings);
    // Assess
    expect(report.polling.intervalSeconds).toBeGreaterThanOrEqual(2.5);
    expect(report.polling.intervalSeconds).toBeLessThanOrEqual(3.5);
    expect(report.polling.status).toBe('ok');
    expect(report.jobs.map((j) => j.id)).toEqual([76, 57, 58, 59, 60, 61]);
  });

  it('job 58 waited much longer than 57 before its clone: a new machine had to boot', async () => {
    // Act
    const report = await analyseLogs([file], settings);
    // Assess
    const wait = (id: number) => report.jobs.find((j) => j.id === id)?.provisioningWaitSeconds ?? Number.NaN;
    expect(wait(57)).toBeLessThanOrEqual(10);
    expect(wait(58)).toBeGreaterThanOrEqual(60);
    expect(wait(58)).toBeGreaterThan(5 * wait(57));
    // job 76 waited for the first machine of the day, 59-61 found idle machines
    expect(wait(76)).toBeGreaterThanOrEqual(60);
    for (const id of [59, 60, 61]) expect(wait(id)).toBeLessThanOrEqual(10);
  });
});
