import type {
  DockerAutoscalerExecutorConfig,
  DockerMachineExecutorConfig,
  RunnerConfig,
} from '../../functions/shared/config/index.js';
import { ConfigError, OrchestratorError } from '../../functions/shared/errors.js';
import { TOKEN_PLACEHOLDER } from './contract.js';
import { METRICS_LISTEN_ADDRESS, PARENT_INSTANCE_ID_PLACEHOLDER } from './paths.js';
import {
  goDuration,
  tomlBoolean,
  tomlFloat,
  tomlInteger,
  tomlString,
  tomlStringArray,
  tomlStringArrayMultiline,
} from './toml.js';

/**
 * gitlab-runner's config.toml for one `[[runners]]` entry, docker+machine or docker-autoscaler
 * (anchors c1-c3). Pure: the deploy-time values are plain strings here — concrete names in tests, Fn::Sub
 * markers when init.ts embeds the result into the template. The token is never an input: the file carries
 * TOKEN_PLACEHOLDER, which the config writer on the instance replaces with the value read from SSM.
 */
export interface ConfigTomlValues {
  cacheBucketName: string;
  vpcId: string;
  runnerSubnetId: string;
  /** Zone letter of the runner subnet (`a`). */
  runnerZoneLetter: string;
  /** Security group *name* of the runner machines (docker-machine wants the name). */
  runnersSecurityGroupName: string;
  runnerInstanceProfileName: string;
  /** docker-autoscaler only. */
  autoscalingGroupName?: string;
}

export interface ConfigTomlInput {
  config: RunnerConfig;
  values: ConfigTomlValues;
}

/** Seconds gitlab-runner waits for a forceful shutdown (its default; bounds a restart after a token change). */
export const SHUTDOWN_TIMEOUT_SECONDS = 30;
/** Tag every docker-machine instance carries with the stack name (the orphan sweeper and IAM can key on it). */
export const MACHINE_STACK_TAG_KEY = 'gitlab-runner-orchestrator:stack';
/** Tag every docker-machine instance carries with the id of the manager that created it. */
export const MACHINE_PARENT_TAG_KEY = 'gitlab-runner-parent-id';
/** OCI reference of GitLab's AWS fleeting plugin (`gitlab-runner fleeting install` resolves it). */
export const FLEETING_AWS_PLUGIN = 'registry.gitlab.com/gitlab-org/fleeting/plugins/aws';
/** SSH user of the docker-autoscaler instances (Amazon Linux / ECS-optimized AMIs). */
export const AUTOSCALER_SSH_USER = 'ec2-user';

/**
 * docker-machine names a machine `runner-<short token, 9>-<MachineName with %s = <unix time>-<8 hex>>`; the name
 * becomes the hostname, so it must stay one RFC 1123 label (63 chars): 63 - 37 leaves 26 for our prefix.
 */
const MACHINE_PREFIX_MAX = 26;

/** The `<stack>` part of MachineName: lowercase letters, digits and single hyphens, at most 26 chars. */
export function machineNamePrefix(stackName: string): string {
  const cleaned = stackName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '');
  const prefix = cleaned.slice(0, MACHINE_PREFIX_MAX).replace(/-+$/, '');
  return prefix === '' ? 'runner' : prefix;
}

export function renderConfigToml({ config, values }: ConfigTomlInput): string {
  const executor = config.executor;
  const lines: string[] = [
    '# gitlab-runner config.toml rendered by gitlab-runner-orchestrator (stack/bastion/config-toml.ts).',
    '# Do not edit on the instance: cfn-init re-renders it on every stack update, and the token is',
    '# filled in from SSM Parameter Store by the config writer before gitlab-runner starts.',
    `concurrent = ${tomlInteger(config.manager.concurrent)}`,
    `check_interval = ${tomlInteger(config.manager.checkInterval)}`,
    `log_level = ${tomlString(config.manager.logLevel)}`,
    `log_format = ${tomlString('json')}`,
    `listen_address = ${tomlString(METRICS_LISTEN_ADDRESS)}`,
    `shutdown_timeout = ${tomlInteger(SHUTDOWN_TIMEOUT_SECONDS)}`,
    '',
    '[[runners]]',
    `  name = ${tomlString(config.runner.name ?? config.stackName)}`,
    `  url = ${tomlString(config.gitlab.url)}`,
    `  token = ${tomlString(TOKEN_PLACEHOLDER)}`,
    `  executor = ${tomlString(executor.type)}`,
    `  limit = ${tomlInteger(runnerLimit(executor))}`,
    ...dockerSection(config),
    ...cacheSection(config, values),
  ];
  if (executor.type === 'docker+machine') lines.push(...machineSection(config, executor, values));
  else lines.push(...autoscalerSection(executor, values));
  return `${lines.join('\n')}\n`;
}

