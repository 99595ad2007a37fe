import { type CloudFormationClient, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { z } from 'zod';
import { defaultCfnClient } from '../shared/aws-clients.js';
import { cfnCall } from '../shared/cfn-call.js';
import { stepInputWithConfig } from '../shared/config/from-env.js';
import { type RunnerConfig, runnerConfigSchema } from '../shared/config/index.js';
import { type DeployResult, deployResultSchema, type RenderResult, renderResultSchema } from '../shared/contracts.js';
import { EventValidationError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { MANAGER_LOGICAL_ID } from '../shared/runner-stack.js';
import { defineStep, type StepContext } from '../shared/step.js';
import { createChangeSet, executeChangeSet, settleChangeSet } from './change-set.js';
import { changeSetName, inspectChanges, isUpToDate, managerReplacementWarning, stackTags } from './change-set-plan.js';
import { classifyStackStatus, readStack, type StackSnapshot } from './stack-state.js';
import { stuckStackError } from './stuck-stack.js';

/**
 * deploy-stack (DESIGN.md section 6): one DescribeStacks, then by the stack's state
 *  - none / DELETE_COMPLETE / REVIEW_IN_PROGRESS → CREATE change set, executed        → action `create`
 *  - settled (CREATE/UPDATE/IMPORT_COMPLETE, UPDATE_ROLLBACK_COMPLETE…), tags carry this template hash and token
 *    version → nothing else, no change set (exactly one CloudFormation call)        → action `noop`
 *  - settled, tags differ → UPDATE change set; empty → deleted                         → `update` or `noop`
 *  - *_IN_PROGRESS → nothing                                                           → action `busy`
 *  - ROLLBACK_COMPLETE (a failed create, never a working runner) → DeleteStack started → action `recreate`
 *  - *_FAILED → StackError naming the failed resources and the command that unsticks the stack; never deleted.
 *
 * Nothing here waits for CloudFormation to *execute* anything (long waits belong to the state machine); only the
 * change set's creation is polled, bounded (60 s by default). A `recreate` does not wait for the delete either:
 * the state machine runs await-stack until it reports DELETE_COMPLETE (done, ok), then runs deploy-stack again,
 * which finds no stack and creates it. Likewise after `busy`: await-stack until done, then deploy-stack again.
 * Every invocation decides from the stack's current state, so repeating one is safe.
 */
export interface DeployStackDeps {
  cfn: CloudFormationClient;
  /** Pause between change-set status reads (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** Limit for a change set's creation; default 60 s. */
  changeSetTimeoutMs?: number;
}

export const deployStackInputSchema = stepInputWithConfig(
  z.object({ config: runnerConfigSchema, render: renderResultSchema }),
);
export type DeployStackInput = z.output<typeof deployStackInputSchema>;

const STEP = 'deploy-stack';
/** Event times and our clock may differ slightly: await-stack reads events from a little before execution. */
const START_MARGIN_MS = 1_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function deployRunnerStack(
  input: DeployStackInput,
  ctx: StepContext<DeployStackDeps>,
): Promise<DeployResult> {
  const { config, render } = input;
  const { cfn } = ctx.deps;
  const stackName = config.stackName;
  if (render.stackName !== stackName) {
    throw new EventValidationError(
      STEP,
      `render.stackName "${render.stackName}" is not config.stackName "${stackName}" (run render-stack with this config)`,
    );
  }
  const log = ctx.log.child({ stackName });
  const stack = await readStack(cfn, stackName);
  const base = {
    stackName,
    stackId: stack.stackId,
    previousStatus: stack.status,
    managerReplacement: false,
    replacements: [] as string[],
  };

  switch (classifyStackStatus(stack.status)) {
    case 'in-progress': {
      const reason = `Stack is ${stack.status}: another operation is running; await it, then run deploy-stack again.`;
      log.info('stack busy', { status: stack.status });
      return { ...base, action: 'busy', reason };
    }
    case 'stuck':
      throw await stuckStackError(cfn, stack);
    case 'rollback-complete':
      return startRecreate(cfn, stack, base, log, now(ctx.deps));
    case 'updatable':
      if (isUpToDate(stack.tags, render)) {
        log.info('stack up to date', { templateHash: render.templateHash, tokenVersion: render.tokenParameterVersion });
        return {
          ...base,
          action: 'noop',
          reason: `Stack already carries template ${render.templateHash.slice(0, 12)} and token version ${render.tokenParameterVersion}.`,
        };
      }
      return deployWithChangeSet('UPDATE', config, render, base, ctx.deps, log);
    case 'none':
    case 'review':
      return deployWithChangeSet('CREATE', config, render, base, ctx.deps, log);
  }
}

type Base = Pick<DeployResult, 'stackName' | 'stackId' | 'previousStatus' | 'managerReplacement' | 'replacements'>;

const now = (deps: DeployStackDeps): Date => deps.now?.() ?? new Date();

/** ROLLBACK_COMPLETE cannot be updated: delete it (by id, so a newer stack of that name is never hit). */
async function startRecreate(
  cfn: CloudFormationClient,
  stack: StackSnapshot,
  base: Base,
  log: Logger,
  at: Date,
): Promise<DeployResult> {
  const target = stack.stackId ?? stack.stackName;
  const startedAt = new Date(at.getTime() - START_MARGIN_MS).toISOString();
  log.warn('deleting stack in ROLLBACK_COMPLETE', { stackId: target, statusReason: stack.statusReason });
  await cfnCall('DeleteStack', stack.stackName, () =>
    cfn.send(new DeleteStackCommand({ StackName: target, ClientRequestToken: `gro-delete-${at.getTime()}` })),
  );
  return {
    ...base,
    action: 'recreate',
    startedAt,
    reason:
      'The stack is ROLLBACK_COMPLETE (its creation failed; it cannot be updated): deletion started. ' +
      'When await-stack reports DELETE_COMPLETE, run deploy-stack again to create it.',
  };
}

async function deployWithChangeSet(
  type: 'CREATE' | 'UPDATE',
  config: RunnerConfig,
  render: RenderResult,
  base: Base,
  deps: DeployStackDeps,
  log: Logger,
): Promise<DeployResult> {
  const { cfn } = deps;
  const name = changeSetName(render, now(deps));
  const req = {
    stackName: config.stackName,
    changeSetName: name,
    type,
    templateUrl: render.templateUrl,
    parameters: render.parameters,
    tags: stackTags(config, render),
    description: `gitlab-runner-orchestrator: template ${render.templateHash.slice(0, 12)}, token version ${render.tokenParameterVersion}`,
  };
  log.info('creating change set', { changeSetName: name, changeSetType: type });
  const created = await createChangeSet(cfn, req);
  const outcome = await settleChangeSet(cfn, req, created, {
    sleep: deps.sleep ?? defaultSleep,
    now: () => now(deps),
    timeoutMs: deps.changeSetTimeoutMs,
  });
  const stackId = outcome.stackId ?? base.stackId;
  if (outcome.kind === 'empty') {
    log.info('change set empty, deleted', { changeSetName: name });
    return {
      ...base,
      stackId,
      action: 'noop',
      changeSetName: name,
      reason: `The change set held no changes (${outcome.reason}); it was deleted.`,
    };
  }

  const replaced = inspectChanges(outcome.changes);
  if (replaced.managerReplacement) {
    log.warn('change set replaces the runner manager', {
      changeSetName: name,
      warning: managerReplacementWarning(config, replaced.definite.includes(MANAGER_LOGICAL_ID)),
    });
  }
  log.info('executing change set', {
    changeSetName: name,
    changes: outcome.changes.length,
    replacements: replaced.definite,
    possibleReplacements: replaced.potential,
  });
  const startedAt = new Date(now(deps).getTime() - START_MARGIN_MS).toISOString();
  await executeChangeSet(cfn, req, outcome.changeSetId);
  return {
    ...base,
    stackId,
    action: type === 'CREATE' ? 'create' : 'update',
    changeSetId: outcome.changeSetId,
    changeSetName: name,
    replacements: replaced.all,
    managerReplacement: replaced.managerReplacement,
    startedAt,
  };
}

export const deployStack = defineStep({
  name: STEP,
  input: deployStackInputSchema,
  output: deployResultSchema,
  defaultDeps: (): DeployStackDeps => ({ cfn: defaultCfnClient() }),
  execute: deployRunnerStack,
});
