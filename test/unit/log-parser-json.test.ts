import { describe, expect, it } from '@jest/globals';
import { REDACTED } from '../../functions/shared/redact.js';
import { journald, lines, ms, ofKind, parseText, runnerJson } from './log-parser-support.js';

/**
 * gitlab-runner `log_format = "json"` lines as the log shipper stores them (journald short-iso prefix), with the
 * message strings and field sets of the formats reference for 11.10.1, 15.x, 17.x and 18.x.
 */
const RUNNER = 'Zx9KqT4m';
const MACHINE = 'runner-zx9kqt4m-ci-autoscale-1557825606-ace6ac84';
const REPO = 'https://gitlab.example.com/acme/webapp.git';

function at(iso: string, fields: Record<string, unknown>): string {
  return journald(iso, runnerJson({ ...fields, time: iso }));
}

describe('runner json, v11.10.1', () => {
  it('reads a debug-level poll cycle, a job on a new machine and the idle removal', async () => {
    // Prepare
    const text = lines(
      at('2019-05-14T09:20:03Z', { builds: 0, level: 'debug', msg: 'Feeding runners to channel' }),
      at('2019-05-14T09:20:03Z', {
        creating: 0,
        'fields.time': '2019-05-14T09:20:03.412345678Z',
        idle: 0,
        level: 'debug',
        maxMachines: 0,
        minIdleCount: 0,
        msg: 'Docker Machine Details',
        removing: 0,
        runner: RUNNER,
        total: 0,
        used: 0,
      }),
      at('2019-05-14T09:20:03Z', { level: 'debug', msg: 'Checking for jobs... nothing', runner: RUNNER }),
      at('2019-05-14T09:20:06Z', {
        job: '1001',
        level: 'info',
        msg: 'Checking for jobs... received',
        repo_url: REPO,
        runner: RUNNER,
      }),
      at('2019-05-14T09:21:44Z', {
        'fields.time': 98131227958,
        level: 'info',
        msg: 'Machine created',
        name: MACHINE,
        now: '2019-05-14T09:21:44.06421316Z',
        retries: 0,
      }),
      at('2019-05-14T09:21:45Z', {
        created: '2019-05-14T09:20:06.1Z',
        docker: 'tcp://10.0.2.15:2376',
        job: 1001,
        level: 'info',
        msg: 'Starting docker-machine build...',
        name: MACHINE,
        now: '2019-05-14T09:21:45.06Z',
        project: 42,
        runner: RUNNER,
        usedcount: 1,
      }),
      at('2019-05-14T09:22:44Z', {
        duration: 157940000000,
        job: 1001,
        level: 'info',
        msg: 'Job succeeded',
        project: 42,
        runner: RUNNER,
      }),
      at('2019-05-14T09:27:47Z', {
        created: 461000000000,
        level: 'warning',
        msg: 'Requesting machine removal',
        name: MACHINE,
        now: '2019-05-14T09:27:47.1Z',
        reason: 'Too many idle machines',
        used: 300100000000,
        usedCount: 1,
      }),
      at('2019-05-14T09:28:31Z', {
        created: 505000000000,
        level: 'info',
        msg: 'Machine removed',
        name: MACHINE,
        now: '2019-05-14T09:28:31.1Z',
        reason: 'Too many idle machines',
        retries: 0,
        used: 44000000000,
        usedCount: 1,
      }),
    );
    // Act
    const { events, counts } = await parseText(text);
    // Assess
    expect(events).toEqual([
      { kind: 'debug-level', time: ms('2019-05-14T09:20:03Z') },
      {
        kind: 'machine-details',
        time: ms('2019-05-14T09:20:03Z'),
        idle: 0,
        used: 0,
        creating: 0,
        removing: 0,
        total: 0,
      },
      { kind: 'poll', time: ms('2019-05-14T09:20:03Z'), result: 'empty', source: 'runner' },
      { kind: 'poll', time: ms('2019-05-14T09:20:06Z'), result: 'job', source: 'runner', jobId: 1001 },
      { kind: 'job-received', time: ms('2019-05-14T09:20:06Z'), jobId: 1001 },
      { kind: 'machine-created', time: ms('2019-05-14T09:21:44Z'), machine: MACHINE, creationSeconds: 98.131227958 },
      { kind: 'job-machine', time: ms('2019-05-14T09:21:45Z'), jobId: 1001, machine: MACHINE },
      {
        kind: 'job-finished',
        time: ms('2019-05-14T09:22:44Z'),
        jobId: 1001,
        status: 'success',
        durationSeconds: 157.94,
      },
      {
        kind: 'machine-removal-requested',
        time: ms('2019-05-14T09:27:47Z'),
        machine: MACHINE,
        reason: 'Too many idle machines',
      },
      { kind: 'machine-removed', time: ms('2019-05-14T09:28:31Z'), machine: MACHINE, reason: 'Too many idle machines' },
    ]);
    expect(counts).toMatchObject({ total: 9, parsed: 9, skipped: 0, duplicates: 0 });
  });

  it('reads a revoked token: forbidden polls, then the runner disables itself (the full token is not kept)', async () => {
    // Prepare
    const forbidden = (iso: string) =>
      at(iso, { level: 'error', msg: 'Checking for jobs... forbidden', runner: RUNNER });
    const text = lines(
      forbidden('2019-05-14T10:00:00Z'),
      forbidden('2019-05-14T10:00:03Z'),
      forbidden('2019-05-14T10:00:06Z'),
      at('2019-05-14T10:00:06Z', {
        level: 'error',
        msg: 'Runner https://gitlab.example.com/Zx9KqT4mWp2LrB7nVc3H is not healthy and will be disabled!',
      }),
    );
    // Act
    const { events } = await parseText(text);
    // Assess
    expect(events.map((e) => (e.kind === 'poll' ? e.result : e.kind))).toEqual([
      'forbidden',
      'forbidden',
      'forbidden',
      'runner-disabled',
    ]);
    expect(JSON.stringify(events)).not.toContain('Zx9KqT4mWp2LrB7nVc3H');
  });

  it('keeps the failure of a job and its Go-nanosecond duration', async () => {
    // Act
    const { events } = await parseText(
      at('2019-05-14T09:22:44Z', {
        duration: 2500000000,
        job: 1002,
        level: 'warning',
        msg: 'Job failed: exit code 1',
        project: 42,
        runner: RUNNER,
      }),
    );
    // Assess
    expect(events).toEqual([
      { kind: 'job-finished', time: ms('2019-05-14T09:22:44Z'), jobId: 1002, status: 'failed', durationSeconds: 2.5 },
    ]);
  });
});

