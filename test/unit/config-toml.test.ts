import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'smol-toml';
import { parseRunnerConfig, type RunnerConfig } from '../../functions/shared/config/index.js';
import { ConfigError, OrchestratorError } from '../../functions/shared/errors.js';
import { machineNamePrefix, renderConfigToml } from '../../stack/bastion/config-toml.js';
import { TOKEN_PLACEHOLDER } from '../../stack/bastion/contract.js';
import { goDuration, tomlString } from '../../stack/bastion/toml.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed TOML is walked by key in assertions.
type Toml = any;

const loadConfig = (name: string): RunnerConfig =>
  parseRunnerConfig(JSON.parse(readFileSync(`test/fixtures/bastion/${name}.config.json`, 'utf8')));

const values = {
  cacheBucketName: 'fleet-cache-bucket',
  vpcId: 'vpc-0123456789abcdef0',
  runnerSubnetId: 'subnet-0aaaabbbbccccdddd',
  runnerZoneLetter: 'b',
  runnersSecurityGroupName: 'fleet-RunnersSecurityGroup-1ABC',
  runnerInstanceProfileName: 'fleet-RunnerInstanceProfile-XYZ',
  autoscalingGroupName: 'fleet-asg-RunnersGroup-123',
};

/** Compares with the golden file; UPDATE_GOLDEN=1 rewrites it instead. */
function expectGolden(actual: string, file: string): void {
  const path = `test/golden/${file}`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('config.toml for docker+machine', () => {
  const config = loadConfig('docker-machine');
  const text = renderConfigToml({ config, values });
  const toml: Toml = parse(text);
  const runner = toml.runners[0];
  const options: string[] = runner.machine.MachineOptions;

  it('matches the golden file', () => {
    expectGolden(text, 'config-docker-machine.toml');
  });

  it('sets the globals the health check relies on', () => {
    expect(toml).toMatchObject({
      concurrent: 8,
      check_interval: 3,
      log_level: 'debug',
      log_format: 'json',
      listen_address: '127.0.0.1:9252',
      shutdown_timeout: 30,
    });
  });

  it('carries the token placeholder, never a token', () => {
    expect(runner.token).toBe(TOKEN_PLACEHOLDER);
    expect(text).not.toMatch(/glrt-|GR1348941/);
  });

  it('pins the runner subnet and zone, private addresses only, IMDSv2 with hop limit 2', () => {
    expect(options).toEqual(
      expect.arrayContaining([
        'amazonec2-subnet-id=subnet-0aaaabbbbccccdddd',
        'amazonec2-zone=b',
        'amazonec2-vpc-id=vpc-0123456789abcdef0',
        'amazonec2-security-group=fleet-RunnersSecurityGroup-1ABC',
        'amazonec2-security-group-readonly=true',
        'amazonec2-private-address-only=true',
        'amazonec2-use-private-address=true',
        'amazonec2-metadata-token=required',
        'amazonec2-metadata-token-response-hop-limit=2',
        'amazonec2-volume-type=gp3',
        'amazonec2-request-spot-instance=true',
        'amazonec2-spot-price=0.08',
        'amazonec2-ami=ami-0123456789abcdef0',
        'engine-storage-driver=overlay2',
      ]),
    );
  });

  it('tags machines with the parent id placeholder, the stack and the config tags', () => {
    const tags = options.find((o) => o.startsWith('amazonec2-tags='));
    expect(tags?.split('=')[1]?.split(',')).toEqual([
      'gitlab-runner-parent-id',
      '__PARENT_INSTANCE_ID__',
      'gitlab-runner-orchestrator:stack',
      'Fleet-Docker-Machine-Production-Eu',
      'cost-center',
      'ci',
      'team',
      'platform',
    ]);
  });

  it('uses autoscaling periods and never an OffPeak key', () => {
    expect(runner.machine).toMatchObject({ IdleCount: 0, IdleTime: 300, MaxBuilds: 20, MachineDriver: 'amazonec2' });
    expect(runner.machine.autoscaling).toEqual([
      { Periods: ['* * 9-17 * * mon-fri *'], IdleCount: 1, IdleTime: 900, Timezone: 'Europe/Berlin' },
      { Periods: ['* * * * * sat,sun *'], IdleCount: 0, IdleTime: 60, Timezone: 'UTC' },
    ]);
    expect(text).not.toMatch(/OffPeak/i);
  });

  it('names machines <stack>-%s in lowercase, short enough for one DNS label', () => {
    expect(runner.machine.MachineName).toBe('fleet-docker-machine-produ-%s');
    // runner-<9>-<prefix>-<10 digits>-<8 hex> must fit 63 characters.
    const longest = `runner-abcdefghi-${runner.machine.MachineName.replace('%s', '1700000000-deadbeef')}`;
    expect(longest.length).toBeLessThanOrEqual(63);
    expect(longest).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
  });

  it('configures docker and the S3 cache with the instance role', () => {
    expect(runner.docker).toEqual({
      image: 'docker.io/library/alpine:3.20',
      privileged: true,
      tls_verify: false,
      volumes: ['/cache'],
      disable_cache: false,
      shm_size: 0,
    });
    expect(runner.cache).toEqual({
      Type: 's3',
      Shared: false,
      s3: {
        ServerAddress: 's3.amazonaws.com',
        AuthenticationType: 'iam',
        BucketName: 'fleet-cache-bucket',
        BucketLocation: 'eu-west-1',
      },
    });
    expect(runner).toMatchObject({ url: 'https://gitlab.example.com', executor: 'docker+machine', limit: 6 });
  });

  it('escapes quotes and backslashes in strings', () => {
    expect(runner.name).toBe('build "fleet" \\ eu');
  });
});

describe('config.toml for docker-autoscaler', () => {
  const config = loadConfig('docker-autoscaler');
  const text = renderConfigToml({ config, values });
  const toml: Toml = parse(text);
  const runner = toml.runners[0];

  it('matches the golden file', () => {
    expectGolden(text, 'config-docker-autoscaler.toml');
  });

  it('drives the ASG through the pinned AWS fleeting plugin', () => {
    expect(runner.executor).toBe('docker-autoscaler');
    expect(runner.limit).toBe(10);
    expect(runner.autoscaler).toMatchObject({
      plugin: 'registry.gitlab.com/gitlab-org/fleeting/plugins/aws:1.0.0',
      capacity_per_instance: 2,
      max_use_count: 50,
      max_instances: 5,
      plugin_config: { name: 'fleet-asg-RunnersGroup-123' },
      connector_config: { username: 'ec2-user', use_external_addr: false },
    });
    expect(runner.machine).toBeUndefined();
  });

  it('writes a base policy then the configured ones, all keys snake_case, idle_time as a Go duration', () => {
    expect(runner.autoscaler.policy).toEqual([
      {
        periods: ['* * * * *'],
        timezone: 'UTC',
        idle_count: 0,
        idle_time: '10m0s',
        scale_factor: 0,
        scale_factor_limit: 0,
      },
      {
        periods: ['* 7-19 * * mon-fri'],
        timezone: 'America/Chicago',
        idle_count: 2,
        idle_time: '30m0s',
        scale_factor: 0.5,
        scale_factor_limit: 4,
      },
    ]);
    for (const key of collectKeys(runner.autoscaler)) expect(key).toMatch(/^[a-z0-9_]+$/);
    expect(text).not.toMatch(/OffPeak|IdleCount|IdleTime|ScaleFactor/);
  });

  it('refuses to render without the Auto Scaling group name', () => {
    const { autoscalingGroupName: _omitted, ...withoutAsg } = values;
    expect(() => renderConfigToml({ config, values: withoutAsg })).toThrow(OrchestratorError);
  });
});

describe('config.toml edge cases', () => {
  it('refuses a tag that holds a comma (amazonec2-tags is a comma-separated list)', () => {
    // Prepare
    const config = { ...loadConfig('docker-machine'), tags: { owner: 'a,b' } };
    // Act / Assess
    expect(() => renderConfigToml({ config, values })).toThrow(ConfigError);
  });

  it('omits spot price and AMI when not set', () => {
    // Prepare
    const base = loadConfig('docker-machine');
    if (base.executor.type !== 'docker+machine') throw new Error('fixture changed');
    const config = {
      ...base,
      executor: { ...base.executor, spot: { enabled: true }, imageId: undefined },
    };
    // Act
    const options: string[] = (parse(renderConfigToml({ config, values })) as Toml).runners[0].machine.MachineOptions;
    // Assess
    expect(options).toContain('amazonec2-request-spot-instance=true');
    expect(options.some((o) => o.startsWith('amazonec2-spot-price') || o.startsWith('amazonec2-ami'))).toBe(false);
  });

  it.each([
    ['control characters and DEL', 'a\u0001b\u007fc\nd\te'],
    ['unicode', 'läuft ✓ 🚀'],
    ['TOML syntax', '"]\n[[runners]]\ntoken = "x'],
  ])('round-trips a string with %s', (_label, value) => {
    expect((parse(`v = ${tomlString(value)}`) as Toml).v).toBe(value);
  });

  it.each([
    [0, '0s'],
    [45, '45s'],
    [300, '5m0s'],
    [90, '1m30s'],
    [3600, '1h0m0s'],
    [5400, '1h30m0s'],
  ])('formats %i seconds as the Go duration %s', (seconds, expected) => {
    expect(goDuration(seconds)).toBe(expected);
  });

  it.each([
    ['gitlab-runner-fleet', 'gitlab-runner-fleet'],
    ['A--B', 'a-b'],
    ['abcdefghijklmnopqrstuvwxy-zzz', 'abcdefghijklmnopqrstuvwxy'],
  ])('derives the machine name prefix of %s', (stack, expected) => {
    expect(machineNamePrefix(stack)).toBe(expected);
  });
});

function collectKeys(value: Toml): string[] {
  if (Array.isArray(value)) return value.flatMap(collectKeys);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [k, ...collectKeys(v)]);
  }
  return [];
}
