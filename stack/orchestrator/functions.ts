// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import { CFN_EXECUTION_ROLE_ENV } from '../../functions/deploy-stack/change-set.js';
import { RUNNER_CONFIG_ENV } from '../../functions/shared/config/from-env.js';
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { ConfigError } from '../../functions/shared/errors.js';
import { type CfnResource, getAtt, ref, sub } from '../shared/cfn.js';
import { ARTIFACT_BUCKET_ID } from './artifact-bucket.js';
import { type OrchestratorContext, orchestratorTags } from './context.js';
import { serviceRole } from './iam.js';
import { RUNNER_DEPLOY_ROLE_ID, stepStatements } from './iam-steps.js';
import {
  functionLogicalId,
  logGroupLogicalId,
  ORCHESTRATOR_STEPS,
  type OrchestratorStep,
  roleLogicalId,
  STEP_FUNCTIONS,
} from './steps.js';

export const LAMBDA_RUNTIME = 'nodejs22.x';
/**
 * arm64 (Graviton): about 20 % cheaper per GB-second than x86_64 for the same work, and the bundles are plain
 * JavaScript with no native module, so the architecture changes nothing else.
 */
export const LAMBDA_ARCHITECTURE = 'arm64';
export { CFN_EXECUTION_ROLE_ENV };
/** Lambda's limit for all environment variables of a function together. */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** The smallest allowed retention that keeps logs at least as long as asked (config.logs.retentionDays). */
export function logRetentionDays(days: number): number {
  return LOG_RETENTION_DAYS.find((d) => d >= days) ?? 3653;
}

/** The validated config as the functions read it (RUNNER_CONFIG); refused when it would not fit Lambda's 4 KB. */
export function runnerConfigEnv(config: RunnerConfig): string {
  const json = JSON.stringify(config);
  // Room for the variable names and CFN_EXECUTION_ROLE_ARN (an ARN of at most ~140 characters).
  const budget = LAMBDA_ENV_LIMIT_BYTES - 300;
  const size = Buffer.byteLength(json, 'utf8');
  if (size > budget) {
    throw new ConfigError(
      `The runner config is ${size} bytes as JSON; the Lambda functions receive it in ${RUNNER_CONFIG_ENV}, which must stay under ${budget} bytes (Lambda allows 4 KB of environment in all).`,
      'Shorten the config: drop tags or autoscaling periods you do not need, or use shorter names.',
    );
  }
  return json;
}

function logGroup(ctx: OrchestratorContext, step: OrchestratorStep): CfnResource {
  return {
    Type: 'AWS::Logs::LogGroup',
    DeletionPolicy: 'Delete',
    UpdateReplacePolicy: 'Delete',
    Properties: {
      LogGroupName: sub(`/gitlab-runner-orchestrator/\${AWS::StackName}/${step}`),
      RetentionInDays: logRetentionDays(ctx.config.logs.retentionDays),
      Tags: orchestratorTags(ctx.config, step),
    },
  };
}

function lambdaFunction(ctx: OrchestratorContext, step: OrchestratorStep, configJson: string): CfnResource {
  const settings = STEP_FUNCTIONS[step];
  const variables: Record<string, unknown> = { [RUNNER_CONFIG_ENV]: configJson };
  if (step === 'deploy-stack') variables[CFN_EXECUTION_ROLE_ENV] = getAtt(RUNNER_DEPLOY_ROLE_ID, 'Arn');
  // The code bucket is the stack's own artifact bucket: a Ref, so CloudFormation orders the two.
  const bucket = ctx.code.bucket === ctx.config.artifactBucket ? ref(ARTIFACT_BUCKET_ID) : ctx.code.bucket;
  return {
    Type: 'AWS::Lambda::Function',
    Properties: {
      Description: settings.description,
      Runtime: LAMBDA_RUNTIME,
      Architectures: [LAMBDA_ARCHITECTURE],
      Handler: 'index.handler',
      MemorySize: settings.memoryMb,
      Timeout: settings.timeoutSeconds,
      Role: getAtt(roleLogicalId(step), 'Arn'),
      Code: { S3Bucket: bucket, S3Key: ctx.code.keys[step] },
      Environment: { Variables: variables },
      LoggingConfig: { LogGroup: ref(logGroupLogicalId(step)), LogFormat: 'Text' },
      Tags: orchestratorTags(ctx.config, step),
    },
  };
}

/** Per step: its log group, its least-privilege role, its function. */
export function functionResources(ctx: OrchestratorContext): Record<string, CfnResource> {
  const configJson = runnerConfigEnv(ctx.config);
  const resources: Record<string, CfnResource> = {};
  for (const step of ORCHESTRATOR_STEPS) {
    resources[logGroupLogicalId(step)] = logGroup(ctx, step);
    resources[roleLogicalId(step)] = serviceRole({
      service: 'lambda.amazonaws.com',
      policyName: step,
      statements: stepStatements(step, ctx.config),
      description: `The ${step} step of the runner stack ${ctx.config.stackName}: only the calls it makes.`,
      tags: orchestratorTags(ctx.config, `${step}-role`),
    });
    resources[functionLogicalId(step)] = lambdaFunction(ctx, step, configJson);
  }
  return resources;
}
