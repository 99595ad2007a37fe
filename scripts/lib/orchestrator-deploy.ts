import {
  type CloudFormationClient,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { classifyStackStatus, readStack } from '../../functions/deploy-stack/stack-state.js';
import { storeTemplate, templateHash, templateUrl } from '../../functions/render-stack/template-store.js';
import { cfnCall } from '../../functions/shared/cfn-call.js';
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import type { StackEventSummary } from '../../functions/shared/contracts.js';
import { OrchestratorError, StackError } from '../../functions/shared/errors.js';
import { RUNNER_STACK_TAG_KEY } from '../../stack/orchestrator/context.js';
import {
  ARTIFACT_BUCKET_ID,
  buildBootstrapTemplate,
  buildOrchestratorTemplate,
  ORCHESTRATOR_STEPS,
  type OrchestratorStep,
  STATE_MACHINE_ID,
} from '../../stack/orchestrator/index.js';
import type { BuildReport } from './bundles.js';
import { codeKey, type UploadedCode, uploadLambdaCode } from './lambda-code.js';
import { runChangeSet } from './stack-change-set.js';

/**
 * Deploys (creates or updates) the orchestrator stack of a runner config, through change sets:
 *   1. bootstrap, when the stack does not exist: a stack holding only the artifact bucket — created by a CREATE
 *      change set, or, when a bucket of that name already exists in this account (`npm run pipeline` creates it
 *      when missing), adopted by an IMPORT change set;
 *   2. the Lambda zips into that bucket (`lambda/<sha256>.zip`) and the full template (`orchestrator/<sha256>.json`);
 *   3. an UPDATE change set to the full template (an empty one is a no-op).
 * A stack left in ROLLBACK_COMPLETE (its creation failed, it never ran) is deleted first. Every phase goes through
 * `runPhase` (the CLI shows it with listr2) and every stack event through `onEvent`.
 */
export type DeployPhase = 'build' | 'bootstrap' | 'upload' | 'deploy';

export interface DeployPhaseProgress {
  title(text: string): void;
  output(line: string): void;
}

export type DeployPhaseRunner = <T>(
  phase: DeployPhase,
  title: string,
  work: (progress: DeployPhaseProgress) => Promise<T>,
) => Promise<T>;

export interface OrchestratorDeployOptions {
  config: RunnerConfig;
  stackName: string;
  cfn: CloudFormationClient;
  s3: S3Client;
  bundles: BuildReport;
  /** Between two stack status reads; default 5 s. */
  pollIntervalMs?: number;
  /** Per change set; default 30 min. */
  timeoutMs?: number;
  runPhase?: DeployPhaseRunner;
  onEvent?: (event: StackEventSummary) => void;
}

export interface OrchestratorDeployResult {
  stackName: string;
  stackId: string;
  /** Final status; NO_CHANGES when the stack already had this template. */
  status: string;
  bootstrap: 'created' | 'imported' | 'existing';
  code: UploadedCode[];
  templateKey: string;
  /** Logical id -> physical id of the stack's resources (moto keeps no Outputs: read from the resources). */
  resources: Record<string, string>;
  stateMachineArn?: string;
}

export class OrchestratorDeployError extends OrchestratorError {}

const runDirectly: DeployPhaseRunner = (_phase, _title, work) => work({ title: () => {}, output: () => {} });

export function orchestratorStackTags(config: RunnerConfig): { Key: string; Value: string }[] {
  const tags: Record<string, string> = {
    ...config.tags,
    'gitlab-runner-orchestrator:managed-by': 'gitlab-runner-orchestrator',
    [RUNNER_STACK_TAG_KEY]: config.stackName,
  };
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key] as string }));
}