describe('runner json, 15.x', () => {
  it('15.6-15.8 log `Checking for jobs...nothing` at info: a poll, but no proof of debug level', async () => {
    // Act
    const { events } = await parseText(
      at('2022-12-01T08:00:00Z', { level: 'info', msg: 'Checking for jobs...nothing', runner: RUNNER }),
    );
    // Assess
    expect(events).toEqual([{ kind: 'poll', time: ms('2022-12-01T08:00:00Z'), result: 'empty', source: 'runner' }]);
  });

  it('15.9-16.4 log the same message at debug: the level field says so', async () => {
    // Act
    const { events } = await parseText(
      at('2023-03-01T08:00:00Z', { level: 'debug', msg: 'Checking for jobs...nothing', runner: RUNNER }),
    );
    // Assess
    expect(ofKind(events, 'debug-level')).toHaveLength(1);
  });

  it('reads the 14.3+ `Job failed: …\\n` message and duration_s, and the 15.7 unhealthy line', async () => {
    // Prepare
    const text = lines(
      at('2022-12-01T08:05:00Z', {
        duration_s: 36.10778633,
        job: 5001,
        level: 'warning',
        msg: 'Job failed: exit code 1\n',
        project: 7,
        runner: 'glrt-Zx9K',
      }),
      at('2022-12-01T09:00:00Z', {
        level: 'error',
        msg: 'Runner "https://gitlab.example.com/glrt-Zx9KqT4mWp2LrB7nVc3H" is unhealthy and will be disabled for 1h0m0s seconds!',
        unhealthy_requests: 3,
        unhealthy_requests_limit: 3,
      }),
    );
    // Act
    const { events } = await parseText(text);
    // Assess
    expect(events).toEqual([
      {
        kind: 'job-finished',
        time: ms('2022-12-01T08:05:00Z'),
        jobId: 5001,
        status: 'failed',
        durationSeconds: 36.10778633,
      },
      { kind: 'runner-disabled', time: ms('2022-12-01T09:00:00Z') },
    ]);
  });
});

