import { type CloudFormationClient, DescribeChangeSetCommand } from '@aws-sdk/client-cloudformation';
import type { AwaitResult, DeployResult } from '../shared/contracts.js';
import type { Logger } from '../shared/logger.js';

/**
 * ExecuteChangeSet returns before CloudFormation has necessarily moved the stack: a status read right after it
 * can still show the state *before* the operation (UPDATE_COMPLETE of the last update, REVIEW_IN_PROGRESS of a
 * stack being created) and would pass for "done". So, as long as no call has seen the operation running, a
 * settled status after create/update is confirmed with the change set's ExecutionStatus (one DescribeChangeSet):
 * AVAILABLE (not started yet) or EXECUTE_IN_PROGRESS means "not done yet". No clock is compared, so a skewed
 * laptop clock cannot make this wait forever. If the change set cannot be read, the status stands.
 */
const NOT_STARTED_OR_RUNNING = new Set(['AVAILABLE', 'EXECUTE_IN_PROGRESS']);

export function needsExecutionCheck(deploy: DeployResult | undefined, previous: AwaitResult | undefined): boolean {
  if (!deploy?.changeSetId || (deploy.action !== 'create' && deploy.action !== 'update')) return false;
  const seenRunning = previous !== undefined && !previous.done && previous.status.endsWith('_IN_PROGRESS');
  return !seenRunning;
}

export async function executionPending(
  cfn: CloudFormationClient,
  stackRef: string,
  changeSetId: string,
  log: Logger,
): Promise<boolean> {
  try {
    const cs = await cfn.send(new DescribeChangeSetCommand({ StackName: stackRef, ChangeSetName: changeSetId }));
    const pending = NOT_STARTED_OR_RUNNING.has(cs.ExecutionStatus ?? '');
    if (pending) log.info('change set not executed yet', { executionStatus: cs.ExecutionStatus });
    return pending;
  } catch (error) {
    log.info('change set not readable; trusting the stack status', { error });
    return false;
  }
}
