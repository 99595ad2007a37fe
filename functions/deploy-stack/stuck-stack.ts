import { type CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { cfnCall } from '../shared/cfn-call.js';
import { StackError } from '../shared/errors.js';
import { redactTokens } from '../shared/redact.js';
import type { StackSnapshot } from './stack-state.js';

/**
 * A stack in a *_FAILED state needs a human: deploy-stack never deletes or rolls it back by itself (a runner that
 * worked before must never be lost). The error names the resources CloudFormation could not handle, with their
 * reasons, and the command that gets the stack moving again.
 */
export interface FailedResource {
  logicalId: string;
  physicalId?: string;
  resourceType: string;
  status: string;
  reason: string;
}

const MAX_PAGES = 5;

/** The stack's resources whose status ends in _FAILED (ListStackResources, a few pages at most). */
export async function failedResources(cfn: CloudFormationClient, stack: StackSnapshot): Promise<FailedResource[]> {
  const failed: FailedResource[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await cfnCall('ListStackResources', stack.stackName, () =>
      cfn.send(new ListStackResourcesCommand({ StackName: stack.stackId ?? stack.stackName, NextToken: token })),
    );
    for (const r of out.StackResourceSummaries ?? []) {
      if (!r.ResourceStatus?.endsWith('_FAILED')) continue;
      failed.push({
        logicalId: r.LogicalResourceId ?? '?',
        physicalId: r.PhysicalResourceId,
        resourceType: r.ResourceType ?? '?',
        status: r.ResourceStatus,
        reason: redactTokens(r.ResourceStatusReason ?? 'no reason given'),
      });
    }
    token = out.NextToken;
    if (!token) break;
  }
  return failed;
}

/** Hints for the usual reasons a runner stack's resource cannot be deleted. */
function deleteAdvice(resources: readonly FailedResource[]): string[] {
  const advice: string[] = [];
  if (resources.some((r) => r.resourceType === 'AWS::S3::Bucket')) {
    advice.push(
      'empty the bucket(s) first (aws s3 rm s3://<bucket> --recursive; versioned buckets: delete versions too)',
    );
  }
  if (resources.some((r) => /Subnet|SecurityGroup|VPC/.test(r.resourceType))) {
    advice.push(
      'terminate runner machines the manager left behind (docker+machine: EC2 instances named runner-*; ' +
        'docker-autoscaler: the Auto Scaling group instances) and delete their leftover network interfaces',
    );
  }
  return advice;
}

function listLines(resources: readonly FailedResource[]): string {
  if (resources.length === 0) return '  (no resource is marked failed; see the stack events)';
  return resources.map((r) => `  ${r.logicalId} (${r.resourceType}) ${r.status}: ${r.reason}`).join('\n');
}

/** The StackError for a stack deploy-stack cannot start from; reads the failed resources (one or a few calls). */
export async function stuckStackError(cfn: CloudFormationClient, stack: StackSnapshot): Promise<StackError> {
  const resources = await failedResources(cfn, stack);
  const name = stack.stackName;
  const ids = resources.map((r) => r.logicalId);
  const reason = stack.statusReason ? ` (${redactTokens(stack.statusReason)})` : '';
  const message = `Stack ${name} is ${stack.status}${reason}; deploy-stack cannot start a change set from it.\nFailed resources:\n${listLines(resources)}`;
  const rerun = 'then run the pipeline again';
  switch (stack.status) {
    case 'UPDATE_ROLLBACK_FAILED':
      return new StackError(
        'STACK_UPDATE_ROLLBACK_FAILED',
        message,
        `Fix the resources above if you can, then: aws cloudformation continue-update-rollback --stack-name ${name}` +
          (ids.length > 0 ? ` (if they cannot be fixed, add --resources-to-skip ${ids.join(' ')})` : '') +
          `; ${rerun}.`,
      );
    case 'DELETE_FAILED': {
      const advice = deleteAdvice(resources);
      return new StackError(
        'STACK_DELETE_FAILED',
        message,
        `${advice.length > 0 ? `${advice.join('; ')}; then ` : ''}aws cloudformation delete-stack --stack-name ${name}` +
          (ids.length > 0 ? ` (or keep what cannot go with --retain-resources ${ids.join(' ')})` : '') +
          `; ${rerun} (it creates the stack anew).`,
      );
    }
    case 'ROLLBACK_FAILED':
      return new StackError(
        'STACK_ROLLBACK_FAILED',
        message,
        `This failed create holds no working runner. Remove what blocks the resources above, then: aws cloudformation delete-stack --stack-name ${name}` +
          (ids.length > 0 ? ` (or --retain-resources ${ids.join(' ')} and clean them up by hand)` : '') +
          `; ${rerun}.`,
      );
    case 'CREATE_FAILED':
    case 'UPDATE_FAILED':
      return new StackError(
        'STACK_ROLLBACK_DISABLED',
        message,
        `The stack was left failed with rollback disabled. Roll it back: aws cloudformation rollback-stack --stack-name ${name}; ${rerun}.`,
      );
    default:
      return new StackError(
        'STACK_STUCK',
        message,
        `Read the stack events in the CloudFormation console and bring the stack back to a *_COMPLETE state; ${rerun}.`,
      );
  }
}
