import type { Profile } from './messages.js';
import type { JobDef, MachineDef, Scenario } from './scenario.js';

/**
 * The fixture days (issue 4, "Must hold"). Times are chosen on the 3 s poll grid: a job arrives on a poll, and an
 * idle machine is removal-requested on the first poll after IdleTime (300 s) since its last job.
 */
export const V11: Profile = { version: '11.10.1', major: 11, minor: 10, shortToken: 'Zx9KqT4m', revision: '1f513601' };
export const V16: Profile = { version: '16.4.1', major: 16, minor: 4, shortToken: 'Zx9KqT4mW', revision: 'd89a789a' };
export const V17: Profile = { version: '17.11.0', major: 17, minor: 11, shortToken: 'Zx9KqT4mW', revision: '0f67ff19' };
export const V18: Profile = { version: '18.9.1', major: 18, minor: 9, shortToken: 'Zx9KqT4mW', revision: '5a1c2d3e' };

const at = (iso: string) => Date.parse(iso);
const machineName = (p: Profile, createStart: number, hex: string) =>
  `runner-${p.shortToken.toLowerCase()}-ci-autoscale-${Math.floor(createStart / 1000)}-${hex}`;
const IDLE = 'too many idle machines';

function machine(
  p: Profile,
  hex: string,
  ip: string,
  createStart: string,
  createdAt: string,
  rest: Partial<MachineDef> = {},
): MachineDef {
  const start = at(createStart);
  return { name: machineName(p, start, hex), ip, createStart: start, createdAt: at(createdAt), reason: IDLE, ...rest };
}

function job(
  id: number,
  m: MachineDef,
  fresh: boolean,
  times: { received: string; ready: string; build: string; end: string },
  ok = true,
  queueSeconds = 2,
): JobDef {
  return {
    id,
    machine: m.name,
    fresh,
    receivedAt: at(times.received),
    readyAt: at(times.ready),
    buildAt: at(times.build),
    endAt: at(times.end),
    ok,
    queueSeconds,
  };
}

const JSON_JOURNALD = {
  format: 'json',
  nanoTime: false,
  ansi: false,
  duplicates: false,
  journaldStyle: '+0000',
} as const;

/** 30 minutes: two jobs on one machine created for the first, removed after IdleTime. */
export function smallDay(level: 'info' | 'debug', render: Scenario['render']): Scenario {
  const a = machine(V17, '3f9a1c2e', '192.168.1.23', '2025-10-20T09:05:01Z', '2025-10-20T09:05:43Z', {
    removalAt: at('2025-10-20T09:13:12Z'),
    removedAt: at('2025-10-20T09:13:52Z'),
  });
  const d = '2025-10-20T';
  return {
    profile: V17,
    start: at(`${d}09:00:00Z`),
    end: at(`${d}09:30:00Z`),
    level,
    snapshots: false,
    cfnInit: false,
    machines: [a],
    jobs: [
      job(
        2001,
        a,
        true,
        { received: `${d}09:05:00Z`, ready: `${d}09:05:44Z`, build: `${d}09:05:49Z`, end: `${d}09:06:41Z` },
        true,
        4,
      ),
      job(
        2002,
        a,
        false,
        { received: `${d}09:07:30Z`, ready: `${d}09:07:31Z`, build: `${d}09:07:33Z`, end: `${d}09:08:10Z` },
        false,
        1,
      ),
    ],
    render,
  };
}

export const SMALL_DAY_RENDERS = {
  json: JSON_JOURNALD,
  text: { format: 'text', nanoTime: false, ansi: false, duplicates: false, journaldStyle: '+0000' },
  'runner-ansi': { format: 'runner', nanoTime: false, ansi: true, duplicates: false, journaldStyle: '+00:00' },
} as const;

