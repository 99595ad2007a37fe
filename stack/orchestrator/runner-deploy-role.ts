// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { type CfnResource, sub } from '../shared/cfn.js';
import { iamArnPattern, imageParameterArns, runnerBucketArnPattern } from './arns.js';
import { allow, type PolicyStatement, serviceRole } from './iam.js';

/**
 * The CloudFormation service role of the runner stack: deploy-stack passes it as `RoleARN` on CreateChangeSet, so
 * CloudFormation creates, updates and deletes the runner stack's resources with *these* rights and the Lambda
 * itself needs only `cloudformation:*ChangeSet` on that stack and `iam:PassRole` on this role.
 *
 * RUNNER_RESOURCE_ACTIONS lists, per resource type of the runner stack (stack/runner, all 8 variants), the calls
 * CloudFormation makes to create, update, tag, read and delete it (stack tags propagate, hence the tagging calls).
 * test/unit/orchestrator-iam.test.ts fails when the runner stack gains a resource type missing here.
 * Scoping: IAM and S3 names are CloudFormation-generated from the stack name (./arns.ts patterns); most EC2 and
 * Auto Scaling calls support no resource-level scoping at create time, so they are limited to the stack's region.
 */
export const RUNNER_RESOURCE_ACTIONS: Record<string, readonly string[]> = {
  'AWS::EC2::VPC': [
    'ec2:CreateVpc',
    'ec2:DeleteVpc',
    'ec2:DescribeVpcs',
    'ec2:DescribeVpcAttribute',
    'ec2:ModifyVpcAttribute',
  ],
  'AWS::EC2::VPCCidrBlock': ['ec2:AssociateVpcCidrBlock', 'ec2:DisassociateVpcCidrBlock', 'ec2:DescribeVpcs'],
  'AWS::EC2::InternetGateway': [
    'ec2:CreateInternetGateway',
    'ec2:DeleteInternetGateway',
    'ec2:DescribeInternetGateways',
  ],
  'AWS::EC2::VPCGatewayAttachment': [
    'ec2:AttachInternetGateway',
    'ec2:DetachInternetGateway',
    'ec2:DescribeInternetGateways',
  ],
  'AWS::EC2::EgressOnlyInternetGateway': [
    'ec2:CreateEgressOnlyInternetGateway',
    'ec2:DeleteEgressOnlyInternetGateway',
    'ec2:DescribeEgressOnlyInternetGateways',
  ],
  'AWS::EC2::EIP': ['ec2:AllocateAddress', 'ec2:ReleaseAddress', 'ec2:DescribeAddresses'],
  'AWS::EC2::EIPAssociation': ['ec2:AssociateAddress', 'ec2:DisassociateAddress', 'ec2:DescribeAddresses'],
  'AWS::EC2::NatGateway': ['ec2:CreateNatGateway', 'ec2:DeleteNatGateway', 'ec2:DescribeNatGateways'],
  'AWS::EC2::Subnet': [
    'ec2:CreateSubnet',
    'ec2:DeleteSubnet',
    'ec2:DescribeSubnets',
    'ec2:ModifySubnetAttribute',
    'ec2:AssociateSubnetCidrBlock',
    'ec2:DisassociateSubnetCidrBlock',
    'ec2:DescribeAvailabilityZones',
  ],
  'AWS::EC2::RouteTable': ['ec2:CreateRouteTable', 'ec2:DeleteRouteTable', 'ec2:DescribeRouteTables'],
  'AWS::EC2::Route': ['ec2:CreateRoute', 'ec2:DeleteRoute', 'ec2:ReplaceRoute', 'ec2:DescribeRouteTables'],
  'AWS::EC2::SubnetRouteTableAssociation': [
    'ec2:AssociateRouteTable',
    'ec2:DisassociateRouteTable',
    'ec2:ReplaceRouteTableAssociation',
    'ec2:DescribeRouteTables',
  ],
  'AWS::EC2::NetworkAcl': ['ec2:CreateNetworkAcl', 'ec2:DeleteNetworkAcl', 'ec2:DescribeNetworkAcls'],
  'AWS::EC2::NetworkAclEntry': [
    'ec2:CreateNetworkAclEntry',
    'ec2:DeleteNetworkAclEntry',
    'ec2:ReplaceNetworkAclEntry',
    'ec2:DescribeNetworkAcls',
  ],
  'AWS::EC2::SubnetNetworkAclAssociation': ['ec2:ReplaceNetworkAclAssociation', 'ec2:DescribeNetworkAcls'],
  'AWS::EC2::SecurityGroup': [
    'ec2:CreateSecurityGroup',
    'ec2:DeleteSecurityGroup',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSecurityGroupRules',
    'ec2:AuthorizeSecurityGroupIngress',
    'ec2:AuthorizeSecurityGroupEgress',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:RevokeSecurityGroupEgress',
    'ec2:UpdateSecurityGroupRuleDescriptionsIngress',
    'ec2:UpdateSecurityGroupRuleDescriptionsEgress',
  ],
  'AWS::EC2::SecurityGroupIngress': [
    'ec2:AuthorizeSecurityGroupIngress',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSecurityGroupRules',
  ],
  'AWS::EC2::Instance': [
    'ec2:RunInstances',
    'ec2:TerminateInstances',
    'ec2:StartInstances',
    'ec2:StopInstances',
    'ec2:DescribeInstances',
    'ec2:DescribeInstanceStatus',
    'ec2:DescribeInstanceAttribute',
    'ec2:ModifyInstanceAttribute',
    'ec2:ModifyInstanceMetadataOptions',
    'ec2:AssociateIamInstanceProfile',
    'ec2:DisassociateIamInstanceProfile',
    'ec2:ReplaceIamInstanceProfileAssociation',
    'ec2:DescribeIamInstanceProfileAssociations',
    'ec2:DescribeImages',
    'ec2:DescribeKeyPairs',
    'ec2:DescribeVolumes',
    'ec2:DescribeNetworkInterfaces',
    'iam:PassRole',
  ],
  'AWS::EC2::LaunchTemplate': [
    'ec2:CreateLaunchTemplate',
    'ec2:CreateLaunchTemplateVersion',
    'ec2:DeleteLaunchTemplate',
    'ec2:DeleteLaunchTemplateVersions',
    'ec2:ModifyLaunchTemplate',
    'ec2:DescribeLaunchTemplates',
    'ec2:DescribeLaunchTemplateVersions',
    'ec2:DescribeImages',
    'iam:PassRole',
  ],
  'AWS::AutoScaling::AutoScalingGroup': [
    'autoscaling:CreateAutoScalingGroup',
    'autoscaling:UpdateAutoScalingGroup',
    'autoscaling:DeleteAutoScalingGroup',
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeScalingActivities',
    'autoscaling:SuspendProcesses',
    'autoscaling:ResumeProcesses',
    'autoscaling:CreateOrUpdateTags',
    'autoscaling:DeleteTags',
    'ec2:RunInstances',
    'ec2:DescribeLaunchTemplateVersions',
    'iam:CreateServiceLinkedRole',
    'iam:PassRole',
  ],
  'AWS::IAM::Role': [
    'iam:CreateRole',
    'iam:DeleteRole',
    'iam:GetRole',
    'iam:UpdateRole',
    'iam:UpdateRoleDescription',
    'iam:UpdateAssumeRolePolicy',
    'iam:PutRolePolicy',
    'iam:GetRolePolicy',
    'iam:DeleteRolePolicy',
    'iam:ListRolePolicies',
    'iam:AttachRolePolicy',
    'iam:DetachRolePolicy',
    'iam:ListAttachedRolePolicies',
    'iam:TagRole',
    'iam:UntagRole',
    'iam:ListRoleTags',
  ],
  'AWS::IAM::InstanceProfile': [
    'iam:CreateInstanceProfile',
    'iam:DeleteInstanceProfile',
    'iam:GetInstanceProfile',
    'iam:AddRoleToInstanceProfile',
    'iam:RemoveRoleFromInstanceProfile',
    'iam:TagInstanceProfile',
    'iam:UntagInstanceProfile',
    'iam:PassRole',
  ],
  'AWS::S3::Bucket': [
    's3:CreateBucket',
    's3:DeleteBucket',
    's3:ListBucket',
    's3:GetBucketLocation',
    's3:GetEncryptionConfiguration',
    's3:PutEncryptionConfiguration',
    's3:GetBucketPublicAccessBlock',
    's3:PutBucketPublicAccessBlock',
    's3:GetBucketOwnershipControls',
    's3:PutBucketOwnershipControls',
    's3:GetLifecycleConfiguration',
    's3:PutLifecycleConfiguration',
    's3:GetBucketTagging',
    's3:PutBucketTagging',
  ],
  'AWS::S3::BucketPolicy': ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy'],
};

