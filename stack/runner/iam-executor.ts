// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import { MACHINE_STACK_TAG_KEY } from '../bastion/index.js';
import type { CfnValue } from '../shared/cfn.js';
import { getAtt, ref, sub } from '../shared/cfn.js';
import type { RunnerStackContext } from './context.js';

/** `arn:<partition>:ec2:<region>:<account>:<resource>` of this stack's region and account. */
const ec2Arn = (resource: string): CfnValue =>
  sub(`arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:${resource}`);

const inThisRegion = { StringEquals: { 'aws:RequestedRegion': ref('AWS::Region') } };
const runnerProfile = { ArnEquals: { 'ec2:InstanceProfile': getAtt('RunnerInstanceProfile', 'Arn') } };

/**
 * docker-machine's amazonec2 driver (GitLab fork). Every resource is pinned to this region and account; launches
 * only in RunnerSubnet with RunnersSecurityGroup, the configured instance type and the runner instance profile;
 * tags only when the call labels the resource with this stack; lifecycle actions only on instances that carry the
 * runner profile (set at launch, unlike tags, which the driver writes afterwards and CreateTags could forge).
 */
export function dockerMachineStatements(ctx: RunnerStackContext): CfnValue[] {
  const executor = ctx.config.executor;
  if (executor.type !== 'docker+machine') throw new Error('dockerMachineStatements needs a docker+machine executor');
  const spot = executor.spot.enabled;
  const launch = spot ? ['ec2:RunInstances', 'ec2:RequestSpotInstances'] : ['ec2:RunInstances'];
  const image = sub(`arn:\${AWS::Partition}:ec2:\${AWS::Region}::image/${executor.imageId ?? '*'}`);
  const runnerSubnetArn = ec2Arn(`subnet/\${${ctx.createNetwork ? 'RunnerSubnet' : 'RunnerSubnetId'}}`);
  const statements: CfnValue[] = [
    {
      Sid: 'Describe',
      Effect: 'Allow',
      Action: [
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'ec2:DescribeInstanceStatus',
        'ec2:DescribeKeyPairs',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSpotInstanceRequests',
        'ec2:DescribeSubnets',
        'ec2:DescribeVpcs',
      ],
      Resource: '*',
      Condition: inThisRegion,
    },
    {
      Sid: 'LaunchRunnerMachines',
      Effect: 'Allow',
      Action: launch,
      Resource: ec2Arn('instance/*'),
      Condition: { StringEquals: { 'ec2:InstanceType': executor.instanceType }, ...runnerProfile },
    },
    {
      Sid: 'LaunchIntoRunnerSubnet',
      Effect: 'Allow',
      Action: launch,
      Resource: [
        runnerSubnetArn,
        ec2Arn('security-group/${RunnersSecurityGroup.GroupId}'),
        image,
        ec2Arn('volume/*'),
        ec2Arn('key-pair/*'),
        ...(spot ? [ec2Arn('spot-instances-request/*')] : []),
      ],
    },
    {
      Sid: 'LaunchNetworkInterfacesInRunnerSubnet',
      Effect: 'Allow',
      Action: launch,
      Resource: ec2Arn('network-interface/*'),
      Condition: { ArnEquals: { 'ec2:Subnet': runnerSubnetArn } },
    },
    {
      Sid: 'TagRunnerMachines',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: [
        ec2Arn('instance/*'),
        ec2Arn('volume/*'),
        ec2Arn('network-interface/*'),
        ...(spot ? [ec2Arn('spot-instances-request/*')] : []),
      ],
      // docker-machine writes all of a machine's tags in one call, the stack tag among them (amazonec2-tags).
      Condition: { StringEquals: { [`aws:RequestTag/${MACHINE_STACK_TAG_KEY}`]: ctx.config.stackName } },
    },
    {
      Sid: 'ManageRunnerMachines',
      Effect: 'Allow',
      Action: ['ec2:TerminateInstances', 'ec2:StopInstances', 'ec2:StartInstances', 'ec2:RebootInstances'],
      Resource: ec2Arn('instance/*'),
      Condition: runnerProfile,
    },
    {
      Sid: 'MachineKeyPairs',
      Effect: 'Allow',
      Action: ['ec2:CreateKeyPair', 'ec2:ImportKeyPair', 'ec2:DeleteKeyPair'],
      Resource: ec2Arn('key-pair/*'),
    },
    {
      Sid: 'PassRunnerRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: getAtt('RunnerRole', 'Arn'),
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    },
  ];
  if (spot) {
    statements.push(
      {
        Sid: 'CancelSpotRequests',
        Effect: 'Allow',
        Action: 'ec2:CancelSpotInstanceRequests',
        Resource: ec2Arn('spot-instances-request/*'),
      },
      {
        // Spot launches need the EC2 Spot service-linked role; created on first use if the account lacks it.
        Sid: 'SpotServiceLinkedRole',
        Effect: 'Allow',
        Action: 'iam:CreateServiceLinkedRole',
        Resource: sub(
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot',
        ),
        Condition: { StringEquals: { 'iam:AWSServiceName': 'spot.amazonaws.com' } },
      },
    );
  }
  return statements;
}

/** fleeting-plugin-aws, as its README recommends: drive this one Auto Scaling group, SSH in via Instance Connect. */
export function dockerAutoscalerStatements(): CfnValue[] {
  return [
    {
      Sid: 'ScaleRunnerGroup',
      Effect: 'Allow',
      Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      Resource: sub(
        'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/${RunnerAutoScalingGroup}',
      ),
    },
    {
      Sid: 'Describe',
      Effect: 'Allow',
      Action: ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeInstances'],
      Resource: '*',
      Condition: inThisRegion,
    },
    {
      Sid: 'ConnectToRunnerMachines',
      Effect: 'Allow',
      Action: 'ec2-instance-connect:SendSSHPublicKey',
      Resource: ec2Arn('instance/*'),
      Condition: { StringEquals: { 'ec2:ResourceTag/aws:autoscaling:groupName': ref('RunnerAutoScalingGroup') } },
    },
  ];
}
