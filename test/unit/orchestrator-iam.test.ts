// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import { describe, expect, it } from '@jest/globals';
import { generatedNamePrefix } from '../../stack/orchestrator/arns.js';
import { ORCHESTRATOR_STEPS } from '../../stack/orchestrator/index.js';
import { RUNNER_RESOURCE_ACTIONS } from '../../stack/orchestrator/runner-deploy-role.js';
import { STEP_FUNCTIONS } from '../../stack/orchestrator/steps.js';
import type { CfnValue } from '../../stack/shared/cfn.js';
import {
  asArray,
  configOf,
  orchestratorTemplate,
  policyStatements,
  resourceOf,
  resourcesOfType,
  roleStatements,
  statementOf,
} from './orchestrator-support.js';
import { autoscalerExecutor, variantTemplates } from './runner-template-support.js';

const TOKEN_ARN = {
  'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/gitlab-runner/fleet/token',
};
const RUNNER_STACK_ARN = {
  'Fn::Sub': 'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/fleet/*',
};
const roleOf = (step: (typeof ORCHESTRATOR_STEPS)[number]) => `${STEP_FUNCTIONS[step].stem}Role`;
const actionsOf = (statements: CfnValue[]): string[] => statements.flatMap((s) => asArray(s.Action as string));

describe('orchestrator IAM', () => {
  const template = orchestratorTemplate(
    configOf({ executor: autoscalerExecutor, healthCheck: { alarmTopicArn: 'arn:aws:sns:eu-west-1:1:t' } }),
  );

  it('grants no wildcard action in any Allow statement of the template', () => {
    // Act
    const statements = policyStatements(template);
    const wildcards = actionsOf(statements.filter((s) => s.Effect === 'Allow')).filter((a) => a.includes('*'));
    // Assess: the only wildcard is the TLS-only Deny of the bucket policy
    expect(statements.length).toBeGreaterThan(15);
    expect(wildcards).toEqual([]);
    expect(statements.filter((s) => s.Effect !== 'Allow')).toEqual([
      expect.objectContaining({ Sid: 'DenyInsecureTransport', Effect: 'Deny', Action: 's3:*' }),
    ]);
  });

  it('uses resource "*" only for EC2 and Auto Scaling calls of the runner deploy role, limited to the region', () => {
    // Act
    const starred = policyStatements(template).filter((s) => asArray(s.Resource).includes('*'));
    // Assess
    expect(starred.map((s) => s.Sid).sort()).toEqual(['RunnerAutoScaling', 'RunnerNetworkAndInstances']);
    for (const s of starred) {
      expect(s.Condition).toEqual({ StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } });
      expect(actionsOf([s]).every((a) => a.startsWith('ec2:') || a.startsWith('autoscaling:'))).toBe(true);
    }
  });

  it('lets resolve-token read exactly the token parameter, and decrypt only through SSM for it', () => {
    // Act
    const statements = roleStatements(template, roleOf('resolve-token'));
    // Assess
    expect(statementOf(statements, 'ReadRunnerToken')).toMatchObject({
      Action: ['ssm:GetParameter'],
      Resource: TOKEN_ARN,
    });
    expect(statementOf(statements, 'DecryptRunnerToken').Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' },
        'kms:EncryptionContext:PARAMETER_ARN': TOKEN_ARN,
      },
    });
    expect(actionsOf(statements).sort()).toEqual(
      ['kms:Decrypt', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParameter'].sort(),
    );
  });

  it('gives the token parameter to resolve-token alone', () => {
    for (const step of ORCHESTRATOR_STEPS.filter((s) => s !== 'resolve-token')) {
      // Act
      const text = JSON.stringify(roleStatements(template, roleOf(step)));
      // Assess
      expect({ step, token: text.includes('parameter/gitlab-runner/fleet/token') }).toEqual({ step, token: false });
    }
  });

  it('lets deploy-stack touch only the runner stack, its change sets, its templates and pass one role', () => {
    // Act
    const statements = roleStatements(template, roleOf('deploy-stack'));
    // Assess
    expect(statementOf(statements, 'DeployRunnerStack').Resource).toEqual([
      RUNNER_STACK_ARN,
      { 'Fn::Sub': 'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:changeSet/gro-*/*' },
    ]);
    expect(statementOf(statements, 'PassRunnerDeployRole')).toEqual({
      Sid: 'PassRunnerDeployRole',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: { 'Fn::GetAtt': ['RunnerStackDeployRole', 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    });
    expect(statementOf(statements, 'ReadRunnerTemplates').Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:s3:::my-artifacts/templates/fleet/*',
    });
    // The runner stack's resources are CloudFormation's business (through the role), never the Lambda's.
    expect(actionsOf(statements).filter((a) => /^(ec2|iam:Create|autoscaling|s3:Create)/.test(a))).toEqual([]);
  });

  it('scopes every CloudFormation call of every step to the runner stack', () => {
    for (const step of ORCHESTRATOR_STEPS) {
      // Act
      const cfn = roleStatements(template, roleOf(step)).filter((s) =>
        actionsOf([s]).some((a) => a.startsWith('cloudformation:')),
      );
      // Assess
      for (const s of cfn) expect(asArray(s.Resource)).toContainEqual(RUNNER_STACK_ARN);
    }
  });

  it('lets the health check read shipped logs and write reports only under the runner stack prefixes', () => {
    // Act
    const statements = roleStatements(template, roleOf('health-check'));
    // Assess
    expect(statementOf(statements, 'ListShippedLogs').Condition).toEqual({
      StringLike: { 's3:prefix': ['runner-logs/fleet/', 'runner-logs/fleet/*'] },
    });
    expect(statementOf(statements, 'ReadShippedLogs').Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:s3:::fleet-*/runner-logs/fleet/*',
    });
    expect(statementOf(statements, 'WriteReports')).toMatchObject({
      Action: ['s3:PutObject'],
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::fleet-*/reports/fleet/*' },
    });
  });

  it('lets each function write only its own log group', () => {
    for (const step of ORCHESTRATOR_STEPS) {
      // Act
      const logs = statementOf(roleStatements(template, roleOf(step)), 'WriteOwnLogs');
      // Assess
      expect(logs.Resource).toEqual({ 'Fn::GetAtt': [`${STEP_FUNCTIONS[step].stem}LogGroup`, 'Arn'] });
    }
  });

  it('lets the state machine invoke the five functions and nothing else; the token rule start only it', () => {
    // Act
    const machine = roleStatements(template, 'DeployStateMachineRole');
    const rule = roleStatements(template, 'TokenChangeRuleRole');
    // Assess
    expect(machine).toEqual([
      {
        Sid: 'InvokeSteps',
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: ORCHESTRATOR_STEPS.map((s) => ({ 'Fn::GetAtt': [`${STEP_FUNCTIONS[s].stem}Function`, 'Arn'] })),
      },
    ]);
    expect(rule).toEqual([
      {
        Sid: 'StartDeployPipeline',
        Effect: 'Allow',
        Action: ['states:StartExecution'],
        Resource: { Ref: 'DeployStateMachine' },
      },
    ]);
  });

  it('trusts only the service each role is for', () => {
    // Act
    const trust = Object.fromEntries(
      resourcesOfType(template, 'AWS::IAM::Role').map(([id, r]) => [
        id,
        r.Properties?.AssumeRolePolicyDocument.Statement.map((s: CfnValue) => s.Principal.Service),
      ]),
    );
    // Assess
    expect(trust).toMatchObject({
      RunnerStackDeployRole: ['cloudformation.amazonaws.com'],
      DeployStateMachineRole: ['states.amazonaws.com'],
      TokenChangeRuleRole: ['events.amazonaws.com'],
      ResolveTokenRole: ['lambda.amazonaws.com'],
      HealthCheckRole: ['lambda.amazonaws.com'],
    });
    expect(Object.keys(trust)).toHaveLength(8);
  });

  it('has deploy permissions for every resource type of every runner-stack variant', () => {
    // Act
    const types = new Set(
      variantTemplates().flatMap(({ template: t }) => Object.values(t.Resources).map((r) => r.Type)),
    );
    const missing = [...types].filter((t) => !RUNNER_RESOURCE_ACTIONS[t]);
    const granted = new Set(actionsOf(roleStatements(template, 'RunnerStackDeployRole')));
    const notGranted = Object.values(RUNNER_RESOURCE_ACTIONS)
      .flat()
      .filter((a) => !granted.has(a));
    // Assess
    expect(missing).toEqual([]);
    expect(notGranted).toEqual([]);
  });

  it('scopes the runner deploy role IAM and S3 rights to names generated from the runner stack name', () => {
    // Act
    const statements = roleStatements(template, 'RunnerStackDeployRole');
    // Assess
    expect(statementOf(statements, 'RunnerRoles').Resource).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/fleet-*' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/fleet-*' },
    ]);
    expect(statementOf(statements, 'RunnerBuckets').Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:s3:::fleet-*',
    });
    expect(statementOf(statements, 'ResolveImageParameters').Resource).toEqual([
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:ssm:${AWS::Region}::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      },
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:ssm:${AWS::Region}::parameter/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
      },
    ]);
  });

  it('cuts long stack names in the name patterns, and lowercases them for buckets', () => {
    // Act / Assess
    expect(generatedNamePrefix('fleet')).toBe('fleet-');
    expect(generatedNamePrefix('Platform-Runners-Production-EU', true)).toBe('platform-runners');
    expect(generatedNamePrefix('Platform-Runners-Production-EU')).toBe('Platform-Runners');
  });

  it('names the runner deploy role in the deploy-stack function environment', () => {
    // Act
    const env = resourceOf(template, 'DeployStackFunction').Properties?.Environment.Variables;
    // Assess
    expect(env.CFN_EXECUTION_ROLE_ARN).toEqual({ 'Fn::GetAtt': ['RunnerStackDeployRole', 'Arn'] });
  });
});
