import type { RunnerConfig } from '../../functions/shared/config/index.js';
import type { BastionBootRefs, BuildBastionBoot } from '../bastion/contract.js';
import type { CfnTemplate, CfnValue } from '../shared/cfn.js';
import { getAtt, ref, select } from '../shared/cfn.js';
import { allowListResources } from './allow-list.js';
import { autoscalerResources } from './autoscaler.js';
import { BASTION_INSTANCE_ID, bastionResources } from './bastion.js';
import { type RunnerStackContext, runnerStackContext } from './context.js';
import { managerIamResources } from './iam.js';
import { networkResources } from './network.js';
import { templateOutputs } from './outputs.js';
import { templateConditions, templateParameters } from './parameters.js';
import { runnerResources } from './runners.js';
import { storageResources } from './storage.js';

/**
 * Zone letter of the runner subnet for `amazonec2-zone`: cut from the created subnet's AZ by the region name, or
 * the last letter of the configured AZ of an existing subnet.
 */
function runnerZoneLetter(ctx: RunnerStackContext): CfnValue {
  const network = ctx.config.network;
  if (network.mode === 'existing') return network.availabilityZone.slice(-1);
  return select(1, { 'Fn::Split': [ctx.config.region, getAtt('RunnerSubnet', 'AvailabilityZone')] });
}

/** The deploy-time values stack/bastion renders into the manager's Metadata (never the token itself). */
export function bastionBootRefs(ctx: RunnerStackContext): BastionBootRefs {
  return {
    instanceLogicalId: BASTION_INSTANCE_ID,
    cacheBucketName: ref('CacheBucket'),
    logBucketName: ref('LogBucket'),
    vpcId: ctx.vpcId,
    runnerSubnetId: ctx.runnerSubnetId,
    runnerZoneLetter: runnerZoneLetter(ctx),
    runnersSecurityGroupName: ctx.runnersSecurityGroupName,
    runnerInstanceProfileName: ref('RunnerInstanceProfile'),
    ...(ctx.autoscaler ? { autoscalingGroupName: ref('RunnerAutoScalingGroup') } : {}),
    tokenParameterVersion: ref('TokenParameterVersion'),
  };
}

function describe(config: RunnerConfig): string {
  const network = config.network.mode === 'create' ? 'new VPC' : 'existing VPC';
  const ip = config.network.ipv6 ? 'IPv4+IPv6' : 'IPv4';
  return `GitLab Runner fleet ${config.stackName}: ${config.executor.type} executor, ${network}, ${ip} (rendered by gitlab-runner-orchestrator)`;
}

/**
 * The runner-stack template for one config, with the manager's boot (Metadata, UserData, CreationPolicy) from the
 * given builder. Same config and builder, byte-identical JSON: the pipeline stores templates by content hash.
 */
export function composeRunnerTemplate(config: RunnerConfig, buildBastionBoot: BuildBastionBoot): CfnTemplate {
  const ctx = runnerStackContext(config);
  const boot = buildBastionBoot(config, bastionBootRefs(ctx));
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: describe(config),
    Parameters: templateParameters(config),
    Conditions: templateConditions(),
    Resources: {
      ...storageResources(ctx),
      ...networkResources(ctx),
      ...allowListResources(ctx),
      ...bastionResources(ctx, boot),
      ...managerIamResources(ctx),
      ...runnerResources(ctx),
      ...autoscalerResources(ctx),
    },
    Outputs: templateOutputs(ctx),
  };
}
