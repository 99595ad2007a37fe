import { z } from 'zod';

/**
 * The one runner config (DESIGN.md section 3). Parsed at every edge: CLI, step event, Lambda environment.
 * Defaults reproduce the field report's environment done right: docker+machine, IdleCount 0, IdleTime 300,
 * a new VPC with IPv4 + IPv6, the bastion in a public subnet and the runners in a private one.
 */

const cidr4 = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, 'must be an IPv4 CIDR such as 192.168.0.0/27')
  .refine(
    (v) =>
      v
        .split('/')[0]
        ?.split('.')
        .every((o) => Number(o) <= 255),
    'octets must be 0-255',
  );

const awsId = (prefix: string, example: string) =>
  z.string().regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), `must look like ${example}`);

const ssmParameterName = z
  .string()
  .regex(
    /^\/?[A-Za-z0-9_.\-/]{1,1011}$/,
    'must be an SSM parameter name such as /gitlab-runner/token (letters, digits, _ . - /)',
  );

const instanceType = z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, 'must be an EC2 instance type such as t3.micro');

/**
 * A pinned download: a release version and, optionally, the SHA-256 of the linux-amd64 binary.
 * gitlab-runner is always checked against the release's published `release.sha256`; a `sha256` set here must
 * match too. GitLab publishes no checksum for its docker-machine fork, so for it the pin here is the only check
 * (synth and render warn when it is missing).
 */
const pinnedBinary = (defaultVersion: string) =>
  z
    .strictObject({
      version: z
        .string()
        .regex(/^\d+\.\d+\.\d+[0-9A-Za-z.+-]*$/, 'must be a release version without "v", such as 18.6.2'),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'must be the 64-hex SHA-256 of the binary (curl -fsSL <url> | sha256sum)')
        .optional(),
    })
    .prefault({ version: defaultVersion });

/**
 * Cron periods of `[[runners.machine.autoscaling]]`: 7-field cron with seconds and year
 * (`"* * 9-17 * * mon-fri *"`). The dead `OffPeak*` keys are not accepted anywhere.
 */
const machineAutoscalingPeriod = z.strictObject({
  periods: z.array(z.string().refine((p) => p.trim().split(/\s+/).length === 7, 'needs 7 cron fields')).min(1),
  idleCount: z.number().int().min(0),
  idleTime: z.number().int().min(0),
  timezone: z.string().default('UTC'),
});

/** `[[runners.autoscaler.policy]]`: 5-field unix cron; idle_time is a Go duration string. */
const autoscalerPolicy = z.strictObject({
  periods: z
    .array(z.string().refine((p) => p.trim().split(/\s+/).length === 5, 'needs 5 cron fields'))
    .default(['* * * * *']),
  timezone: z.string().default('UTC'),
  idleCount: z.number().int().min(0),
  idleTimeSeconds: z.number().int().min(0),
  scaleFactor: z.number().min(0).default(0),
  scaleFactorLimit: z.number().int().min(0).default(0),
});

const spot = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** Max price in USD per hour; omitted = on-demand price cap. */
    maxPrice: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'must be a price such as "0.08"')
      .optional(),
  })
  .default({ enabled: false });

const dockerMachineExecutor = z.strictObject({
  type: z.literal('docker+machine'),
  instanceType: instanceType.default('t3.medium'),
  /** Runner machine AMI; empty = docker-machine's default Ubuntu AMI for the region. */
  imageId: awsId('ami', 'ami-0123456789abcdef0').optional(),
  rootSizeGiB: z.number().int().min(8).max(16384).default(16),
  spot,
  idleCount: z.number().int().min(0).default(0),
  idleTime: z.number().int().min(0).default(300),
  maxBuilds: z.number().int().min(0).default(10),
  /** Max machines (and so max parallel jobs) of this runner. */
  limit: z.number().int().min(1).default(10),
  autoscaling: z.array(machineAutoscalingPeriod).default([]),
  /** GitLab's maintained fork (gitlab-org/ci-cd/docker-machine); docker/machine 0.14 cannot start runners. */
  dockerMachine: pinnedBinary('0.16.2-gitlab.40'),
});

