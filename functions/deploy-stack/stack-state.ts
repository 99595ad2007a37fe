import { type CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { isStackMissing, toStackError } from '../shared/cfn-call.js';

/**
 * What deploy-stack can find when it looks at the runner stack, and what each finding means for it.
 * Statuses: https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html (StackStatus).
 */
export type StackSituation =
  /** No stack (never created, or DELETE_COMPLETE): a CREATE change set. */
  | 'none'
  /** Created by a CREATE change set that was never executed: no resources yet, a new CREATE change set. */
  | 'review'
  /** A settled stack an UPDATE change set can start from. */
  | 'updatable'
  /** A failed create: cannot be updated, only deleted (it holds no working runner). */
  | 'rollback-complete'
  /** CloudFormation is working on it: report busy, never touch it. */
  | 'in-progress'
  /** Stuck: needs a human (continue-update-rollback, delete with retained resources, rollback-stack). */
  | 'stuck';

const UPDATABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

export function classifyStackStatus(status: string): StackSituation {
  if (status === 'NONE' || status === 'DELETE_COMPLETE') return 'none';
  if (status === 'REVIEW_IN_PROGRESS') return 'review';
  if (UPDATABLE.has(status)) return 'updatable';
  if (status === 'ROLLBACK_COMPLETE') return 'rollback-complete';
  if (status.endsWith('_IN_PROGRESS')) return 'in-progress';
  // *_FAILED (CREATE, UPDATE, ROLLBACK, UPDATE_ROLLBACK, DELETE, IMPORT_ROLLBACK) and any status AWS adds later.
  return 'stuck';
}

export interface StackSnapshot {
  stackName: string;
  /** 'NONE' when the stack does not exist. */
  status: string;
  stackId?: string;
  statusReason?: string;
  tags: Record<string, string>;
}

/** One DescribeStacks. A stack that does not exist is `status: 'NONE'`, not an error. */
export async function readStack(cfn: CloudFormationClient, stackName: string): Promise<StackSnapshot> {
  let stack: Stack | undefined;
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    stack = out.Stacks?.[0];
  } catch (error) {
    if (!isStackMissing(error)) throw toStackError(error, 'CloudFormation', 'DescribeStacks', `stack ${stackName}`);
  }
  if (!stack) return { stackName, status: 'NONE', tags: {} };
  return {
    stackName,
    status: stack.StackStatus ?? 'UNKNOWN',
    stackId: stack.StackId,
    statusReason: stack.StackStatusReason,
    tags: Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
  };
}
