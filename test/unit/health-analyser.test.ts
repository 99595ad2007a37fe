import { describe, expect, it } from '@jest/globals';
import { createAnalyser } from '../../functions/health-check/analyser/index.js';
import type { HealthReport } from '../../functions/health-check/analyser/report-types.js';
import type { LogEvent } from '../../functions/health-check/log-events.js';

/** The analyser fed with hand-made events (the parser is tested on its own); times in seconds from T0. */
const T0 = Date.UTC(2025, 9, 20, 9, 0, 0);
const at = (s: number) => T0 + s * 1000;
const isoAt = (s: number) => new Date(at(s)).toISOString();
const SETTINGS = { idleTime: 300, idleCount: 0, idleGraceSeconds: 180, pollingStaleAfterSeconds: 900 };
const LINES = { total: 0, parsed: 0, skipped: 0, duplicates: 0 };

function report(events: LogEvent[], nowSeconds?: number, settings: Partial<typeof SETTINGS> = {}): HealthReport {
  const analyser = createAnalyser();
  for (const e of events) analyser.onEvent(e);
  return analyser.buildReport({
    ...SETTINGS,
    ...settings,
    lineCounts: LINES,
    ...(nowSeconds === undefined ? {} : { now: at(nowSeconds) }),
  });
}

const debugPolls = (from: number, to: number, every = 3): LogEvent[] => {
  const out: LogEvent[] = [{ kind: 'debug-level', time: at(from) }];
  for (let s = from; s <= to; s += every) out.push({ kind: 'poll', time: at(s), result: 'empty', source: 'runner' });
  return out;
};

const snapshot = (s: number, ok: number, forbidden = 0, machines?: Record<string, number>): LogEvent => ({
  kind: 'snapshot',
  time: at(s),
  requestJob: { '201': 0, '204': ok, '403': forbidden },
  ...(machines ? { machines } : {}),
});

/** One job on a new machine: created at s, job s+10..s+70, removed after idle `idle` seconds. */
const machineDay = (s: number, name: string, job: number, idle?: number): LogEvent[] => {
  const out: LogEvent[] = [
    { kind: 'job-received', time: at(s), jobId: job },
    { kind: 'machine-created', time: at(s + 8), machine: name, creationSeconds: 8 },
    { kind: 'job-machine', time: at(s + 10), jobId: job, machine: name, newMachine: true },
    { kind: 'job-finished', time: at(s + 70), jobId: job, status: 'success', durationSeconds: 70 },
  ];
  if (idle !== undefined) {
    out.push(
      { kind: 'machine-removal-requested', time: at(s + 70 + idle), machine: name, reason: 'too many idle machines' },
      { kind: 'machine-removed', time: at(s + 70 + idle + 40), machine: name, reason: 'too many idle machines' },
    );
  }
  return out;
};

