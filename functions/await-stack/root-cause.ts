import type { StackEvent } from '@aws-sdk/client-cloudformation';
import type { RootCause } from '../shared/contracts.js';
import { redactTokens } from '../shared/redact.js';
import { MANAGER_LOGICAL_ID } from '../shared/runner-stack.js';
import { isStackItself } from './stack-events.js';

/**
 * The root cause of a failed operation: the chronologically FIRST resource event with a *_FAILED status whose
 * reason is not a cancellation (CloudFormation cancels every resource still in flight once one fails; those
 * events say "Resource creation cancelled" and hide the real culprit). Cancellations only when nothing else
 * failed; then the stack's own failed event; then the stack's status reason.
 */
const CANCELLED = /Resource (creation|update|deletion) cancelled/i;
/** The manager did not signal success: cfn-init failed, or never ran (its log tells which). */
const SIGNAL_FAILURE = /signal|WaitCondition|Failed to receive/i;

/** `events` oldest first. */
export function firstFailure(events: readonly StackEvent[], stackName: string): StackEvent | undefined {
  const failed = events.filter((e) => (e.ResourceStatus ?? '').endsWith('_FAILED'));
  const resources = failed.filter((e) => !isStackItself(e, stackName));
  return (
    resources.find((e) => !CANCELLED.test(e.ResourceStatusReason ?? '')) ??
    resources[0] ??
    failed.find((e) => isStackItself(e, stackName))
  );
}

export function isManagerSignalFailure(e: StackEvent): boolean {
  return e.LogicalResourceId === MANAGER_LOGICAL_ID && SIGNAL_FAILURE.test(e.ResourceStatusReason ?? '');
}

export function rootCauseFromEvent(e: StackEvent): RootCause {
  return {
    logicalId: e.LogicalResourceId ?? '?',
    resourceType: e.ResourceType ?? '?',
    status: e.ResourceStatus ?? '?',
    reason: redactTokens(e.ResourceStatusReason ?? 'no reason given'),
  };
}

/** When no event explains the status (events already gone, or a stack-level problem). */
export function rootCauseFromStack(stackName: string, status: string, statusReason: string | undefined): RootCause {
  const reasons: Record<string, string> = {
    NONE: 'The stack does not exist (it was deleted, or never created).',
    DELETE_COMPLETE: 'The stack was deleted.',
    REVIEW_IN_PROGRESS:
      'The stack was never created: its CREATE change set was not executed (or failed). Run deploy-stack again.',
  };
  return {
    logicalId: stackName,
    resourceType: 'AWS::CloudFormation::Stack',
    status,
    reason: redactTokens(
      statusReason ?? reasons[status] ?? 'No failed resource event was found; see the stack events.',
    ),
  };
}