function runnerLimit(executor: RunnerConfig['executor']): number {
  return executor.type === 'docker+machine' ? executor.limit : executor.maxInstances * executor.capacityPerInstance;
}

function dockerSection(config: RunnerConfig): string[] {
  return [
    '  [runners.docker]',
    `    image = ${tomlString(config.runner.dockerImage)}`,
    `    privileged = ${tomlBoolean(config.runner.privileged)}`,
    `    tls_verify = ${tomlBoolean(false)}`,
    `    volumes = ${tomlStringArray(['/cache'])}`,
    `    disable_cache = ${tomlBoolean(false)}`,
    `    shm_size = ${tomlInteger(0)}`,
  ];
}

/** `[runners.cache]` keys are PascalCase in gitlab-runner (unlike the autoscaler's). */
function cacheSection(config: RunnerConfig, values: ConfigTomlValues): string[] {
  return [
    '  [runners.cache]',
    `    Type = ${tomlString('s3')}`,
    `    Shared = ${tomlBoolean(config.cache.shared)}`,
    '    [runners.cache.s3]',
    `      ServerAddress = ${tomlString('s3.amazonaws.com')}`,
    `      AuthenticationType = ${tomlString('iam')}`,
    `      BucketName = ${tomlString(values.cacheBucketName)}`,
    `      BucketLocation = ${tomlString(config.region)}`,
  ];
}

function machineSection(
  config: RunnerConfig,
  executor: DockerMachineExecutorConfig,
  values: ConfigTomlValues,
): string[] {
  const lines = [
    '  [runners.machine]',
    `    IdleCount = ${tomlInteger(executor.idleCount)}`,
    `    IdleTime = ${tomlInteger(executor.idleTime)}`,
    `    MaxBuilds = ${tomlInteger(executor.maxBuilds)}`,
    `    MachineDriver = ${tomlString('amazonec2')}`,
    `    MachineName = ${tomlString(`${machineNamePrefix(config.stackName)}-%s`)}`,
    `    MachineOptions = ${tomlStringArrayMultiline(machineOptions(config, executor, values), '    ')}`,
  ];
  // Periods override the base IdleCount/IdleTime; the last matching one wins. Never the OffPeak* keys
  // (ignored since gitlab-runner 14.0).
  for (const period of executor.autoscaling) {
    lines.push(
      '    [[runners.machine.autoscaling]]',
      `      Periods = ${tomlStringArray(period.periods)}`,
      `      IdleCount = ${tomlInteger(period.idleCount)}`,
      `      IdleTime = ${tomlInteger(period.idleTime)}`,
      `      Timezone = ${tomlString(period.timezone)}`,
    );
  }
  return lines;
}