/** One hour at info level with snapshots and cfn-init lines: four jobs, three machines, all removed. */
export function normalDay(): Scenario {
  const d = '2025-10-20T';
  const a = machine(V17, 'ace6ac84', '192.168.1.21', `${d}09:05:13Z`, `${d}09:05:53Z`, {
    removalAt: at(`${d}09:15:03Z`),
    removedAt: at(`${d}09:15:43Z`),
  });
  const b = machine(V17, '1bb8514e', '192.168.1.22', `${d}09:06:01Z`, `${d}09:06:42Z`, {
    removalAt: at(`${d}09:13:06Z`),
    removedAt: at(`${d}09:13:46Z`),
  });
  const c = machine(V17, '76c02dbc', '192.168.1.24', `${d}09:40:01Z`, `${d}09:40:41Z`, {
    removalAt: at(`${d}09:46:33Z`),
    removedAt: at(`${d}09:47:13Z`),
  });
  return {
    profile: V17,
    start: at(`${d}09:00:00Z`),
    end: at(`${d}10:00:00Z`),
    level: 'info',
    snapshots: true,
    cfnInit: true,
    machines: [a, b, c],
    jobs: [
      job(
        1001,
        a,
        true,
        { received: `${d}09:05:12Z`, ready: `${d}09:05:54Z`, build: `${d}09:05:58Z`, end: `${d}09:07:10Z` },
        true,
        3,
      ),
      job(
        1002,
        b,
        true,
        { received: `${d}09:06:00Z`, ready: `${d}09:06:43Z`, build: `${d}09:06:47Z`, end: `${d}09:08:05Z` },
        true,
        2,
      ),
      job(
        1003,
        a,
        false,
        { received: `${d}09:09:30Z`, ready: `${d}09:09:31Z`, build: `${d}09:09:33Z`, end: `${d}09:10:02Z` },
        false,
        1,
      ),
      job(
        1004,
        c,
        true,
        { received: `${d}09:40:00Z`, ready: `${d}09:40:42Z`, build: `${d}09:40:46Z`, end: `${d}09:41:30Z` },
        true,
        5,
      ),
    ],
    render: JSON_JOURNALD,
  };
}

/** The token is revoked at 09:15 while a machine is idle: 3 x 403, disabled, and the idle machine leaks. */
export function revokedToken(): Scenario {
  const d = '2025-10-20T';
  const a = machine(V17, '5e0d7a91', '192.168.1.31', `${d}09:10:01Z`, `${d}09:10:41Z`);
  return {
    profile: V17,
    start: at(`${d}09:00:00Z`),
    end: at(`${d}10:00:00Z`),
    level: 'info',
    snapshots: true,
    cfnInit: false,
    revokedAt: at(`${d}09:15:00Z`),
    machines: [a],
    jobs: [
      job(1101, a, true, {
        received: `${d}09:10:00Z`,
        ready: `${d}09:10:42Z`,
        build: `${d}09:10:46Z`,
        end: `${d}09:12:00Z`,
      }),
    ],
    render: JSON_JOURNALD,
  };
}

/** The idle machine's `docker-machine rm` is denied by AWS: retried every 30 s, never removed. */
export function machineNeverRemoved(): Scenario {
  const d = '2025-10-20T';
  const a = machine(V17, '9c4e2b17', '192.168.1.41', `${d}09:05:01Z`, `${d}09:05:41Z`, {
    removalAt: at(`${d}09:12:03Z`),
    removalFails: true,
  });
  return {
    profile: V17,
    start: at(`${d}09:00:00Z`),
    end: at(`${d}10:00:00Z`),
    level: 'info',
    snapshots: true,
    cfnInit: false,
    machines: [a],
    jobs: [
      job(1201, a, true, {
        received: `${d}09:05:00Z`,
        ready: `${d}09:05:42Z`,
        build: `${d}09:05:46Z`,
        end: `${d}09:07:00Z`,
      }),
    ],
    render: JSON_JOURNALD,
  };
}

/** Snapshots whose request counters stop rising at 09:30 (GitLab hangs every job request). */
export function pollingStallsSnapshots(): Scenario {
  const d = '2025-10-20T';
  return {
    profile: V17,
    start: at(`${d}09:00:00Z`),
    end: at(`${d}10:00:00Z`),
    level: 'info',
    snapshots: true,
    cfnInit: false,
    pollsStopAt: at(`${d}09:30:09Z`),
    machines: [],
    jobs: [],
    render: JSON_JOURNALD,
  };
}

