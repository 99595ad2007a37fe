import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { HealthReport } from '../../functions/health-check/analyser/report-types.js';
import { runHealthCli } from '../support/health-cli.js';

/**
 * `npm run health` spawned on the fixtures: its exit codes (0 healthy, 1 unhealthy, 3 unprovable, 2 bad usage or
 * unreadable input) and outputs are an interface. The s3:// run against moto is in test/integration.
 */
const LOGS = 'test/fixtures/logs';
const tmp = mkdtempSync(join(tmpdir(), 'health-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm run health', () => {
  it.each([
    ['normal-day-v17.log.gz', [], 0, 'healthy'],
    ['revoked-token-v17.log', [], 1, 'unhealthy'],
    ['machine-never-removed-v17.log', [], 1, 'unhealthy'],
    ['small-day-v17-info-json.log', ['--now', '2025-10-20T09:30:00Z'], 3, 'unprovable'],
  ] as const)('%s %j exits %i (%s) and prints the report JSON', async (file, extra, code, verdict) => {
    // Act
    const run = await runHealthCli(['--logs', `${LOGS}/${file}`, ...extra, '--json']);
    // Assess
    expect(run.code).toBe(code);
    const report = JSON.parse(run.stdout) as HealthReport;
    expect(report.verdict).toBe(verdict);
    expect(report).toHaveProperty('polling.status');
    expect(report).toHaveProperty('scaleToZero.status');
    expect(report).toHaveProperty('lines.total');
  });

  it('defaults --now to the end of the log window for files', async () => {
    const run = await runHealthCli(['--logs', `${LOGS}/small-day-v17-info-json.log`, '--json']);
    const report = JSON.parse(run.stdout) as HealthReport;
    expect(report.window.now).toBe(report.window.to);
    expect(run.code).toBe(0);
  });

  it('takes IdleTime from the flags: a longer IdleTime turns the violation into pending', async () => {
    const run = await runHealthCli([
      '--logs',
      `${LOGS}/machine-never-removed-v17.log`,
      '--idle-time',
      '7200',
      '--json',
    ]);
    const report = JSON.parse(run.stdout) as HealthReport;
    expect(report.scaleToZero.status).toBe('pending');
    expect(report.settings.idleTime).toBe(7200);
    expect(run.code).toBe(0);
  });

  it('reads a folder of logs, and writes a self-contained HTML page with --html', async () => {
    // Prepare: the normal day, split in two files of a folder (read in name order)
    const dir = join(tmp, 'folder');
    mkdirSync(dir);
    const lines = gunzipSync(readFileSync(`${LOGS}/normal-day-v17.log.gz`))
      .toString()
      .split('\n');
    const half = Math.floor(lines.length / 2);
    writeFileSync(join(dir, 'a.log'), `${lines.slice(0, half).join('\n')}\n`);
    writeFileSync(join(dir, 'b.log.gz'), gzipSync(lines.slice(half).join('\n')));
    const html = join(tmp, 'report.html');
    // Act
    const run = await runHealthCli(['--logs', dir, '--html', html]);
    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^HEALTHY /);
    expect(run.stdout).toContain('4 (3 ok, 1 failed');
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<svg class="timeline"');
    expect(page).not.toMatch(/<script|<link|src=/i);
  });

  it.each([
    [['--logs', 'test/fixtures/logs/no-such-file.log'], /Cannot read the log path/],
    [['--logs', `${LOGS}/normal-day-v17.log.gz`, '--now', 'yesterday'], /--now must be an ISO time/],
    [['--logs', `${LOGS}/normal-day-v17.log.gz`, '--idle-time', '5m'], /--idle-time must be a whole number/],
    [['--logs', `${LOGS}/normal-day-v17.log.gz`, '--frobnicate'], /unknown option/],
    [[], /required option '--logs/],
    [['--logs', `${LOGS}/normal-day-v17.log.gz`, '--config', 'no-such-config.json'], /Cannot read the config file/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    // Act
    const run = await runHealthCli(args);
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('exits 2 when a folder holds no log at all', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const run = await runHealthCli(['--logs', empty, '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no log file or object found/);
  });
});