describe('runner json, 17.x', () => {
  it('reads no-content polls, the queue time of a job, a new machine and the lower-case idle reason', async () => {
    // Prepare
    const text = lines(
      at('2025-03-10T12:00:00Z', {
        level: 'debug',
        msg: 'Checking for jobs...no content',
        runner: 'Zx9KqT4mW',
        status: '204 No Content',
      }),
      at('2025-03-10T12:00:03Z', {
        job: 399659,
        level: 'info',
        msg: 'Checking for jobs... received',
        repo_url: REPO,
        runner: 'Zx9KqT4mW',
      }),
      at('2025-03-10T12:00:03Z', {
        builds: 1,
        job: 399659,
        level: 'info',
        max_builds: 4,
        msg: 'Added job to processing list',
        project: 4884,
        repo_url: REPO,
        time_in_queue_seconds: 7,
      }),
      at('2025-03-10T12:01:40Z', {
        duration: 96500000000,
        level: 'info',
        msg: 'Machine created',
        name: MACHINE,
        now: '2025-03-10T12:01:40.1Z',
        retries: 0,
      }),
      at('2025-03-10T12:01:40Z', {
        created: '2025-03-10T12:00:03.5Z',
        docker: 'tcp://10.0.2.15:2376',
        job: 399659,
        level: 'info',
        msg: 'Created docker-machine',
        name: MACHINE,
        now: '2025-03-10T12:01:40.2Z',
        project: 4884,
        runner: 'Zx9KqT4mW',
        usedcount: 1,
      }),
      at('2025-03-10T12:20:00Z', {
        level: 'warning',
        lifetime: 1197000000000,
        msg: 'Requesting machine removal',
        name: MACHINE,
        now: '2025-03-10T12:20:00.1Z',
        reason: 'too many idle machines',
        used: 600100000000,
        usedCount: 1,
      }),
      at('2025-03-10T12:00:09Z', {
        level: 'error',
        msg: 'Checking for jobs... forbidden',
        runner: 'Zx9KqT4mW',
        status: 'POST https://gitlab.example.com/api/v4/jobs/request: 403 Forbidden',
      }),
    );
    // Act
    const { events } = await parseText(text);
    // Assess
    expect(events).toEqual([
      { kind: 'debug-level', time: ms('2025-03-10T12:00:00Z') },
      { kind: 'poll', time: ms('2025-03-10T12:00:00Z'), result: 'empty', source: 'runner' },
      { kind: 'poll', time: ms('2025-03-10T12:00:03Z'), result: 'job', source: 'runner', jobId: 399659 },
      { kind: 'job-received', time: ms('2025-03-10T12:00:03Z'), jobId: 399659 },
      { kind: 'job-received', time: ms('2025-03-10T12:00:03Z'), jobId: 399659, queueSeconds: 7 },
      { kind: 'machine-created', time: ms('2025-03-10T12:01:40Z'), machine: MACHINE, creationSeconds: 96.5 },
      { kind: 'job-machine', time: ms('2025-03-10T12:01:40Z'), jobId: 399659, machine: MACHINE, newMachine: true },
      {
        kind: 'machine-removal-requested',
        time: ms('2025-03-10T12:20:00Z'),
        machine: MACHINE,
        reason: 'too many idle machines',
      },
      { kind: 'poll', time: ms('2025-03-10T12:00:09Z'), result: 'forbidden', source: 'runner' },
    ]);
  });
});

