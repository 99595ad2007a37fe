// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { type CfnValue, ref, sub, tagList } from '../shared/cfn.js';

/** Tag key that marks every resource of a runner stack with the stack's name. */
export const STACK_TAG_KEY = 'gitlab-runner-orchestrator:stack';

/**
 * What every part of the runner-stack template needs to know: the variant (network mode, IPv6, executor) and the
 * CloudFormation expressions of the network, which differ between a created and an existing VPC.
 */
export interface RunnerStackContext {
  config: RunnerConfig;
  /** true: this stack creates the VPC, subnets, routes, ACLs and NAT; false: they are the user's (parameters). */
  createNetwork: boolean;
  ipv6: boolean;
  autoscaler: boolean;
  vpcId: CfnValue;
  bastionSubnetId: CfnValue;
  runnerSubnetId: CfnValue;
  /** docker-machine wants the group *name*; RunnersSecurityGroup gets this explicit GroupName. */
  runnersSecurityGroupName: CfnValue;
}

export function runnerStackContext(config: RunnerConfig): RunnerStackContext {
  const createNetwork = config.network.mode === 'create';
  return {
    config,
    createNetwork,
    ipv6: config.network.ipv6,
    autoscaler: config.executor.type === 'docker-autoscaler',
    vpcId: ref(createNetwork ? 'VPC' : 'VpcId'),
    bastionSubnetId: ref(createNetwork ? 'BastionSubnet' : 'BastionSubnetId'),
    runnerSubnetId: ref(createNetwork ? 'RunnerSubnet' : 'RunnerSubnetId'),
    runnersSecurityGroupName: sub('${AWS::StackName}-runners'),
  };
}

/** The tag map of one resource: config tags, then `Name` and the stack tag (ours win over config tags). */
export function tagMap(config: RunnerConfig, role: string): Record<string, CfnValue> {
  return {
    ...config.tags,
    Name: sub(`\${AWS::StackName}-${role}`),
    [STACK_TAG_KEY]: ref('AWS::StackName'),
  };
}

/** `Tags` of a taggable resource, sorted by key. */
export const resourceTags = (config: RunnerConfig, role: string) => tagList(tagMap(config, role));