const dockerAutoscalerExecutor = z.strictObject({
  type: z.literal('docker-autoscaler'),
  instanceType: instanceType.default('t3.medium'),
  /** AMI with Docker installed and the SSH user in group docker (the autoscaler does not install Docker). */
  imageId: z
    .union([awsId('ami', 'ami-0123456789abcdef0'), ssmParameterName])
    .default('/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id'),
  rootSizeGiB: z.number().int().min(8).max(16384).default(16),
  spot,
  capacityPerInstance: z.number().int().min(1).default(1),
  maxUseCount: z.number().int().min(0).default(100),
  /** Upper bound of the Auto Scaling group; 0 is refused because the autoscaler reads 0 as unlimited. */
  maxInstances: z.number().int().min(1).default(10),
  idleCount: z.number().int().min(0).default(0),
  idleTime: z.number().int().min(0).default(300),
  policies: z.array(autoscalerPolicy).default([]),
  pluginVersion: z.string().default('1.0.0'),
});

const createNetwork = z.strictObject({
  mode: z.literal('create'),
  vpcCidr: cidr4.default('192.168.0.0/16'),
  bastionSubnetCidr: cidr4.default('192.168.0.0/27'),
  runnerSubnetCidr: cidr4.default('192.168.1.0/24'),
  ipv6: z.boolean().default(true),
  /** Index into the region's AZ list (Fn::GetAZs); both subnets live in one zone, as docker-machine needs. */
  availabilityZoneIndex: z.number().int().min(0).max(5).default(0),
});

const existingNetwork = z.strictObject({
  mode: z.literal('existing'),
  vpcId: awsId('vpc', 'vpc-0123456789abcdef0'),
  bastionSubnetId: awsId('subnet', 'subnet-0123456789abcdef0'),
  runnerSubnetId: awsId('subnet', 'subnet-0123456789abcdef0'),
  /** Zone of the runner subnet, e.g. eu-west-1a (docker-machine needs the letter). */
  availabilityZone: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, 'must be an AZ name such as eu-west-1a'),
  bastionSubnetCidr: cidr4,
  runnerSubnetCidr: cidr4,
  ipv6: z.boolean().default(false),
  /** Public IPv4 of the NAT in front of the runner subnet; needed for the GitLab allow-list. */
  natPublicIp: z
    .string()
    .regex(/^(\d{1,3}\.){3}\d{1,3}$/, 'must be an IPv4 address')
    .optional(),
});

