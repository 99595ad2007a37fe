import { describe, expect, it } from '@jest/globals';
import { journald, lines, ms, ofKind, parseText } from './log-parser-support.js';

/**
 * Text logs: the default `runner` format (50-column message, ANSI colours, unquoted values with spaces) and logrus
 * `text`, behind the prefixes they are stored with (journald short-iso in both systemd styles, short-iso-precise,
 * plain syslog files, rsyslog `#033` escapes, docker timestamps). Lines built as the formats reference §1.2 says.
 */
const RESET = '\x1b[0;m';
const COLOUR: Record<string, string> = { debug: '\x1b[37;1m', info: '', warning: '\x1b[0;33m', error: '\x1b[31;1m' };
const PREFIX: Record<string, string> = { debug: '', info: '', warning: 'WARNING: ', error: 'ERROR: ' };
const MACHINE = 'runner-zx9kqt4m-ci-autoscale-1557825606-ace6ac84';

/** gitlab-runner's `runner` formatter: colour, level prefix, message padded to 50, two spaces, coloured keys. */
function runnerFormat(level: string, msg: string, fields: [string, string][] = [], ansi = true): string {
  const c = ansi ? (COLOUR[level] as string) : '';
  const r = ansi ? RESET : '';
  const prefix = PREFIX[level] as string;
  const keys = fields.map(([k, v]) => ` ${c}${k}${r}=${v}`).join('');
  return `${c}${prefix}${msg.padEnd(50 - prefix.length)}${r} ${keys}`;
}