describe('health analyser: polling', () => {
  it('is ok when debug polls are recent, and measures the interval', () => {
    // Act
    const r = report(debugPolls(0, 600));
    // Assess
    expect(r.polling.status).toBe('ok');
    expect(r.polling.intervalSeconds).toBe(3);
    expect(r.polling.lastSuccessfulPollAt).toBe(isoAt(600));
    expect(r.polling.visibleThrough).toEqual(['debug-lines', 'poll-lines']);
    expect(r.polling.gaps).toEqual([]);
  });

  it('is forbidden after 403s and the runner disabling itself, even when polls succeeded before', () => {
    // Prepare
    const events: LogEvent[] = [
      ...debugPolls(0, 60),
      ...[63, 66, 69].map((s): LogEvent => ({ kind: 'poll', time: at(s), result: 'forbidden', source: 'runner' })),
      { kind: 'runner-disabled', time: at(69) },
    ];
    // Act
    const r = report(events, 120);
    // Assess
    expect(r.polling.status).toBe('forbidden');
    expect(r.polling.forbiddenCount).toBe(3);
    expect(r.polling.disabledCount).toBe(1);
    expect(r.polling.lastForbiddenAt).toBe(isoAt(69));
    expect(r.verdict).toBe('unhealthy');
  });

  it('is ok again when successful polls follow the 403s (token replaced)', () => {
    const events: LogEvent[] = [
      { kind: 'poll', time: at(0), result: 'forbidden', source: 'runner' },
      ...debugPolls(10, 60),
    ];
    expect(report(events).polling.status).toBe('ok');
  });

  it('is forbidden when the snapshot 403 counter rises after the last 204', () => {
    const r = report([snapshot(0, 100), snapshot(60, 120), snapshot(120, 120, 3)]);
    expect(r.polling.status).toBe('forbidden');
    expect(r.polling.forbiddenCount).toBe(3);
  });

  it('is stale when snapshot counters stop rising for longer than the threshold, with the gap marked', () => {
    // Prepare: rising for 10 minutes, then flat for 20 minutes
    const events: LogEvent[] = [];
    for (let m = 0; m <= 30; m++) events.push(snapshot(m * 60, 100 + Math.min(m, 10) * 20));
    // Act
    const r = report(events);
    // Assess
    expect(r.polling.status).toBe('stale');
    expect(r.polling.lastSuccessfulPollAt).toBe(isoAt(600));
    expect(r.polling.gaps).toEqual([{ from: isoAt(600), to: isoAt(1800), seconds: 1200, ongoing: true }]);
    expect(r.verdict).toBe('unhealthy');
  });

  it('is stale when debug polls stop and the log goes on, and records a closed gap when they resume', () => {
    const stalled = report([...debugPolls(0, 300), { kind: 'machine-details', ...details(1500) }]);
    expect(stalled.polling.status).toBe('stale');
    const resumed = report([...debugPolls(0, 300), ...debugPolls(1500, 1530)]);
    expect(resumed.polling.status).toBe('ok');
    expect(resumed.polling.gaps).toEqual([{ from: isoAt(300), to: isoAt(1500), seconds: 1200, ongoing: false }]);
  });

  it('is unprovable at info level without snapshots, even when the log is quiet for hours', () => {
    // Prepare: a job received 2 h before now, nothing since
    const events: LogEvent[] = [{ kind: 'job-received', time: at(0), jobId: 1 }];
    // Act
    const r = report(events, 7200);
    // Assess
    expect(r.polling.status).toBe('unprovable');
    expect(r.polling.visibleThrough).toEqual([]);
    expect(r.polling.gaps).toEqual([]);
    expect(r.evidence.join(' ')).toMatch(/invisible/);
  });

  it('is ok at info level when a job was received within the threshold', () => {
    expect(report([{ kind: 'job-received', time: at(0), jobId: 1 }], 600).polling.status).toBe('ok');
  });

  it('needs two snapshots before their counters prove anything', () => {
    expect(report([snapshot(0, 100)], 3600).polling.status).toBe('unprovable');
  });

  it('does not call a short observation without any success stale', () => {
    const r = report([snapshot(0, 100), snapshot(60, 100)]);
    expect(r.polling.status).toBe('unprovable');
  });

  it('ignores a counter reset (runner restart) instead of reading it as a fall', () => {
    const r = report([snapshot(0, 5000), snapshot(60, 12)]);
    expect(r.polling.status).toBe('ok');
    expect(r.polling.lastSuccessfulPollAt).toBe(isoAt(60));
  });
});

function details(s: number, idle = 0, used = 0) {
  return { time: at(s), idle, used, creating: 0, removing: 0, total: idle + used };
}