export async function deployOrchestrator(opts: OrchestratorDeployOptions): Promise<OrchestratorDeployResult> {
  const { config, stackName, cfn, s3 } = opts;
  const phase = opts.runPhase ?? runDirectly;
  const codeKeys = codeKeysOf(opts.bundles);
  const watch = (p: DeployPhaseProgress) => ({
    pollIntervalMs: opts.pollIntervalMs,
    timeoutMs: opts.timeoutMs,
    onStatus: (status: string) => p.title(`${stackName}: ${status}`),
    onEvent: (event: StackEventSummary) => {
      opts.onEvent?.(event);
      p.output(`${event.status} ${event.resourceType} ${event.logicalId}${event.reason ? ` | ${event.reason}` : ''}`);
    },
  });
  const tags = orchestratorStackTags(config);

  const bootstrap = await phase('bootstrap', `orchestrator stack ${stackName}`, async (p) => {
    const found = await settledStack(cfn, stackName, opts);
    if (found !== 'none') {
      p.title(`orchestrator stack ${stackName}: exists (${found})`);
      return 'existing' as const;
    }
    const adopt = await bucketExists(s3, config.artifactBucket);
    p.title(
      adopt
        ? `bootstrap: importing the existing bucket ${config.artifactBucket} into ${stackName}`
        : `bootstrap: creating ${stackName} with the artifact bucket ${config.artifactBucket}`,
    );
    await runChangeSet(
      cfn,
      adopt
        ? {
            stackName,
            type: 'IMPORT',
            templateBody: JSON.stringify(buildBootstrapTemplate(config, { withPolicy: false })),
            resourcesToImport: [
              {
                ResourceType: 'AWS::S3::Bucket',
                LogicalResourceId: ARTIFACT_BUCKET_ID,
                ResourceIdentifier: { BucketName: config.artifactBucket },
              },
            ],
            tags,
            description: 'gitlab-runner-orchestrator bootstrap: adopt the artifact bucket',
          }
        : {
            stackName,
            type: 'CREATE',
            templateBody: JSON.stringify(buildBootstrapTemplate(config)),
            tags,
            description: 'gitlab-runner-orchestrator bootstrap: the artifact bucket',
          },
      watch(p),
    );
    p.title(
      `bootstrap: ${stackName} holds the artifact bucket ${config.artifactBucket} (${adopt ? 'imported' : 'created'})`,
    );
    return adopt ? ('imported' as const) : ('created' as const);
  });

  const template = buildOrchestratorTemplate(config, { codeBucket: config.artifactBucket, codeKeys });
  const body = JSON.stringify(template);
  const templateKey = `orchestrator/${stackName}/${templateHash(body)}.json`;
  const code = await phase('upload', `upload to s3://${config.artifactBucket}`, async (p) => {
    const uploaded = await uploadLambdaCode(s3, config.artifactBucket, opts.bundles.bundles);
    for (const u of uploaded) p.output(`${u.step}: ${u.key} ${u.uploaded ? 'uploaded' : 'already there'}`);
    await storeTemplate(s3, config.artifactBucket, templateKey, body);
    const fresh = uploaded.filter((u) => u.uploaded).length;
    p.title(`upload: ${uploaded.length} bundles (${fresh} new) and the template to s3://${config.artifactBucket}`);
    return uploaded;
  });

  const run = await phase('deploy', `deploy ${stackName}`, async (p) => {
    const result = await runChangeSet(
      cfn,
      {
        stackName,
        type: 'UPDATE',
        templateUrl: templateUrl(config.artifactBucket, templateKey, config.region),
        tags,
        description: `gitlab-runner-orchestrator for ${config.stackName}: template ${templateHash(body).slice(0, 12)}`,
      },
      watch(p),
    );
    p.title(`deploy ${stackName}: ${result.noChanges ? 'no changes' : result.status}`);
    return result;
  });

  const resources = await stackResources(cfn, stackName);
  return {
    stackName,
    stackId: run.stackId,
    status: run.status,
    bootstrap,
    code,
    templateKey,
    resources,
    stateMachineArn: resources[STATE_MACHINE_ID],
  };
}