/** EC2 calls every resource needs: tags (stack tags propagate) and the account attributes CloudFormation reads. */
const EC2_COMMON = ['ec2:CreateTags', 'ec2:DeleteTags', 'ec2:DescribeTags', 'ec2:DescribeAccountAttributes'];

const ofService = (service: string): string[] => {
  const all = Object.values(RUNNER_RESOURCE_ACTIONS).flat();
  return [...new Set(all.filter((a) => a.startsWith(`${service}:`)))];
};

const sameRegion = { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } };

/** The role's statements: one per service, each scoped as far as that service allows. */
export function runnerDeployStatements(config: RunnerConfig): PolicyStatement[] {
  const stack = config.stackName;
  const iam = ofService('iam').filter((a) => a !== 'iam:PassRole' && a !== 'iam:CreateServiceLinkedRole');
  const statements: PolicyStatement[] = [
    allow('RunnerNetworkAndInstances', [...ofService('ec2'), ...EC2_COMMON], '*', sameRegion),
    allow('RunnerAutoScaling', ofService('autoscaling'), '*', sameRegion),
    allow('RunnerRoles', iam, [iamArnPattern('role', stack), iamArnPattern('instance-profile', stack)]),
    // Instance profiles, the manager instance and the launch template pass the stack's own roles (no
    // iam:PassedToService condition: AddRoleToInstanceProfile checks PassRole without naming a service).
    allow('PassRunnerRoles', ['iam:PassRole'], iamArnPattern('role', stack)),
    allow(
      'AutoScalingServiceLinkedRole',
      ['iam:CreateServiceLinkedRole'],
      sub(
        'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
      ),
      { StringEquals: { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' } },
    ),
    allow('RunnerBuckets', ofService('s3'), runnerBucketArnPattern(stack)),
  ];
  const images = imageParameterArns(config);
  if (images.length > 0) statements.push(allow('ResolveImageParameters', ['ssm:GetParameters'], images));
  return statements;
}

export function runnerDeployRole(config: RunnerConfig, tags: { Key: string; Value: string }[]): CfnResource {
  return serviceRole({
    service: 'cloudformation.amazonaws.com',
    policyName: 'deploy-runner-stack',
    statements: runnerDeployStatements(config),
    description: `CloudFormation deploys the runner stack ${config.stackName} with this role (deploy-stack passes it as RoleARN).`,
    tags,
  });
}
