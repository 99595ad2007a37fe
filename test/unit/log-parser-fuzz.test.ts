import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LineCounts, LogEvent } from '../../functions/health-check/log-events.js';
import { parseLogs } from '../../functions/health-check/parser/index.js';
import { journald, lines } from './log-parser-support.js';

/**
 * Nothing in the bytes may make the parser throw: random bytes, mutated real lines, truncated gzip, a gzip of
 * garbage, a 10 MB line, invalid UTF-8, an empty file. Every run resolves with consistent counts, and every event
 * it still emits is well formed. Seeded: a failure reproduces.
 */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const REAL_LINES = [
  journald(
    '2025-10-20T09:00:00Z',
    '{"job":42,"level":"info","msg":"Checking for jobs... received","runner":"Zx9KqT4mW","time":"2025-10-20T09:00:00.5Z"}',
  ),
  journald(
    '2025-10-20T09:00:01Z',
    '{"creating":0,"idle":1,"level":"debug","msg":"Docker Machine Details","removing":0,"time":"2025-10-20T09:00:01Z","total":1,"used":0}',
  ),
  journald(
    '2025-10-20T09:00:02Z',
    '{"level":"debug","msg":"Checking for jobs...no content","status":"204 No Content","time":"2025-10-20T09:00:02Z"}',
  ),
  journald(
    '2025-10-20T09:00:03Z',
    '{"duration_s":1.5,"job":42,"level":"info","msg":"Job succeeded","time":"2025-10-20T09:00:03Z"}',
  ),
  journald(
    '2025-10-20T09:00:04Z',
    '\x1b[0;33mWARNING: Requesting machine removal\x1b[0;m  \x1b[0;33mname\x1b[0;m=runner-x reason=too many idle machines',
  ),
  'May 14 09:20:06 host gitlab-runner[9]: Machine created                                     name=runner-y time=1m2s',
  'time="2019-05-14T09:20:06Z" level=info msg="Checking for jobs... received" job=1001 runner=Zx9KqT4m',
  '203.0.113.10 - - [14/May/2019:03:29:16 +0000] "POST /api/v4/jobs/request HTTP/1.1" 201 5436 "" "gitlab-runner 11.10.1 (x)"',
  '{"time":"2025-10-20T09:01:00Z","level":"info","msg":"metrics snapshot","source":"log-shipper","request_job":{"204":5}}',
];

async function parseBuffer(data: Buffer): Promise<{ counts: LineCounts; events: LogEvent[] }> {
  const events: LogEvent[] = [];
  const counts = await parseLogs([{ kind: 'bytes', name: 'fuzz', data }], (e) => events.push(e));
  return { counts, events };
}

function expectConsistent(counts: LineCounts, events: LogEvent[]): void {
  expect(counts.total).toBe(counts.parsed + counts.skipped + counts.duplicates);
  for (const event of events) {
    expect(Number.isFinite(event.time)).toBe(true);
    if ('jobId' in event && event.jobId !== undefined) expect(Number.isSafeInteger(event.jobId)).toBe(true);
  }
}