describe('runner json, 18.x', () => {
  it('reads RFC3339Nano times, `Using existing docker-machine`, the 18.6 job-end fields and an unavailable GitLab', async () => {
    // Prepare
    const base = { runner: 'Zx9KqT4mW', runner_name: 'bastion', correlation_id: '01JV3Z6G2Q8M4XKJ5T0B7N9C1D' };
    const text = lines(
      at('2025-10-20T09:02:11.412345678Z', {
        ...base,
        level: 'warning',
        msg: 'Checking for jobs... GitLab instance currently unavailable',
        status: 'POST https://gitlab.example.com/api/v4/jobs/request: 503 Service Unavailable',
      }),
      at('2025-10-20T09:02:14.5Z', {
        created: '2025-10-20T08:50:00Z',
        docker: 'tcp://10.0.2.15:2376',
        job: 880001,
        level: 'info',
        msg: 'Using existing docker-machine',
        name: MACHINE,
        project: 40,
        runner: 'Zx9KqT4mW',
        usedCount: 2,
      }),
      at('2025-10-20T09:05:00.25Z', {
        ...base,
        duration_s: 165.75,
        error: 'exit code 1',
        exit_code: 1,
        failure_reason: 'script_failure',
        job: 880001,
        'job-status': 'failed',
        level: 'warning',
        msg: 'Job failed: exit code 1',
        project: 40,
      }),
      at('2025-10-20T09:06:00.75Z', {
        ...base,
        duration_s: 30.5,
        job: 880002,
        'job-status': 'success',
        level: 'info',
        msg: 'Job succeeded',
        name: MACHINE,
        project: 40,
      }),
    );
    // Act
    const { events } = await parseText(text);
    // Assess
    expect(events).toEqual([
      { kind: 'poll', time: ms('2025-10-20T09:02:11.412Z'), result: 'unavailable', source: 'runner' },
      { kind: 'job-machine', time: ms('2025-10-20T09:02:14.5Z'), jobId: 880001, machine: MACHINE, newMachine: false },
      {
        kind: 'job-finished',
        time: ms('2025-10-20T09:05:00.25Z'),
        jobId: 880001,
        status: 'failed',
        durationSeconds: 165.75,
      },
      {
        kind: 'job-finished',
        time: ms('2025-10-20T09:06:00.75Z'),
        jobId: 880002,
        status: 'success',
        durationSeconds: 30.5,
      },
    ]);
  });

  it('reads `Docker Machine Details` counts every poll, also when they repeat or change (cached read)', async () => {
    // Prepare
    const details = (iso: string, idle: number, used: number, total: number) =>
      at(iso, {
        creating: 0,
        idle,
        idleCount: 0,
        idleCountMin: 0,
        idleScaleFactor: 0,
        level: 'debug',
        maxMachineCreate: 0,
        maxMachines: 10,
        msg: 'Docker Machine Details',
        removing: 0,
        runner: 'Zx9KqT4mW',
        total,
        used,
      });
    const text = lines(
      details('2025-10-20T09:00:00.1Z', 0, 1, 1),
      details('2025-10-20T09:00:03.2Z', 0, 1, 1),
      details('2025-10-20T09:00:06.3Z', 1, 0, 1),
      details('2025-10-20T09:00:09.4Z', 1, 0, 1),
    );
    // Act
    const { events } = await parseText(text);
    // Assess
    expect(ofKind(events, 'machine-details').map((e) => [e.time, e.idle, e.used, e.total])).toEqual([
      [ms('2025-10-20T09:00:00.1Z'), 0, 1, 1],
      [ms('2025-10-20T09:00:03.2Z'), 0, 1, 1],
      [ms('2025-10-20T09:00:06.3Z'), 1, 0, 1],
      [ms('2025-10-20T09:00:09.4Z'), 1, 0, 1],
    ]);
    expect(ofKind(events, 'debug-level')).toHaveLength(1);
  });
});

describe('the time span of the log', () => {
  it('spans every parsed line, also the ones that produce no event (a log that goes on after its last poll)', async () => {
    // Prepare
    const text = lines(
      '{"time":"2025-10-20T08:59:00.100Z","level":"info","msg":"2025-10-20 08:59:00,100 [INFO] Starting","source":"cfn-init"}',
      at('2025-10-20T09:00:00Z', { level: 'debug', msg: 'Checking for jobs...no content', runner: 'Zx9KqT4mW' }),
      at('2025-10-20T09:00:03Z', { builds: 0, level: 'debug', msg: 'Feeding runners to channel' }),
      at('2025-10-20T09:30:00Z', {
        job: 7,
        level: 'info',
        msg: 'Appending trace to coordinator...ok',
        runner: 'Zx9KqT4mW',
      }),
      'garbage that has no time',
    );
    // Act
    const { events, counts } = await parseText(text);
    // Assess
    expect(events.map((e) => e.time)).toEqual([ms('2025-10-20T09:00:00Z'), ms('2025-10-20T09:00:00Z')]);
    expect(counts).toMatchObject({ firstTime: ms('2025-10-20T08:59:00.100Z'), lastTime: ms('2025-10-20T09:30:00Z') });
  });
});

