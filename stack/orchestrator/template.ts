import type { RunnerConfig } from '../../functions/shared/config/index.js';
import type { CfnOutput, CfnTemplate } from '../shared/cfn.js';
import { getAtt, ref } from '../shared/cfn.js';
import { alarmResources } from './alarms.js';
import { ARTIFACT_BUCKET_ID, artifactBucket, artifactBucketPolicy } from './artifact-bucket.js';
import type { OrchestratorContext } from './context.js';
import { orchestratorTags } from './context.js';
import { functionResources } from './functions.js';
import { RUNNER_DEPLOY_ROLE_ID } from './iam-steps.js';
import { runnerDeployRole } from './runner-deploy-role.js';
import { STATE_MACHINE_ID, stateMachineResources } from './state-machine.js';
import { functionLogicalId, ORCHESTRATOR_STEPS, type OrchestratorStep } from './steps.js';
import { triggerResources } from './triggers.js';

export interface OrchestratorCode {
  /** Bucket of the zips; the config's artifact bucket (the stack's own) in every normal deploy. */
  codeBucket: string;
  /** S3 key of each function's zip. */
  codeKeys: Record<OrchestratorStep, string>;
}

/** Default name of the orchestrator stack of a runner stack. */
export const orchestratorStackName = (config: Pick<RunnerConfig, 'stackName'>): string =>
  `${config.stackName}-orchestrator`;

function outputs(): Record<string, CfnOutput> {
  const out: Record<string, CfnOutput> = {
    StateMachineArn: {
      Description: 'The deploy pipeline (start it to deploy the runner stack).',
      Value: ref(STATE_MACHINE_ID),
    },
    ArtifactBucketName: { Description: 'Rendered templates and Lambda bundles.', Value: ref(ARTIFACT_BUCKET_ID) },
    RunnerStackDeployRoleArn: {
      Description: 'The role CloudFormation deploys the runner stack with.',
      Value: getAtt(RUNNER_DEPLOY_ROLE_ID, 'Arn'),
    },
  };
  for (const step of ORCHESTRATOR_STEPS) {
    out[`${functionLogicalId(step)}Name`] = {
      Description: `The ${step} function.`,
      Value: ref(functionLogicalId(step)),
    };
  }
  return out;
}

/**
 * The orchestrator stack of one runner stack (DESIGN.md sections 1 and 2): artifact bucket, five functions with
 * their log groups and roles, the role CloudFormation deploys the runner stack with, the deploy state machine, the
 * two EventBridge triggers and the health alarms. Deterministic: same inputs, byte-identical JSON.stringify.
 */
export function buildOrchestratorTemplate(config: RunnerConfig, code: OrchestratorCode): CfnTemplate {
  const ctx: OrchestratorContext = { config, code: { bucket: code.codeBucket, keys: code.codeKeys } };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `gitlab-runner-orchestrator for the runner stack ${config.stackName}: deploy pipeline, health check, triggers.`,
    Resources: {
      [ARTIFACT_BUCKET_ID]: artifactBucket(ctx),
      ArtifactBucketPolicy: artifactBucketPolicy(),
      [RUNNER_DEPLOY_ROLE_ID]: runnerDeployRole(config, orchestratorTags(config, 'runner-deploy-role')),
      ...functionResources(ctx),
      ...stateMachineResources(ctx),
      ...triggerResources(ctx),
      ...alarmResources(ctx),
    },
    Outputs: outputs(),
  };
}

/**
 * The first template of a new orchestrator stack: only the artifact bucket (and its TLS policy), so that the
 * bundles can be uploaded into the stack's own bucket before the functions that need them are created.
 * `npm run deploy` creates the stack with it (or imports an existing bucket of that name), then updates the stack
 * to the full template.
 */
export function buildBootstrapTemplate(
  config: RunnerConfig,
  opts: { withPolicy: boolean } = { withPolicy: true },
): CfnTemplate {
  const ctx: OrchestratorContext = {
    config,
    code: { bucket: config.artifactBucket, keys: {} as OrchestratorContext['code']['keys'] },
  };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `gitlab-runner-orchestrator for the runner stack ${config.stackName}: bootstrap (artifact bucket only).`,
    Resources: {
      [ARTIFACT_BUCKET_ID]: artifactBucket(ctx),
      ...(opts.withPolicy ? { ArtifactBucketPolicy: artifactBucketPolicy() } : {}),
    },
  };
}
