import type { CloudFormationClient, StackEvent } from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { readStack, type StackSnapshot } from '../deploy-stack/stack-state.js';
import { defaultCfnClient, defaultS3Client } from '../shared/aws-clients.js';
import { stepInputWithConfig } from '../shared/config/from-env.js';
import { runnerConfigSchema } from '../shared/config/index.js';
import { type AwaitResult, awaitResultSchema, deployResultSchema, type RootCause } from '../shared/contracts.js';
import type { Logger } from '../shared/logger.js';
import { defineStep, type StepContext } from '../shared/step.js';
import { readCfnInitTail } from './cfn-init-log.js';
import { executionPending, needsExecutionCheck } from './execution-started.js';
import { firstFailure, isManagerSignalFailure, rootCauseFromEvent, rootCauseFromStack } from './root-cause.js';
import { readStackEvents, summarizeEvent } from './stack-events.js';
import { isDone, isOk } from './stack-outcome.js';

/**
 * await-stack (DESIGN.md section 6): ONE status read (DescribeStacks) and the stack events since the previous call
 * (DescribeStackEvents, paged only back to the previous call's lastEventId, deploy-stack's startedAt or the start of
 * the operation). It never waits: the state machine calls it again (after a Wait state) until `done`.
 * Once done and not ok, it explains why: the first failed resource and its reason (that may need the events back to
 * the operation's start: a few more DescribeStackEvents pages, once), and for a manager that did not signal, the tail
 * of cfn-init's log from the log bucket. Until a call has seen a create/update running, a settled status is
 * confirmed with the change set's ExecutionStatus (./execution-started.ts: one DescribeChangeSet). The stack is addressed by deploy.stackId when known (a deleted stack
 * still answers by id, with DELETE_COMPLETE), else by config.stackName.
 */
export interface AwaitStackDeps {
  cfn: CloudFormationClient;
  s3: S3Client;
}

export const awaitStackInputSchema = stepInputWithConfig(
  z.object({
    config: runnerConfigSchema,
    deploy: deployResultSchema.optional(),
    await: awaitResultSchema.optional(),
  }),
);
export type AwaitStackInput = z.output<typeof awaitStackInputSchema>;

/** Events returned per call at most (the newest; the state machine's payload stays small). */
export const MAX_EVENTS_PER_CALL = 100;
const PAGES_PER_POLL = 3;
const PAGES_FOR_ROOT_CAUSE = 20;

export async function awaitRunnerStack(input: AwaitStackInput, ctx: StepContext<AwaitStackDeps>): Promise<AwaitResult> {
  const stackName = input.config.stackName;
  const deploy = input.deploy?.stackName === stackName ? input.deploy : undefined;
  const previous = input.await?.stackName === stackName ? input.await : undefined;
  const { cfn } = ctx.deps;
  const log = ctx.log.child({ stackName });
  const stackRef = deploy?.stackId ?? stackName;
  const polls = (previous?.polls ?? 0) + 1;

  const stack = await readStack(cfn, stackRef);
  const status = stack.status;
  let done = isDone(status);
  if (done && status !== 'NONE' && deploy?.changeSetId && needsExecutionCheck(deploy, previous)) {
    done = !(await executionPending(cfn, stackRef, deploy.changeSetId, log));
  }
  const ok = done && isOk(status, deploy?.action);
  if (status === 'NONE') {
    log.info('stack status', { status, done, ok, polls });
    return {
      stackName,
      status,
      done,
      ok,
      events: [],
      lastEventId: previous?.lastEventId,
      polls,
      ...(ok ? {} : { rootCause: rootCauseFromStack(stackName, status, undefined) }),
    };
  }

  const since = deploy?.startedAt ? new Date(deploy.startedAt) : undefined;
  const read = await readStackEvents(cfn, stackRef, stackName, {
    stopAtEventId: previous?.lastEventId,
    since,
    maxPages: PAGES_PER_POLL,
  });
  const fresh = read.events.map(summarizeEvent);
  const events = fresh.slice(-MAX_EVENTS_PER_CALL);
  if (events.length < fresh.length) log.info('older new events left out', { leftOut: fresh.length - events.length });
  const lastEventId = events.at(-1)?.eventId ?? previous?.lastEventId;

  let rootCause: RootCause | undefined;
  if (done && !ok) {
    const operation = read.wholeOperation
      ? read.events
      : (await readStackEvents(cfn, stackRef, stackName, { since, maxPages: PAGES_FOR_ROOT_CAUSE })).events;
    rootCause = await explainFailure(ctx.deps, stack, stackName, stackRef, operation, log);
    log.warn('stack operation failed', { status, rootCause });
  } else {
    log.info('stack status', { status, done, ok, polls, newEvents: events.length });
  }
  return { stackName, status, done, ok, events, lastEventId, polls, ...(rootCause ? { rootCause } : {}) };
}

async function explainFailure(
  deps: AwaitStackDeps,
  stack: StackSnapshot,
  stackName: string,
  stackRef: string,
  operation: readonly StackEvent[],
  log: Logger,
): Promise<RootCause> {
  const first = firstFailure(operation, stackName);
  if (!first) return rootCauseFromStack(stackName, stack.status, stack.statusReason);
  const cause = rootCauseFromEvent(first);
  if (!isManagerSignalFailure(first)) return cause;
  const tail = await readCfnInitTail(deps, { stackName, stackRef, instanceId: first.PhysicalResourceId }, log);
  return tail ? { ...cause, cfnInitLogTail: tail } : cause;
}

export const awaitStack = defineStep({
  name: 'await-stack',
  input: awaitStackInputSchema,
  output: awaitResultSchema,
  defaultDeps: (): AwaitStackDeps => ({ cfn: defaultCfnClient(), s3: defaultS3Client() }),
  execute: awaitRunnerStack,
});