function codeKeysOf(bundles: BuildReport): Record<OrchestratorStep, string> {
  const keys: Partial<Record<OrchestratorStep, string>> = {};
  for (const b of bundles.bundles) keys[b.step as OrchestratorStep] = codeKey(b.zipSha256);
  const missing = ORCHESTRATOR_STEPS.filter((step) => !keys[step]);
  if (missing.length > 0) {
    throw new OrchestratorDeployError(
      'BUNDLE_MISSING',
      `No Lambda bundle for ${missing.join(', ')}: the orchestrator stack needs all five functions.`,
      `Make sure functions/${missing[0]}/handler.ts exists, then run \`npm run build\` (deploy builds when the bundles are stale).`,
    );
  }
  return keys as Record<OrchestratorStep, string>;
}

/** The stack's state, after deleting a ROLLBACK_COMPLETE leftover; refuses busy and failed stacks. */
async function settledStack(
  cfn: CloudFormationClient,
  stackName: string,
  opts: Pick<OrchestratorDeployOptions, 'pollIntervalMs' | 'timeoutMs'>,
): Promise<'none' | string> {
  const stack = await readStack(cfn, stackName);
  switch (classifyStackStatus(stack.status)) {
    case 'none':
    case 'review':
      return 'none';
    case 'updatable':
      return stack.status;
    case 'in-progress':
      throw new StackError(
        'STACK_BUSY',
        `The orchestrator stack ${stackName} is ${stack.status}: another operation is running.`,
        'Wait for it to finish (CloudFormation console), then run `npm run deploy` again.',
      );
    case 'rollback-complete': {
      const target = stack.stackId ?? stackName;
      await cfnCall('DeleteStack', stackName, () => cfn.send(new DeleteStackCommand({ StackName: target })));
      await waitForDelete(cfn, target, stackName, opts);
      return 'none';
    }
    case 'stuck':
      throw new StackError(
        'STACK_STUCK',
        `The orchestrator stack ${stackName} is ${stack.status}${stack.statusReason ? `: ${stack.statusReason}` : ''}.`,
        stack.status === 'UPDATE_ROLLBACK_FAILED'
          ? `Run \`aws cloudformation continue-update-rollback --stack-name ${stackName}\`, then \`npm run deploy\` again.`
          : 'Fix the cause in the CloudFormation console (or delete the stack), then run `npm run deploy` again.',
      );
  }
}

async function waitForDelete(
  cfn: CloudFormationClient,
  stackRef: string,
  stackName: string,
  opts: Pick<OrchestratorDeployOptions, 'pollIntervalMs' | 'timeoutMs'>,
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  for (;;) {
    const out = await cfnCall('DescribeStacks', stackName, () =>
      cfn.send(new DescribeStacksCommand({ StackName: stackRef })),
    );
    const status = out.Stacks?.[0]?.StackStatus ?? 'DELETE_COMPLETE';
    if (status === 'DELETE_COMPLETE') return;
    if (status === 'DELETE_FAILED' || Date.now() > deadline) {
      throw new StackError(
        'STACK_DELETE_FAILED',
        `The failed orchestrator stack ${stackName} could not be deleted (${status}).`,
        'Delete it in the CloudFormation console (its artifact bucket is retained), then run `npm run deploy` again.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, opts.pollIntervalMs ?? 5_000));
  }
}

/** True when the bucket exists and these credentials may use it; another account's bucket is an error. */
async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = (error as Error).name;
    if (status === 404 || name === 'NotFound' || name === 'NoSuchBucket') return false;
    throw new OrchestratorDeployError(
      'ARTIFACT_BUCKET_UNUSABLE',
      `The artifact bucket ${bucket} exists but cannot be used here (${name}${status ? `, HTTP ${status}` : ''}): it belongs to another account or region, or access is denied.`,
      'Bucket names are global: set artifactBucket in the config to a name of your own (e.g. with your account id and region).',
      { cause: error },
    );
  }
}

async function stackResources(cfn: CloudFormationClient, stackName: string): Promise<Record<string, string>> {
  const out = await cfnCall('DescribeStackResources', stackName, () =>
    cfn.send(new DescribeStackResourcesCommand({ StackName: stackName })),
  );
  const ids: Record<string, string> = {};
  for (const r of out.StackResources ?? []) {
    if (r.LogicalResourceId && r.PhysicalResourceId) ids[r.LogicalResourceId] = r.PhysicalResourceId;
  }
  return ids;
}