/** 16.4 at debug level, logrus text: `Checking for jobs...nothing` stops at 09:20, the feeder goes on. */
export function pollingStallsDebug(): Scenario {
  const d = '2025-10-20T';
  return {
    profile: V16,
    start: at(`${d}09:00:00Z`),
    end: at(`${d}09:45:00Z`),
    level: 'debug',
    snapshots: false,
    cfnInit: false,
    pollsStopAt: at(`${d}09:20:00Z`),
    machines: [],
    jobs: [],
    render: { format: 'text', nanoTime: false, ansi: false, duplicates: false, journaldStyle: '+0000' },
  };
}

/**
 * The field report's pipeline seen from an 11.10.1 manager (Amazon Linux 2, systemd 219, an old install with
 * `--syslog`: info lines twice), at debug level: jobs 76, 57 … 61, machines removed after IdleTime 300 s.
 */
export function fieldReportV11(): Scenario {
  const d = '2019-05-14T';
  const a = machine(V11, 'ace6ac84', '192.168.1.11', `${d}03:27:47Z`, `${d}03:28:55Z`, {
    removalAt: at(`${d}03:36:25Z`),
    removedAt: at(`${d}03:37:05Z`),
    reason: 'Too many idle machines',
  });
  const b = machine(V11, '2d5f9b30', '192.168.1.12', `${d}03:29:17Z`, `${d}03:30:28Z`, {
    removalAt: at(`${d}03:36:07Z`),
    removedAt: at(`${d}03:36:47Z`),
    reason: 'Too many idle machines',
  });
  const j = (id: number, m: MachineDef, fresh: boolean, received: string, build: string, end: string) =>
    job(id, m, fresh, {
      received: `${d}${received}Z`,
      ready: `${d}${build}Z`,
      build: `${d}${build}Z`,
      end: `${d}${end}Z`,
    });
  return {
    profile: V11,
    start: at(`${d}03:27:40Z`),
    end: at(`${d}03:38:00Z`),
    level: 'debug',
    snapshots: false,
    cfnInit: false,
    machines: [a, b],
    jobs: [
      j(76, a, true, '03:27:46', '03:28:58', '03:29:14'),
      j(57, a, false, '03:29:16', '03:29:17', '03:29:31'),
      j(58, b, true, '03:29:16', '03:30:31', '03:30:46'),
      j(59, a, false, '03:30:49', '03:30:50', '03:31:04'),
      j(60, b, false, '03:30:49', '03:30:50', '03:31:04'),
      j(61, a, false, '03:31:07', '03:31:08', '03:31:22'),
    ],
    render: { format: 'runner', nanoTime: false, ansi: false, duplicates: true, journaldStyle: '+0000' },
  };
}

/** 18.9.1: RFC3339Nano times, `job-status`, `runner_name`, `usedCount`, systemd 255 `+00:00` prefixes. */
export function v18Day(): Scenario {
  const d = '2025-11-03T';
  const a = machine(V18, 'b7e3d2c1', '192.168.1.51', `${d}14:05:01Z`, `${d}14:05:38Z`, {
    removalAt: at(`${d}14:13:42Z`),
    removedAt: at(`${d}14:14:20Z`),
  });
  return {
    profile: V18,
    start: at(`${d}14:00:00Z`),
    end: at(`${d}14:30:00Z`),
    level: 'info',
    snapshots: true,
    cfnInit: false,
    machines: [a],
    jobs: [
      job(
        3001,
        a,
        true,
        { received: `${d}14:05:00Z`, ready: `${d}14:05:39Z`, build: `${d}14:05:43Z`, end: `${d}14:06:50Z` },
        true,
        7,
      ),
      job(
        3002,
        a,
        false,
        { received: `${d}14:08:00Z`, ready: `${d}14:08:01Z`, build: `${d}14:08:03Z`, end: `${d}14:08:40Z` },
        false,
        1,
      ),
    ],
    render: { format: 'json', nanoTime: true, ansi: false, duplicates: false, journaldStyle: '+00:00' },
  };
}
