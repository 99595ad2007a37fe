// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import { describe, expect, it } from '@jest/globals';
import { buildRunnerTemplate } from '../../stack/runner/index.js';
import type { CfnValue } from '../../stack/shared/cfn.js';
import {
  asArray,
  autoscalerExecutor,
  configOf,
  existingNetwork,
  resource,
  roleStatements,
  variantTemplates,
} from './runner-template-support.js';

/** Every IAM statement in the template: any object with an Effect, wherever it sits. */
function policyStatements(value: CfnValue): CfnValue[] {
  if (Array.isArray(value)) return value.flatMap(policyStatements);
  if (value === null || typeof value !== 'object') return [];
  const own = 'Effect' in value && 'Action' in value ? [value] : [];
  return [...own, ...Object.values(value).flatMap(policyStatements)];
}

const statement = (statements: CfnValue[], sid: string): CfnValue => {
  const found = statements.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found;
};

describe('runner template IAM', () => {
  it('no Allow statement anywhere in any variant grants a wildcard action (role or bucket policy)', () => {
    for (const { variant, template } of variantTemplates()) {
      // Act
      const statements = policyStatements(template);
      const wildcards = statements
        .filter((s) => s.Effect === 'Allow')
        .flatMap((s) => asArray(s.Action as string | string[]))
        .filter((action) => action.includes('*'));
      // Assess
      expect(statements.length).toBeGreaterThan(10);
      expect({ variant: variant.fileName, wildcards }).toEqual({ variant: variant.fileName, wildcards: [] });
    }
  });

  it('reads exactly the token parameter, and decrypts only through SSM for that parameter', () => {
    // Prepare
    const template = buildRunnerTemplate(configOf());
    const arn = {
      'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/gitlab-runner/fleet/token',
    };
    // Act
    const statements = roleStatements(template, 'BastionInstanceRole');
    const ssm = statements.filter((s) => asArray(s.Action).some((a: string) => a.startsWith('ssm:')));
    const decrypt = statement(statements, 'DecryptRunnerToken');
    // Assess
    expect(ssm).toEqual([{ Sid: 'ReadRunnerToken', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: arn }]);
    expect(decrypt.Action).toBe('kms:Decrypt');
    expect(decrypt.Condition.StringEquals).toEqual({
      'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' },
      'kms:EncryptionContext:PARAMETER_ARN': arn,
    });
  });

  it('builds the parameter ARN the same way for a name without a leading slash', () => {
    // Prepare
    const config = configOf({ gitlab: { url: 'https://gitlab.example.com', tokenParameterName: 'runner-token' } });
    // Act
    const read = statement(roleStatements(buildRunnerTemplate(config), 'BastionInstanceRole'), 'ReadRunnerToken');
    // Assess
    expect(read.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/runner-token',
    });
  });

  it('gives the manager Session Manager through the AWS managed policy', () => {
    // Act
    const arns = resource(buildRunnerTemplate(configOf()), 'BastionInstanceRole').Properties?.ManagedPolicyArns;
    // Assess
    expect(arns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore' }]);
  });

  it('lets the manager use the cache bucket, write only its own log prefix, and run cfn-init/cfn-signal on its stack', () => {
    // Act
    const statements = roleStatements(buildRunnerTemplate(configOf()), 'BastionInstanceRole');
    // Assess
    expect(statement(statements, 'CacheObjects')).toMatchObject({
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: { 'Fn::Sub': '${CacheBucket.Arn}/*' },
    });
    expect(statement(statements, 'CacheBucket').Action).toContain('s3:ListBucket');
    expect(statement(statements, 'ShipLogs')).toMatchObject({
      Action: 's3:PutObject',
      Resource: { 'Fn::Sub': '${LogBucket.Arn}/runner-logs/${AWS::StackName}/*' },
    });
    expect(statement(statements, 'CfnInitAndSignal')).toMatchObject({
      Action: ['cloudformation:DescribeStackResource', 'cloudformation:SignalResource'],
      Resource: { Ref: 'AWS::StackId' },
    });
  });

  it('docker+machine: launches only into RunnerSubnet, with the configured type and the runner profile', () => {
    // Prepare
    const created = roleStatements(buildRunnerTemplate(configOf()), 'BastionInstanceRole');
    const existing = roleStatements(buildRunnerTemplate(configOf({ network: existingNetwork })), 'BastionInstanceRole');
    // Act
    const instance = statement(created, 'LaunchRunnerMachines');
    const subnetCreated = statement(created, 'LaunchIntoRunnerSubnet').Resource;
    const subnetExisting = statement(existing, 'LaunchIntoRunnerSubnet').Resource;
    // Assess
    expect(instance.Action).toContain('ec2:RunInstances');
    expect(instance.Condition).toEqual({
      StringEquals: { 'ec2:InstanceType': 't3.medium' },
      ArnEquals: { 'ec2:InstanceProfile': { 'Fn::GetAtt': ['RunnerInstanceProfile', 'Arn'] } },
    });
    expect(subnetCreated).toContainEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/${RunnerSubnet}',
    });
    expect(subnetExisting).toContainEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/${RunnerSubnetId}',
    });
    expect(JSON.stringify(subnetCreated)).not.toMatch(/subnet\/\*/);
  });

  it('docker+machine: terminates, stops, starts and reboots only runner-profile instances; names each Describe', () => {
    // Act
    const statements = roleStatements(buildRunnerTemplate(configOf()), 'BastionInstanceRole');
    const manage = statement(statements, 'ManageRunnerMachines');
    const describe = statement(statements, 'Describe');
    // Assess
    expect(manage.Action).toEqual(
      expect.arrayContaining([
        'ec2:TerminateInstances',
        'ec2:StopInstances',
        'ec2:StartInstances',
        'ec2:RebootInstances',
      ]),
    );
    expect(manage.Condition).toEqual({
      ArnEquals: { 'ec2:InstanceProfile': { 'Fn::GetAtt': ['RunnerInstanceProfile', 'Arn'] } },
    });
    expect(describe.Action).toEqual(expect.arrayContaining(['ec2:DescribeInstances', 'ec2:DescribeSubnets']));
    expect(describe.Condition).toEqual({ StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } });
  });

  it('docker+machine: tags only when the call marks the resource with this stack', () => {
    // Act
    const tag = statement(roleStatements(buildRunnerTemplate(configOf()), 'BastionInstanceRole'), 'TagRunnerMachines');
    // Assess
    expect(tag.Action).toBe('ec2:CreateTags');
    expect(tag.Condition).toEqual({ StringEquals: { 'aws:RequestTag/gitlab-runner-orchestrator:stack': 'fleet' } });
  });

  it('docker+machine: passes only RunnerRole, and only to EC2', () => {
    // Act
    const statements = roleStatements(buildRunnerTemplate(configOf()), 'BastionInstanceRole');
    const passRole = statements.filter((s) => asArray(s.Action).includes('iam:PassRole'));
    // Assess
    expect(passRole).toEqual([
      expect.objectContaining({
        Resource: { 'Fn::GetAtt': ['RunnerRole', 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      }),
    ]);
  });

  it('docker+machine: spot rights appear only when spot is on', () => {
    // Prepare
    const spot = configOf({ executor: { type: 'docker+machine', spot: { enabled: true } } });
    // Act
    const actionsOf = (config = configOf()) =>
      roleStatements(buildRunnerTemplate(config), 'BastionInstanceRole').flatMap((s) => asArray(s.Action));
    // Assess
    expect(actionsOf()).not.toContain('ec2:RequestSpotInstances');
    expect(actionsOf(spot)).toEqual(
      expect.arrayContaining(['ec2:RequestSpotInstances', 'ec2:CancelSpotInstanceRequests']),
    );
  });

  it('docker-autoscaler: the fleeting plugin drives only this Auto Scaling group and its instances', () => {
    // Act
    const statements = roleStatements(
      buildRunnerTemplate(configOf({ executor: autoscalerExecutor })),
      'BastionInstanceRole',
    );
    const actions = statements.flatMap((s) => asArray(s.Action));
    // Assess
    expect(statement(statements, 'ScaleRunnerGroup')).toMatchObject({
      Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      Resource: {
        'Fn::Sub':
          'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/${RunnerAutoScalingGroup}',
      },
    });
    expect(statement(statements, 'ConnectToRunnerMachines').Condition).toEqual({
      StringEquals: { 'ec2:ResourceTag/aws:autoscaling:groupName': { Ref: 'RunnerAutoScalingGroup' } },
    });
    expect(actions).not.toContain('ec2:RunInstances');
    expect(actions).not.toContain('iam:PassRole');
  });

  it('gives the runner machines a role without permissions', () => {
    // Act
    const role = resource(buildRunnerTemplate(configOf()), 'RunnerRole').Properties;
    // Assess
    expect(role?.Policies).toBeUndefined();
    expect(role?.ManagedPolicyArns).toBeUndefined();
    expect(role?.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });
});
