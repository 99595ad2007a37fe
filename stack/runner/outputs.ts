import type { CfnOutput } from '../shared/cfn.js';
import { getAtt, join, ref, select } from '../shared/cfn.js';
import type { RunnerStackContext } from './context.js';

const IPV6_NOTE =
  'IPv6 is on: runner machines get IPv6 addresses and reach an IPv6 (AAAA) GitLab through the egress-only internet gateway, bypassing the NAT Elastic IP. Allow-list the runner subnet IPv6 CIDR';
const IPV6_NOTE_END = 'on port 443 of the GitLab server, or keep GitLab IPv4-only for the runners.';

function allowListNote(ctx: RunnerStackContext): CfnOutput {
  return {
    Description: 'Why the GitLab allow-list of the two Elastic IPs may not be enough with IPv6',
    Value: ctx.createNetwork
      ? join(' ', [IPV6_NOTE, select(0, getAtt('RunnerSubnet', 'Ipv6CidrBlocks')), IPV6_NOTE_END])
      : `${IPV6_NOTE} ${IPV6_NOTE_END}`,
  };
}

/** What operators and the orchestrator's steps read back from the stack. */
export function templateOutputs(ctx: RunnerStackContext): Record<string, CfnOutput> {
  const outputs: Record<string, CfnOutput> = {
    BastionPublicIp: { Description: "Runner manager's Elastic IP (allow-list it on GitLab)", Value: ref('BastionEIP') },
  };
  if (ctx.createNetwork) {
    outputs.NatPublicIp = {
      Description: "Runner machines' NAT Elastic IP (allow-list it on GitLab)",
      Value: ref('NatEIP'),
    };
  }
  Object.assign(outputs, {
    CacheBucketName: { Description: 'S3 cache bucket', Value: ref('CacheBucket') },
    LogBucketName: { Description: 'Bucket of the shipped manager logs and health reports', Value: ref('LogBucket') },
    VpcId: { Description: 'VPC of the runners', Value: ctx.vpcId },
    RunnerSubnetId: { Description: 'Private subnet of the runner machines', Value: ctx.runnerSubnetId },
    BastionInstanceId: { Description: 'Runner manager instance', Value: ref('BastionInstance') },
    RunnersSecurityGroupId: {
      Description: 'Security group of the runner machines',
      Value: getAtt('RunnersSecurityGroup', 'GroupId'),
    },
  } satisfies Record<string, CfnOutput>);
  if (ctx.autoscaler) {
    outputs.RunnerAutoScalingGroupName = {
      Description: 'Auto Scaling group of the runner machines (driven by the runner)',
      Value: ref('RunnerAutoScalingGroup'),
    };
  }
  if (ctx.ipv6) outputs.GitLabAllowListNote = allowListNote(ctx);
  return outputs;
}