export const runnerConfigSchema = z
  .strictObject({
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,100}$/, 'must start with a letter and hold only letters, digits and -'),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1'),
    /** Bucket that holds rendered templates (owned by the orchestrator stack; `npm run pipeline` creates it). */
    artifactBucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name (lowercase, 3-63 chars)'),
    gitlab: z.strictObject({
      url: z
        .url({ protocol: /^https?$/, message: 'must be the GitLab base URL such as https://gitlab.example.com' })
        .transform((u) => u.replace(/\/+$/, '')),
      /** SSM SecureString holding the runner *authentication* token (glrt-...), never the registration token. */
      tokenParameterName: ssmParameterName,
      /** GitLab server security group; when set, 443 is allowed from the bastion and NAT Elastic IPs. */
      securityGroupId: awsId('sg', 'sg-0123456789abcdef0').optional(),
      /** Runs POST /api/v4/runners/verify in resolve-token (off: it has side effects, see README). */
      verifyToken: z.boolean().default(false),
    }),
    network: z.discriminatedUnion('mode', [createNetwork, existingNetwork]).default({
      mode: 'create',
      vpcCidr: '192.168.0.0/16',
      bastionSubnetCidr: '192.168.0.0/27',
      runnerSubnetCidr: '192.168.1.0/24',
      ipv6: true,
      availabilityZoneIndex: 0,
    }),
    manager: z
      .strictObject({
        instanceType: instanceType.default('t3.micro'),
        /** AMI id or SSM public parameter; Amazon Linux 2023 by default (cfn-init, systemd, awscli). */
        imageId: z
          .union([awsId('ami', 'ami-0123456789abcdef0'), ssmParameterName])
          .default('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'),
        gitlabRunner: pinnedBinary('18.6.2'),
        concurrent: z.number().int().min(1).default(10),
        checkInterval: z.number().int().min(0).default(3),
        logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
        /** Opt-in SSH key pair for the manager; default is SSM Session Manager only. */
        keyPairName: z.string().min(1).optional(),
      })
      .prefault({}),
    executor: z.discriminatedUnion('type', [dockerMachineExecutor, dockerAutoscalerExecutor]).prefault({
      type: 'docker+machine',
    }),
    runner: z
      .strictObject({
        name: z.string().min(1).optional(),
        dockerImage: z.string().min(1).default('alpine:latest'),
        privileged: z.boolean().default(false),
      })
      .prefault({}),
    cache: z
      .strictObject({
        /** Days until cache objects expire; 0 keeps them forever. */
        expirationDays: z.number().int().min(0).default(30),
        shared: z.boolean().default(true),
      })
      .prefault({}),
    logs: z
      .strictObject({
        /** Days the manager's shipped logs and reports stay in the log bucket. */
        retentionDays: z.number().int().min(1).default(30),
      })
      .prefault({}),
    healthCheck: z
      .strictObject({
        /** Polling is stale when the last proof of a successful job request is older than this. */
        pollingStaleAfterSeconds: z.number().int().min(10).default(900),
        /** Added to IdleTime before an idle machine counts as a scale-to-zero violation. */
        idleGraceSeconds: z.number().int().min(0).default(180),
        /** How far back the scheduled check reads logs. */
        windowMinutes: z.number().int().min(5).max(1440).default(60),
        scheduleExpression: z.string().default('rate(15 minutes)'),
        /** Optional SNS topic that receives the unhealthy alarm. */
        alarmTopicArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:sns:/, 'must be an SNS topic ARN')
          .optional(),
      })
      .prefault({}),
    tags: z.record(z.string().regex(/^[\w .:/=+@-]{1,128}$/), z.string().max(256)).default({}),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.network.mode === 'create') {
      const { vpcCidr, bastionSubnetCidr, runnerSubnetCidr } = cfg.network;
      for (const [key, sub] of [
        ['bastionSubnetCidr', bastionSubnetCidr],
        ['runnerSubnetCidr', runnerSubnetCidr],
      ] as const) {
        if (!cidrContains(vpcCidr, sub)) {
          ctx.addIssue({
            code: 'custom',
            path: ['network', key],
            message: `${sub} is not inside the VPC CIDR ${vpcCidr}; pick a subnet CIDR inside it`,
          });
        }
      }
      if (cidrOverlaps(bastionSubnetCidr, runnerSubnetCidr)) {
        ctx.addIssue({
          code: 'custom',
          path: ['network', 'runnerSubnetCidr'],
          message: `overlaps bastionSubnetCidr ${bastionSubnetCidr}; the two subnets need disjoint ranges`,
        });
      }
    }
    if (
      cfg.executor.type === 'docker-autoscaler' &&
      cfg.executor.idleCount > 0 &&
      cfg.executor.capacityPerInstance > 1
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['executor', 'idleCount'],
        message: 'counts job slots, not machines; with capacityPerInstance > 1 set it to a multiple of it',
      });
    }
  });

export type RunnerConfig = z.output<typeof runnerConfigSchema>;
export type RunnerConfigInput = z.input<typeof runnerConfigSchema>;
export type NetworkConfig = RunnerConfig['network'];
export type ExecutorConfig = RunnerConfig['executor'];
export type DockerMachineExecutorConfig = Extract<ExecutorConfig, { type: 'docker+machine' }>;
export type DockerAutoscalerExecutorConfig = Extract<ExecutorConfig, { type: 'docker-autoscaler' }>;

function cidrRange(c: string): [number, number] {
  const [ip = '0.0.0.0', bits = '32'] = c.split('/');
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const start = n - (n % size);
  return [start, start + size - 1];
}

export function cidrContains(outer: string, inner: string): boolean {
  const [os, oe] = cidrRange(outer);
  const [is, ie] = cidrRange(inner);
  return is >= os && ie <= oe;
}

export function cidrOverlaps(a: string, b: string): boolean {
  const [as, ae] = cidrRange(a);
  const [bs, be] = cidrRange(b);
  return as <= be && bs <= ae;
}