describe('log shipper lines', () => {
  it('reads metrics snapshots (docker+machine, docker-autoscaler, unreachable endpoint) and counts cfn-init lines', async () => {
    // Prepare
    const text = lines(
      '{"time":"2025-10-20T09:01:00.000123Z","level":"info","msg":"metrics snapshot","source":"log-shipper","request_job":{"201":3,"204":120,"403":0},"machines":{"idle":0,"used":1,"creating":0,"removing":0}}',
      '{"time":"2025-10-20T09:02:00.000123Z","level":"info","msg":"metrics snapshot","source":"log-shipper","request_job":{"201":3,"204":140,"403":0},"instances":{"running":2,"pending":0}}',
      '{"time":"2025-10-20T09:03:00.000123Z","level":"info","msg":"metrics snapshot","source":"log-shipper","error":"metrics endpoint unreachable"}',
      '{"time":"2025-10-20T08:59:00.100Z","level":"info","msg":"2025-10-20 08:59:00,100 [INFO] -----------------------Starting build-----------------------","source":"cfn-init"}',
    );
    // Act
    const { events, counts } = await parseText(text);
    // Assess
    expect(events).toEqual([
      {
        kind: 'snapshot',
        time: ms('2025-10-20T09:01:00.000Z'),
        requestJob: { '201': 3, '204': 120, '403': 0 },
        machines: { idle: 0, used: 1, creating: 0, removing: 0 },
      },
      {
        kind: 'snapshot',
        time: ms('2025-10-20T09:02:00.000Z'),
        requestJob: { '201': 3, '204': 140, '403': 0 },
        instances: { running: 2, pending: 0 },
      },
      { kind: 'snapshot', time: ms('2025-10-20T09:03:00.000Z'), error: 'metrics endpoint unreachable' },
    ]);
    expect(counts).toMatchObject({ total: 4, parsed: 4, skipped: 0 });
  });
});

describe('robustness and redaction', () => {
  it('skips broken JSON and unknown shapes, and counts every line once', async () => {
    // Prepare
    const text = lines(
      journald('2025-10-20T09:00:00Z', '{"level":"info","msg":"Checking for jobs... received","job":'),
      journald('2025-10-20T09:00:00Z', '{"level":"info","msg":"Checking for jobs... received","job":12,,}'),
      journald('2025-10-20T09:00:00Z', '[1,2,3]'),
      '{"no":"message"}',
      '',
      at('2025-10-20T09:00:01Z', { level: 'info', msg: 'Checking for jobs... received', job: 12 }),
    );
    // Act
    const { events, counts } = await parseText(text);
    // Assess
    expect(ofKind(events, 'job-received').map((e) => e.jobId)).toEqual([12]);
    expect(counts.total).toBe(6);
    expect(counts.total).toBe(counts.parsed + counts.skipped + counts.duplicates);
    expect(counts.skipped).toBeGreaterThanOrEqual(4);
  });

  it('redacts tokens in the strings it keeps (reasons, machine names, snapshot errors)', async () => {
    // Prepare
    const secret = 'S3cr3tRunnerToken99';
    const text = lines(
      at('2025-10-20T09:00:00Z', {
        level: 'info',
        msg: 'Machine removed',
        name: `runner-${secret}-ci-1-abc`,
        reason: 'machine is unavailable: token=glrt-AbCdEfGhIjKlMnOpQrSt',
      }),
      '{"time":"2025-10-20T09:01:00Z","level":"info","msg":"metrics snapshot","source":"log-shipper","error":"GET failed glpat-AbCdEfGhIjKlMnOpQrSt"}',
    );
    // Act
    const { events } = await parseText(text, { knownSecrets: [secret] });
    // Assess
    const stored = JSON.stringify(events);
    expect(stored).not.toMatch(/AbCdEfGhIjKlMnOpQrSt|S3cr3tRunnerToken99/);
    expect(stored).toContain(REDACTED);
    expect(events).toHaveLength(2);
  });
});