describe('health analyser: scale-to-zero', () => {
  it('holds when every machine is removed after IdleTime, and says since when', () => {
    // Act
    const r = report([...debugPolls(0, 900), ...machineDay(0, 'runner-a', 11, 305)], 900);
    // Assess
    expect(r.scaleToZero.status).toBe('held');
    expect(r.scaleToZero.zeroSince).toBe(isoAt(415));
    expect(r.machines).toEqual([
      {
        name: 'runner-a',
        createdAt: isoAt(8),
        removalRequestedAt: isoAt(375),
        removedAt: isoAt(415),
        jobs: [11],
        idleSecondsBeforeRemoval: 305,
        removalReason: 'too many idle machines',
        creationSeconds: 8,
        state: 'removed',
      },
    ]);
    expect(r.jobs[0]).toMatchObject({ id: 11, status: 'success', machine: 'runner-a', provisioningWaitSeconds: 10 });
    expect(r.verdict).toBe('healthy');
  });

  it('is violated by a machine idle past IdleTime + grace and never removed', () => {
    const r = report([...debugPolls(0, 1200), ...machineDay(0, 'runner-b', 12)], 1200);
    expect(r.scaleToZero.status).toBe('violated');
    expect(r.scaleToZero.violations).toEqual([
      { machine: 'runner-b', idleSince: isoAt(70), idleSeconds: 1130, removalRequestedAt: null, seenIn: 'lines' },
    ]);
    expect(r.verdict).toBe('unhealthy');
    expect(r.reasons.join(' ')).toContain('runner-b');
  });

  it('is pending while the idle machine is inside its window', () => {
    const r = report([...debugPolls(0, 300), ...machineDay(0, 'runner-c', 13)], 300);
    expect(r.scaleToZero.status).toBe('pending');
    expect(r.verdict).toBe('healthy');
  });

  it('is pending while a job runs', () => {
    const r = report(
      [
        ...debugPolls(0, 3600),
        { kind: 'job-received', time: at(30), jobId: 5 },
        { kind: 'machine-created', time: at(40), machine: 'runner-h' },
        { kind: 'job-machine', time: at(41), jobId: 5, machine: 'runner-h' },
      ],
      3600,
    );
    expect(r.scaleToZero.status).toBe('pending');
    expect(r.jobs[0]?.status).toBe('running');
    expect(r.machines[0]?.jobs).toEqual([5]);
  });

  it('is unprovable without any machine data', () => {
    const r = report(debugPolls(0, 60));
    expect(r.scaleToZero.status).toBe('unprovable');
    expect(r.verdict).toBe('unprovable');
  });

  it('is violated by idle machines that only the snapshot counts show (created before the window)', () => {
    const events: LogEvent[] = [];
    for (let m = 0; m <= 20; m++) events.push(snapshot(m * 60, 100 + m * 20, 0, { idle: 1, used: 0, creating: 0 }));
    const r = report(events);
    expect(r.scaleToZero.status).toBe('violated');
    expect(r.scaleToZero.violations).toHaveLength(1);
    expect(r.scaleToZero.violations[0]).toMatchObject({ seenIn: 'counts', idleSeconds: 1200 });
    expect(r.idleMachineMinutes).toBe(20);
  });

  it('holds with counts at zero, zero since the first snapshot that showed it', () => {
    const events: LogEvent[] = [
      snapshot(0, 100, 0, { idle: 1, used: 0 }),
      snapshot(60, 120, 0, { idle: 0, used: 0 }),
      snapshot(120, 140, 0, { idle: 0, used: 0 }),
    ];
    const r = report(events);
    expect(r.scaleToZero.status).toBe('held');
    expect(r.scaleToZero.zeroSince).toBe(isoAt(60));
    expect(r.maxConcurrentMachines).toBe(1);
  });

  it('lets IdleCount machines stay idle', () => {
    const r = report([...debugPolls(0, 1200), ...machineDay(0, 'runner-d', 14)], 1200, { idleCount: 1 });
    expect(r.scaleToZero.status).toBe('held');
    expect(r.scaleToZero.zeroSince).toBeNull();
  });

  it('reports a removal that came too late, without calling the present a violation', () => {
    const r = report([...debugPolls(0, 3000), ...machineDay(0, 'runner-e', 15, 2000)], 3000);
    expect(r.scaleToZero.status).toBe('held');
    expect(r.scaleToZero.lateRemovals).toEqual([{ machine: 'runner-e', idleSeconds: 2000, removedAt: isoAt(2110) }]);
  });

  it('counts concurrent machines and idle machine-minutes from the named machines', () => {
    const r = report(
      [...debugPolls(0, 900), ...machineDay(0, 'runner-f', 21, 300), ...machineDay(30, 'runner-g', 22, 300)],
      900,
    );
    expect(r.maxConcurrentMachines).toBe(2);
    // each machine: ~2 s idle between creation and its job, 300 s idle before removal
    expect(r.idleMachineMinutes).toBeCloseTo(10.1, 1);
  });
});