describe('runner format', () => {
  it('reads a v11 job on a new machine with ANSI colours, values with spaces and sorted keys', async () => {
    // Prepare
    const text = lines(
      journald(
        '2019-05-14T09:20:06Z',
        runnerFormat('info', 'Checking for jobs... received', [
          ['job', '1001'],
          ['repo_url', 'https://gitlab.example.com/acme/webapp.git'],
          ['runner', 'Zx9KqT4m'],
        ]),
      ),
      journald(
        '2019-05-14T09:21:44Z',
        runnerFormat('info', 'Machine created', [
          ['name', MACHINE],
          ['now', '2019-05-14 09:21:44.06421316 +0000 UTC'],
          ['retries', '0'],
          ['time', '1m38.131227958s'],
        ]),
      ),
      journald(
        '2019-05-14T09:21:45Z',
        runnerFormat('info', 'Starting docker-machine build...', [
          ['created', '2019-05-14 09:20:06.1 +0000 UTC'],
          ['docker', 'tcp://10.0.2.15:2376'],
          ['job', '1001'],
          ['name', MACHINE],
          ['now', '2019-05-14 09:21:45.06 +0000 UTC'],
          ['project', '42'],
          ['runner', 'Zx9KqT4m'],
          ['usedcount', '1'],
        ]),
      ),
      journald(
        '2019-05-14T09:22:44Z',
        runnerFormat('warning', 'Job failed: exit code 1', [
          ['duration', '2m37.94s'],
          ['job', '1001'],
          ['project', '42'],
          ['runner', 'Zx9KqT4m'],
        ]),
      ),
      journald(
        '2019-05-14T09:27:47Z',
        runnerFormat('warning', 'Requesting machine removal', [
          ['created', '7m41s'],
          ['name', MACHINE],
          ['now', '2019-05-14 09:27:47.1 +0000 UTC'],
          ['reason', 'Too many idle machines'],
          ['used', '5m0.1s'],
          ['usedCount', '1'],
        ]),
      ),
    );
    // Act
    const { events, counts } = await parseText(text);
    // Assess
    expect(events).toEqual([
      { kind: 'poll', time: ms('2019-05-14T09:20:06Z'), result: 'job', source: 'runner', jobId: 1001 },
      { kind: 'job-received', time: ms('2019-05-14T09:20:06Z'), jobId: 1001 },
      { kind: 'machine-created', time: ms('2019-05-14T09:21:44Z'), machine: MACHINE, creationSeconds: 98.131227958 },
      { kind: 'job-machine', time: ms('2019-05-14T09:21:45Z'), jobId: 1001, machine: MACHINE },
      {
        kind: 'job-finished',
        time: ms('2019-05-14T09:22:44Z'),
        jobId: 1001,
        status: 'failed',
        durationSeconds: 157.94,
      },
      {
        kind: 'machine-removal-requested',
        time: ms('2019-05-14T09:27:47Z'),
        machine: MACHINE,
        reason: 'Too many idle machines',
      },
    ]);
    expect(counts).toMatchObject({ total: 5, parsed: 5, skipped: 0 });
  });

  it('reads debug lines as journalctl shows them (colours stripped): details counts and the debug level', async () => {
    // Prepare
    const text = lines(
      journald('2019-05-14T09:20:03Z', runnerFormat('debug', 'Feeding runners to channel', [['builds', '0']], false)),
      journald(
        '2019-05-14T09:20:03Z',
        runnerFormat(
          'debug',
          'Docker Machine Details',
          [
            ['creating', '0'],
            ['idle', '1'],
            ['maxMachines', '0'],
            ['minIdleCount', '0'],
            ['removing', '0'],
            ['runner', 'Zx9KqT4m'],
            ['time', '2019-05-14 09:20:03.1 +0000 UTC'],
            ['total', '1'],
            ['used', '0'],
          ],
          false,
        ),
      ),
      journald(
        '2019-05-14T09:20:03Z',
        runnerFormat('debug', 'Checking for jobs... nothing', [['runner', 'Zx9KqT4m']], false),
      ),
    );
    // Act
    const { events } = await parseText(text);
    // Assess
    expect(events).toEqual([
      { kind: 'debug-level', time: ms('2019-05-14T09:20:03Z') },
      {
        kind: 'machine-details',
        time: ms('2019-05-14T09:20:03Z'),
        idle: 1,
        used: 0,
        creating: 0,
        removing: 0,
        total: 1,
      },
      { kind: 'poll', time: ms('2019-05-14T09:20:03Z'), result: 'empty', source: 'runner' },
    ]);
  });

  it('knows the debug level from the bold-white colour when journalctl kept the escapes (-a)', async () => {
    // Act
    const { events } = await parseText(
      journald('2025-01-01T00:00:00Z', runnerFormat('debug', 'Acquiring job slot', [['runner', 'Zx9KqT4mW']])),
    );
    // Assess
    expect(events).toEqual([{ kind: 'debug-level', time: ms('2025-01-01T00:00:00Z') }]);
  });

  it('joins the v14.3-18.5 `Job failed: …\\n` line with the fields line that follows it', async () => {
    // Prepare: the message ends with a newline, so the padding and the fields land on the next journal entry
    const split = runnerFormat('warning', 'Job failed: exit code 1\n', [
      ['duration_s', '36.10778633'],
      ['job', '5001'],
      ['project', '7'],
      ['runner', 'Zx9KqT4mW'],
    ]).split('\n');
    const text = lines(
      journald('2024-02-01T10:00:00Z', split[0] as string),
      journald('2024-02-01T10:00:00Z', split[1] as string),
    );
    // Act
    const { events, counts } = await parseText(text);
    // Assess
    expect(split[1]).toMatch(/^ {17}/);
    expect(events).toEqual([
      {
        kind: 'job-finished',
        time: ms('2024-02-01T10:00:00Z'),
        jobId: 5001,
        status: 'failed',
        durationSeconds: 36.10778633,
      },
    ]);
    expect(counts).toMatchObject({ total: 2, parsed: 2 });
  });

  it('drops the syslog copy of every info line of a pre-13.7 install (same second, same text) but no real repeat', async () => {
    // Prepare: the syslog hook's copy first (trimmed by journald), then the stderr copy with its padding
    const received = (job: string) =>
      runnerFormat('info', 'Checking for jobs... received', [
        ['job', job],
        ['repo_url', 'https://gitlab.example.com/acme/webapp.git'],
        ['runner', 'Zx9KqT4m'],
      ]);
    const text = lines(
      journald('2019-05-14T09:20:06Z', received('1001').trim()),
      journald('2019-05-14T09:20:06Z', received('1001')),
      journald('2019-05-14T09:20:06Z', received('1002').trim()),
      journald('2019-05-14T09:20:06Z', received('1002')),
      journald('2019-05-14T09:20:09Z', received('1002')),
    );
    // Act
    const { events, counts } = await parseText(text);
    // Assess
    expect(ofKind(events, 'job-received').map((e) => [e.jobId, e.time])).toEqual([
      [1001, ms('2019-05-14T09:20:06Z')],
      [1002, ms('2019-05-14T09:20:06Z')],
      [1002, ms('2019-05-14T09:20:09Z')],
    ]);
    expect(counts).toMatchObject({ total: 5, parsed: 3, duplicates: 2 });
  });

  it('drops duplicated JSON lines of a pre-13.7 install too', async () => {
    // Prepare
    const json =
      '{"job":"1001","level":"info","msg":"Checking for jobs... received","runner":"Zx9KqT4m","time":"2019-05-14T09:20:06Z"}';
    // Act
    const { events, counts } = await parseText(
      lines(journald('2019-05-14T09:20:06Z', json), journald('2019-05-14T09:20:06Z', json)),
    );
    // Assess
    expect(ofKind(events, 'job-received')).toHaveLength(1);
    expect(counts.duplicates).toBe(1);
  });
});