describe('parser fuzzing', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gro-parser-fuzz-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves on random bytes, with and without newlines', async () => {
    const random = prng(1);
    for (let round = 0; round < 10; round++) {
      // Prepare
      const data = Buffer.alloc(50_000 + Math.floor(random() * 50_000));
      for (let i = 0; i < data.length; i++) data[i] = random() < 0.02 ? 0x0a : Math.floor(random() * 256);
      // Act
      const { counts, events } = await parseBuffer(data);
      // Assess
      expectConsistent(counts, events);
      expect(counts.total).toBeGreaterThan(0);
    }
  });

  it('resolves on real lines with bytes flipped, cut or inserted, and still reads the untouched ones', async () => {
    const random = prng(2);
    const notNewline = () => {
      const b = Math.floor(random() * 255);
      return b >= 0x0a ? b + 1 : b;
    };
    for (let round = 0; round < 200; round++) {
      // Prepare
      const untouched = new Set<number>();
      const rows = REAL_LINES.map((line, index) => {
        if (random() < 0.5) {
          untouched.add(index);
          return line;
        }
        const at = Math.floor(random() * line.length);
        const mode = random();
        const char = String.fromCharCode(notNewline());
        if (mode < 0.33) return `${line.slice(0, at)}${char}${line.slice(at + 1)}`;
        if (mode < 0.66) return line.slice(0, at);
        return `${line.slice(0, at)}${char}${line.slice(at)}`;
      });
      // Act
      const { counts, events } = await parseBuffer(Buffer.from(lines(...rows), 'latin1'));
      // Assess
      expectConsistent(counts, events);
      expect(counts.total).toBe(REAL_LINES.length);
      if (untouched.has(0))
        expect(events).toContainEqual({ kind: 'job-received', time: expect.any(Number), jobId: 42 });
      if (untouched.has(7))
        expect(events).toContainEqual(expect.objectContaining({ kind: 'poll', source: 'access-log' }));
    }
  });

  it('counts a 10 MB line as one skipped line and reads the lines around it', async () => {
    // Prepare
    const huge = Buffer.alloc(10 * 1024 * 1024, 'a');
    const data = Buffer.concat([Buffer.from(`${REAL_LINES[0]}\n`), huge, Buffer.from(`\n${REAL_LINES[3]}\n`)]);
    // Act
    const { counts, events } = await parseBuffer(data);
    // Assess
    expect(counts).toMatchObject({ total: 3, skipped: 1, parsed: 2 });
    expect(events.map((e) => e.kind)).toEqual(['poll', 'job-received', 'job-finished']);
  });

  it('copes with invalid UTF-8 inside the lines that matter', async () => {
    // Prepare
    const bad = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]);
    const line = (name: Buffer) =>
      Buffer.concat([
        Buffer.from(journald('2025-10-20T09:00:00Z', '{"level":"info","msg":"Machine created","name":"runner-')),
        name,
        Buffer.from('","time":"2025-10-20T09:00:00Z"}\n'),
      ]);
    const data = Buffer.concat([line(bad), bad, Buffer.from('\n'), line(Buffer.from('ok'))]);
    // Act
    const { counts, events } = await parseBuffer(data);
    // Assess
    expectConsistent(counts, events);
    expect(events.map((e) => (e.kind === 'machine-created' ? e.machine : e.kind))).toEqual([
      'runner-\ufffd\ufffd\ufffd(\ufffd',
      'runner-ok',
    ]);
  });

  it('resolves on an empty file, a gzip of garbage, a truncated gzip and gzip with trailing garbage', async () => {
    // Prepare
    const random = prng(3);
    const garbage = Buffer.from(Array.from({ length: 100_000 }, () => Math.floor(random() * 256)));
    const log = gzipSync(lines(...REAL_LINES, ...REAL_LINES));
    const files: [string, Buffer][] = [
      ['empty.log', Buffer.alloc(0)],
      ['garbage.gz', gzipSync(garbage)],
      ['magic-only.gz', Buffer.from([0x1f, 0x8b])],
      ['header-only.gz', log.subarray(0, 10)],
      ['truncated.gz', log.subarray(0, Math.floor(log.length / 2))],
      ['trailing-garbage.gz', Buffer.concat([log, garbage.subarray(0, 100)])],
    ];
    for (const [name, data] of files) await writeFile(join(dir, name), data);
    const events: LogEvent[] = [];
    // Act
    const counts = await parseLogs(
      files.map(([name]) => join(dir, name)),
      (e) => events.push(e),
    );
    // Assess
    expectConsistent(counts, events);
    expect(counts.sources).toBe(files.length);
    expect(counts.readErrors).toBeGreaterThanOrEqual(3);
  });
});
