import type { CfnResource, CfnValue } from '../shared/cfn.js';
import { getAtt, ref } from '../shared/cfn.js';
import { type RunnerStackContext, resourceTags } from './context.js';
import { DOCKER_TLS_PORT, SSH_PORT } from './network-acl.js';

/** Outbound everything (IPv4, and IPv6 when on). */
export function egressAll(ipv6: boolean): CfnValue[] {
  return [
    { IpProtocol: '-1', CidrIp: '0.0.0.0/0', Description: 'All outbound IPv4' },
    ...(ipv6 ? [{ IpProtocol: '-1', CidrIpv6: '::/0', Description: 'All outbound IPv6' }] : []),
  ];
}

/** Trust policy of an EC2 instance role. */
export const ec2AssumeRolePolicy: CfnValue = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

function fromManager(port: number, what: string): CfnValue {
  return {
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    SourceSecurityGroupId: getAtt('BastionSecurityGroup', 'GroupId'),
    Description: `${what} from the runner manager`,
  };
}

/**
 * The runner machines' security group, role and instance profile.
 * Inbound 22 and 2376 from the manager's group only: docker-machine provisions over SSH, then talks Docker TLS;
 * if either rule were missing the driver would open that port to 0.0.0.0/0 itself. The explicit GroupName is what
 * docker-machine is given (amazonec2-security-group takes a name; VPC groups have no GroupName attribute).
 * The role has no policies: the manager hands out presigned cache URLs, the machines need no AWS API.
 */
export function runnerResources(ctx: RunnerStackContext): Record<string, CfnResource> {
  const { config } = ctx;
  return {
    RunnersSecurityGroup: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupName: ctx.runnersSecurityGroupName,
        GroupDescription: 'GitLab Runner machines: SSH and Docker TLS from the runner manager only',
        VpcId: ctx.vpcId,
        SecurityGroupIngress: [fromManager(SSH_PORT, 'SSH'), fromManager(DOCKER_TLS_PORT, 'Docker TLS')],
        SecurityGroupEgress: egressAll(ctx.ipv6),
        Tags: resourceTags(config, 'runners'),
      },
    },
    RunnerRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `Role of the GitLab Runner machines of ${config.stackName} (no permissions)`,
        AssumeRolePolicyDocument: ec2AssumeRolePolicy,
        Tags: resourceTags(config, 'runners'),
      },
    },
    RunnerInstanceProfile: {
      Type: 'AWS::IAM::InstanceProfile',
      Properties: { Roles: [ref('RunnerRole')] },
    },
  };
}
