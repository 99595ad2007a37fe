import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { renderScenario, type Scenario } from './scenario.js';
import {
  fieldReportV11,
  machineNeverRemoved,
  normalDay,
  pollingStallsDebug,
  pollingStallsSnapshots,
  revokedToken,
  SMALL_DAY_RENDERS,
  smallDay,
  v18Day,
} from './scenarios.js';

/**
 * Writes the health-check log fixtures into test/fixtures/logs (`npx tsx test/support/log-fixtures/generate.ts`).
 * Deterministic: the same files on every run. The expected reports next to them are written by hand, not here.
 */
const OUT = join(import.meta.dirname, '../../fixtures/logs');

/** A line the manager cut off mid-write (crash, full disk): must be counted and skipped. */
const TRUNCATED =
  '2025-10-20T09:20:00+0000 ip-192-168-0-10 gitlab-runner[2817]: {"level":"info","msg":"Checking for jo';

const FIXTURES: { file: string; scenario: () => Scenario; gzip: boolean; extra?: (text: string) => string }[] = [
  { file: 'small-day-v17-info-json.log', scenario: () => smallDay('info', SMALL_DAY_RENDERS.json), gzip: false },
  { file: 'small-day-v17-debug-json.log.gz', scenario: () => smallDay('debug', SMALL_DAY_RENDERS.json), gzip: true },
  { file: 'small-day-v17-debug-text.log.gz', scenario: () => smallDay('debug', SMALL_DAY_RENDERS.text), gzip: true },
  {
    file: 'small-day-v17-debug-runner-ansi.log.gz',
    scenario: () => smallDay('debug', SMALL_DAY_RENDERS['runner-ansi']),
    gzip: true,
  },
  { file: 'normal-day-v17.log.gz', scenario: normalDay, gzip: true, extra: insertTruncatedLine },
  { file: 'revoked-token-v17.log', scenario: revokedToken, gzip: false },
  { file: 'machine-never-removed-v17.log', scenario: machineNeverRemoved, gzip: false },
  { file: 'polling-stalls-snapshots-v17.log', scenario: pollingStallsSnapshots, gzip: false },
  { file: 'polling-stalls-debug-v16-text.log.gz', scenario: pollingStallsDebug, gzip: true },
  { file: 'field-report-v11-debug-journald.log', scenario: fieldReportV11, gzip: false },
  { file: 'v18-nano-json.log.gz', scenario: v18Day, gzip: true },
];

function insertTruncatedLine(text: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes('2025-10-20T09:2'));
  lines.splice(i < 0 ? lines.length - 1 : i, 0, TRUNCATED);
  return lines.join('\n');
}

mkdirSync(OUT, { recursive: true });
for (const f of FIXTURES) {
  let text = renderScenario(f.scenario());
  if (f.extra) text = f.extra(text);
  const body = f.gzip ? gzipSync(Buffer.from(text)) : Buffer.from(text);
  writeFileSync(join(OUT, f.file), body);
  const lines = text.split('\n').length - 1;
  process.stdout.write(`${f.file}: ${lines} lines, ${body.length} bytes\n`);
}
