import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LogEvent } from '../../functions/health-check/log-events.js';
import { LogSourceError, parseLogs, parseS3Url } from '../../functions/health-check/parser/index.js';
import { journald, lines } from './log-parser-support.js';

/** Files and folders: gzip by magic bytes, concatenated members, truncated gzip, folder order, bad paths. */
const received = (iso: string, job: number) =>
  journald(
    iso,
    `{"job":${job},"level":"info","msg":"Checking for jobs... received","runner":"Zx9KqT4mW","time":"${iso}"}`,
  );

function jobIds(events: LogEvent[]): number[] {
  return events.flatMap((e) => (e.kind === 'job-received' ? [e.jobId] : []));
}

describe('log sources', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gro-parser-sources-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('recognises gzip by its magic bytes, not by the file name', async () => {
    // Prepare
    const gzipNamedLog = join(dir, 'shipped.log');
    const plainNamedGz = join(dir, 'plain.log.gz');
    await writeFile(gzipNamedLog, gzipSync(lines(received('2025-10-20T09:00:00Z', 1))));
    await writeFile(plainNamedGz, lines(received('2025-10-20T09:00:01Z', 2)));
    const events: LogEvent[] = [];
    // Act
    const counts = await parseLogs([gzipNamedLog, plainNamedGz], (e) => events.push(e));
    // Assess
    expect(jobIds(events)).toEqual([1, 2]);
    expect(counts).toMatchObject({ total: 2, parsed: 2, sources: 2, readErrors: 0 });
  });

  it('reads concatenated gzip members (`cat a.gz b.gz`) and CRLF line ends', async () => {
    // Prepare
    const file = join(dir, 'concatenated.gz');
    const a = gzipSync(`${received('2025-10-20T09:00:00Z', 1)}\r\n`);
    const b = gzipSync(`${received('2025-10-20T09:01:00Z', 2)}\r\n`);
    await writeFile(file, Buffer.concat([a, b]));
    const events: LogEvent[] = [];
    // Act
    const counts = await parseLogs([file], (e) => events.push(e));
    // Assess
    expect(jobIds(events)).toEqual([1, 2]);
    expect(counts).toMatchObject({ total: 2, parsed: 2, readErrors: 0 });
  });

  it('ends a truncated gzip with a counted read error and keeps the lines before the cut', async () => {
    // Prepare
    const rows = Array.from({ length: 2000 }, (_, i) =>
      received(
        `2025-10-20T09:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
        i + 1,
      ),
    );
    const whole = gzipSync(lines(...rows));
    const file = join(dir, 'truncated.log.gz');
    await writeFile(file, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const events: LogEvent[] = [];
    const errors: string[] = [];
    // Act
    const counts = await parseLogs([file], (e) => events.push(e), {
      onSourceError: (s, e) => errors.push(`${s.kind} ${e.message}`),
    });
    // Assess
    const ids = jobIds(events);
    expect(ids.length).toBeGreaterThan(100);
    expect(ids.length).toBeLessThan(2000);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    expect(counts.readErrors).toBe(1);
    expect(counts.total).toBe(counts.parsed + counts.skipped + counts.duplicates);
    expect(errors).toEqual([expect.stringMatching(/^file .*unexpected end of file/)]);
  });

  it('walks a folder recursively in name order', async () => {
    // Prepare
    const root = join(dir, 'tree');
    await mkdir(join(root, '2025', '10', '20', '09'), { recursive: true });
    await mkdir(join(root, '2025', '10', '20', '10'), { recursive: true });
    await writeFile(
      join(root, '2025', '10', '20', '10', '1760954400.log.gz'),
      gzipSync(lines(received('2025-10-20T10:00:00Z', 3))),
    );
    await writeFile(
      join(root, '2025', '10', '20', '09', '1760950860.log.gz'),
      gzipSync(lines(received('2025-10-20T09:01:00Z', 2))),
    );
    await writeFile(
      join(root, '2025', '10', '20', '09', '1760950800.log.gz'),
      gzipSync(lines(received('2025-10-20T09:00:00Z', 1))),
    );
    const events: LogEvent[] = [];
    // Act
    const counts = await parseLogs([root], (e) => events.push(e));
    // Assess
    expect(jobIds(events)).toEqual([1, 2, 3]);
    expect(counts.sources).toBe(3);
  });

  it('reads an empty file as zero lines', async () => {
    // Prepare
    const file = join(dir, 'empty.log');
    await writeFile(file, '');
    // Act
    const counts = await parseLogs([file], () => {});
    // Assess
    expect(counts).toEqual({ total: 0, parsed: 0, skipped: 0, duplicates: 0, sources: 1, readErrors: 0 });
  });

  it('rejects a path that does not exist with an error that says what to pass', async () => {
    // Act
    const parsing = parseLogs([join(dir, 'missing', 'nothing.log')], () => {});
    // Assess
    await expect(parsing).rejects.toBeInstanceOf(LogSourceError);
    await expect(parsing).rejects.toMatchObject({
      code: 'LOG_SOURCE_UNREADABLE',
      hint: expect.stringContaining('--logs'),
    });
  });

  it("lets the caller's own onEvent error through instead of counting the line as skipped", async () => {
    // Prepare
    const file = join(dir, 'one.log');
    await writeFile(file, lines(received('2025-10-20T09:00:00Z', 1)));
    // Act
    const parsing = parseLogs([file], () => {
      throw new Error('analyser bug');
    });
    // Assess
    await expect(parsing).rejects.toThrow('analyser bug');
  });

  it('parses s3:// URLs', () => {
    // Assess
    expect(parseS3Url('s3://my-logs/runner-logs/stack/')).toEqual({ bucket: 'my-logs', prefix: 'runner-logs/stack/' });
    expect(parseS3Url('s3://my-logs')).toEqual({ bucket: 'my-logs', prefix: '' });
    expect(parseS3Url('s3://UPPER/x')).toBeUndefined();
    expect(parseS3Url('https://my-logs/x')).toBeUndefined();
  });
});
