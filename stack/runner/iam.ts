// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import { LOG_PREFIX } from '../bastion/contract.js';
import type { CfnResource, CfnValue } from '../shared/cfn.js';
import { escapeSub, getAtt, ref, sub } from '../shared/cfn.js';
import { type RunnerStackContext, resourceTags } from './context.js';
import { dockerAutoscalerStatements, dockerMachineStatements } from './iam-executor.js';
import { ec2AssumeRolePolicy } from './runners.js';

/** ARN of the token's SSM parameter (names with or without a leading slash both give `parameter/<path>`). */
export function tokenParameterArn(parameterName: string): CfnValue {
  const path = escapeSub(parameterName.replace(/^\//, ''));
  return sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${path}`);
}

const policy = (name: string, statements: CfnValue[]): CfnValue => ({
  PolicyName: name,
  PolicyDocument: { Version: '2012-10-17', Statement: statements },
});

/** Read the runner token: that one parameter, and KMS only through SSM for that parameter's ciphertext. */
function tokenStatements(ctx: RunnerStackContext): CfnValue[] {
  const arn = tokenParameterArn(ctx.config.gitlab.tokenParameterName);
  return [
    { Sid: 'ReadRunnerToken', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: arn },
    {
      Sid: 'DecryptRunnerToken',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
      Condition: {
        StringEquals: {
          'kms:ViaService': sub('ssm.${AWS::Region}.amazonaws.com'),
          'kms:EncryptionContext:PARAMETER_ARN': arn,
        },
      },
    },
  ];
}

/** The shared cache (the manager signs the URLs the machines use) and the manager's own log prefix. */
function bucketStatements(): CfnValue[] {
  return [
    {
      Sid: 'CacheObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: sub('${CacheBucket.Arn}/*'),
    },
    {
      Sid: 'CacheBucket',
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:GetBucketLocation'],
      Resource: getAtt('CacheBucket', 'Arn'),
    },
    {
      Sid: 'ShipLogs',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: sub(`\${LogBucket.Arn}/${LOG_PREFIX}/\${AWS::StackName}/*`),
    },
  ];
}

/** cfn-init and cfn-hup read the instance's Metadata; cfn-signal answers the CreationPolicy. */
function cloudFormationStatements(): CfnValue[] {
  return [
    {
      Sid: 'CfnInitAndSignal',
      Effect: 'Allow',
      Action: ['cloudformation:DescribeStackResource', 'cloudformation:SignalResource'],
      Resource: ref('AWS::StackId'),
    },
  ];
}

/**
 * The manager's role and instance profile: Session Manager (no SSH), the token, the buckets, cfn-init, and the
 * executor's rights (docker-machine's EC2 calls, or the fleeting plugin's Auto Scaling calls).
 */
export function managerIamResources(ctx: RunnerStackContext): Record<string, CfnResource> {
  const executorPolicy = ctx.autoscaler
    ? policy('fleeting-plugin-aws', dockerAutoscalerStatements())
    : policy('docker-machine', dockerMachineStatements(ctx));
  return {
    BastionInstanceRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `Role of the GitLab Runner manager of ${ctx.config.stackName}`,
        AssumeRolePolicyDocument: ec2AssumeRolePolicy,
        ManagedPolicyArns: [sub('arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore')],
        Policies: [
          policy('runner-token', tokenStatements(ctx)),
          policy('buckets', bucketStatements()),
          policy('cloudformation', cloudFormationStatements()),
          executorPolicy,
        ],
        Tags: resourceTags(ctx.config, 'bastion'),
      },
    },
    BastionInstanceProfile: {
      Type: 'AWS::IAM::InstanceProfile',
      Properties: { Roles: [ref('BastionInstanceRole')] },
    },
  };
}