/** amazonec2 driver options. Subnet and zone are pinned, or the driver may pick the public bastion subnet. */
export function machineOptions(
  config: RunnerConfig,
  executor: DockerMachineExecutorConfig,
  values: ConfigTomlValues,
): string[] {
  const options = [
    `amazonec2-region=${config.region}`,
    `amazonec2-vpc-id=${values.vpcId}`,
    `amazonec2-subnet-id=${values.runnerSubnetId}`,
    `amazonec2-zone=${values.runnerZoneLetter}`,
    `amazonec2-security-group=${values.runnersSecurityGroupName}`,
    // The group has 22 and 2376 from the manager; without readonly the driver would open missing ports to 0.0.0.0/0.
    'amazonec2-security-group-readonly=true',
    'amazonec2-use-private-address=true',
    'amazonec2-private-address-only=true',
    `amazonec2-iam-instance-profile=${values.runnerInstanceProfileName}`,
    `amazonec2-instance-type=${executor.instanceType}`,
    `amazonec2-root-size=${executor.rootSizeGiB}`,
    'amazonec2-volume-type=gp3',
    'amazonec2-metadata-token=required',
    'amazonec2-metadata-token-response-hop-limit=2',
    `amazonec2-tags=${machineTags(config).join(',')}`,
  ];
  if (executor.spot.enabled) {
    options.push('amazonec2-request-spot-instance=true');
    // Without a price the driver applies its own default bid.
    if (executor.spot.maxPrice !== undefined) options.push(`amazonec2-spot-price=${executor.spot.maxPrice}`);
  }
  if (executor.imageId !== undefined) options.push(`amazonec2-ami=${executor.imageId}`);
  options.push('engine-storage-driver=overlay2');
  return options;
}

/** `amazonec2-tags` is one comma-separated `key,value,key,value` list, so no key or value may hold a comma. */
function machineTags(config: RunnerConfig): string[] {
  const tags: [string, string][] = [
    [MACHINE_PARENT_TAG_KEY, PARENT_INSTANCE_ID_PLACEHOLDER],
    [MACHINE_STACK_TAG_KEY, config.stackName],
    ...Object.keys(config.tags)
      .sort()
      .map((key): [string, string] => [key, config.tags[key] ?? '']),
  ];
  for (const [key, value] of tags) {
    if (key.includes(',') || value.includes(',')) {
      throw new ConfigError(
        `tags.${key}: "${value}" contains a comma, which docker-machine's amazonec2-tags list cannot carry.`,
        `Remove the comma from the tag ${key} in the config.`,
        [{ path: `tags.${key}`, message: 'must not contain a comma (docker-machine tags are a comma-separated list)' }],
      );
    }
  }
  return tags.flat();
}

/** `[runners.autoscaler]` and its sub-tables are snake_case: PascalCase keys there are silently ignored. */
function autoscalerSection(executor: DockerAutoscalerExecutorConfig, values: ConfigTomlValues): string[] {
  if (values.autoscalingGroupName === undefined) {
    throw new OrchestratorError(
      'BASTION_REFS_INVALID',
      'The docker-autoscaler config.toml needs the Auto Scaling group name, and none was passed.',
      'Pass refs.autoscalingGroupName (the ASG the fleeting plugin drives) to buildBastionBoot.',
    );
  }
  const lines = [
    '  [runners.autoscaler]',
    `    plugin = ${tomlString(`${FLEETING_AWS_PLUGIN}:${executor.pluginVersion}`)}`,
    `    capacity_per_instance = ${tomlInteger(executor.capacityPerInstance)}`,
    `    max_use_count = ${tomlInteger(executor.maxUseCount)}`,
    `    max_instances = ${tomlInteger(executor.maxInstances)}`,
    '    [runners.autoscaler.plugin_config]',
    `      name = ${tomlString(values.autoscalingGroupName)}`,
    '    [runners.autoscaler.connector_config]',
    `      username = ${tomlString(AUTOSCALER_SSH_USER)}`,
    `      use_external_addr = ${tomlBoolean(false)}`,
  ];
  // The base policy covers every minute; configured policies follow and win where their periods match.
  const policies = [
    {
      periods: ['* * * * *'],
      timezone: 'UTC',
      idleCount: executor.idleCount,
      idleTimeSeconds: executor.idleTime,
      scaleFactor: 0,
      scaleFactorLimit: 0,
    },
    ...executor.policies,
  ];
  for (const policy of policies) {
    lines.push(
      '    [[runners.autoscaler.policy]]',
      `      periods = ${tomlStringArray(policy.periods)}`,
      `      timezone = ${tomlString(policy.timezone)}`,
      `      idle_count = ${tomlInteger(policy.idleCount)}`,
      `      idle_time = ${tomlString(goDuration(policy.idleTimeSeconds))}`,
      `      scale_factor = ${tomlFloat(policy.scaleFactor)}`,
      `      scale_factor_limit = ${tomlInteger(policy.scaleFactorLimit)}`,
    );
  }
  return lines;
}