describe('logrus text format', () => {
  it('reads quoted values, v11 `fields.time`, 18.6 nanosecond times and the escaped `\\n` of a failed job', async () => {
    // Prepare
    const text = lines(
      'time="2019-05-14T09:20:06Z" level=info msg="Checking for jobs... received" job=1001 repo_url="https://gitlab.example.com/acme/webapp.git" runner=Zx9KqT4m',
      `time="2019-05-14T09:21:44Z" level=info msg="Machine created" fields.time=1m38.131227958s name=${MACHINE} now="2019-05-14 09:21:44.06421316 +0000 UTC" retries=0`,
      'time="2024-02-01T10:00:00Z" level=warning msg="Job failed: exit code 1\\n" duration_s=36.1 job=5001 project=7 runner=Zx9KqT4mW',
      'time="2025-10-20T09:02:11.412345678Z" level=debug msg="Checking for jobs...no content" correlation_id=01JV3Z6G2Q8M4XKJ5T0B7N9C1D runner=Zx9KqT4mW status="204 No Content"',
    );
    // Act
    const { events, counts } = await parseText(text);
    // Assess
    expect(events).toEqual([
      { kind: 'poll', time: ms('2019-05-14T09:20:06Z'), result: 'job', source: 'runner', jobId: 1001 },
      { kind: 'job-received', time: ms('2019-05-14T09:20:06Z'), jobId: 1001 },
      { kind: 'machine-created', time: ms('2019-05-14T09:21:44Z'), machine: MACHINE, creationSeconds: 98.131227958 },
      { kind: 'job-finished', time: ms('2024-02-01T10:00:00Z'), jobId: 5001, status: 'failed', durationSeconds: 36.1 },
      { kind: 'debug-level', time: ms('2025-10-20T09:02:11.412Z') },
      { kind: 'poll', time: ms('2025-10-20T09:02:11.412Z'), result: 'empty', source: 'runner' },
    ]);
    expect(counts).toMatchObject({ total: 4, parsed: 4 });
  });
});

describe('prefixes', () => {
  const received = runnerFormat('info', 'Checking for jobs... received', [
    ['job', '7'],
    ['runner', 'Zx9KqT4m'],
  ]);

  it.each([
    ['systemd ≤ 254 short-iso', `2024-05-14T09:20:06+0000 host gitlab-runner[99]: ${received}`, '2024-05-14T09:20:06Z'],
    [
      'systemd ≥ 255 short-iso',
      `2024-05-14T11:20:06+02:00 host gitlab-runner[99]: ${received}`,
      '2024-05-14T09:20:06Z',
    ],
    [
      'short-iso-precise',
      `2024-05-14T09:20:06.250000+0000 host gitlab-runner[99]: ${received}`,
      '2024-05-14T09:20:06.25Z',
    ],
    ['plain syslog, year from the hint', `May 14 09:20:06 host gitlab-runner[99]: ${received}`, '2024-05-14T09:20:06Z'],
    ['syslog, one-digit day', `May  4 09:20:06 host gitlab-runner[99]: ${received}`, '2024-05-04T09:20:06Z'],
    [
      'rsyslog file with #033 escapes',
      `May 14 09:20:06 host gitlab-runner[99]: ${received.replaceAll('\x1b', '#033')}`,
      '2024-05-14T09:20:06Z',
    ],
    ['docker logs -t', `2024-05-14T09:20:06.5Z ${received}`, '2024-05-14T09:20:06.5Z'],
    [
      'old service name',
      `2017-08-17T16:16:16+0000 host gitlab-ci-multi-runner[7]: ${received}`,
      '2017-08-17T16:16:16Z',
    ],
  ])('reads the time of %s', async (_name, line, iso) => {
    // Act
    const { events } = await parseText(line, { year: 2024 });
    // Assess
    expect(ofKind(events, 'job-received')).toEqual([{ kind: 'job-received', time: ms(iso), jobId: 7 }]);
  });

  it('skips lines of other programs and unprefixed runner-format lines (they have no time)', async () => {
    // Prepare
    const text = lines(
      '2024-05-14T09:20:00+0000 host systemd[1]: Started GitLab Runner.',
      received,
      '-- Logs begin at Tue 2024-05-14 09:00:00 UTC. --',
    );
    // Act
    const { events, counts } = await parseText(text);
    // Assess
    expect(events).toEqual([]);
    expect(counts).toMatchObject({ total: 3, parsed: 0, skipped: 3 });
  });

  it('rolls the syslog year over from December to January', async () => {
    // Prepare
    const text = lines(
      `Dec 31 23:59:59 host gitlab-runner[9]: ${received}`,
      `Jan  1 00:00:02 host gitlab-runner[9]: ${received}`,
    );
    // Act
    const { events } = await parseText(text, { year: 2024 });
    // Assess
    expect(ofKind(events, 'job-received').map((e) => e.time)).toEqual([
      ms('2024-12-31T23:59:59Z'),
      ms('2025-01-01T00:00:02Z'),
    ]);
  });
});