describe('health analyser: jobs from an access log', () => {
  it('takes receive times from unclaimed 201s and gives each clone to the job whose trace moved last', () => {
    // Prepare: two jobs from one 201 pair; job 2 keeps patching its trace right before the clone
    const poll = (s: number, result: 'job' | 'empty'): LogEvent => ({
      kind: 'poll',
      time: at(s),
      result,
      source: 'access-log',
    });
    const act = (s: number, activity: 'trace' | 'update' | 'clone', jobId?: number): LogEvent => ({
      kind: 'job-activity',
      time: at(s),
      activity,
      ...(jobId === undefined ? {} : { jobId }),
    });
    const events: LogEvent[] = [
      poll(0, 'job'),
      poll(0, 'job'),
      act(3, 'trace', 1),
      act(3, 'trace', 2),
      act(6, 'trace', 2),
      act(6, 'clone'),
      act(9, 'trace', 2),
      act(15, 'trace', 2),
      act(15, 'update', 2),
      act(60, 'trace', 1),
      act(62, 'clone'),
      act(70, 'trace', 1),
      act(70, 'update', 1),
      poll(73, 'empty'),
    ];
    // Act
    const r = report(events);
    // Assess
    expect(r.jobs.map((j) => [j.id, j.provisioningWaitSeconds, j.status, j.finishedAt])).toEqual([
      [1, 62, 'unknown', isoAt(70)],
      [2, 6, 'unknown', isoAt(15)],
    ]);
    expect(r.jobs[0]?.receivedAt).toBe(isoAt(0));
  });
});

describe('health analyser: the per-minute lane', () => {
  it('counts a received job once, although the parser reports it as a poll and as job-received', () => {
    // Prepare: what the parser emits for `Checking for jobs... received` + `Added job to processing list`
    const events: LogEvent[] = [
      { kind: 'poll', time: at(10), result: 'job', source: 'runner', jobId: 7 },
      { kind: 'job-received', time: at(10), jobId: 7 },
      { kind: 'job-received', time: at(10), jobId: 7, queueSeconds: 3 },
      { kind: 'poll', time: at(13), result: 'empty', source: 'runner' },
    ];
    // Act
    const r = report(events);
    // Assess
    expect(r.polling.perMinute).toEqual([{ minute: isoAt(0), ok: 2, problem: 0, failed: 0 }]);
    expect(r.jobs).toHaveLength(1);
    expect(r.jobs[0]?.queueSeconds).toBe(3);
  });
});

describe('health analyser: reasons', () => {
  it('blames the metrics endpoint when every snapshot says it did not answer', () => {
    const events: LogEvent[] = [0, 60, 120].map((s) => ({
      kind: 'snapshot',
      time: at(s),
      error: 'metrics endpoint unreachable',
    }));
    const r = report(events, 1200);
    expect(r.polling.status).toBe('unprovable');
    expect(r.polling.snapshotErrors).toBe(3);
    expect(r.reasons[0]).toContain('listen_address');
  });

  it('mentions failed job requests when polling is stale', () => {
    const events: LogEvent[] = [
      ...debugPolls(0, 30),
      ...[60, 63, 66].map((s): LogEvent => ({ kind: 'poll', time: at(s), result: 'failed', source: 'runner' })),
    ];
    const r = report(events, 1800);
    expect(r.polling.status).toBe('stale');
    expect(r.reasons[0]).toContain('3 job request(s) failed');
  });
});
