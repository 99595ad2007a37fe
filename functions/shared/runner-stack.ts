import { type CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';

/**
 * Logical ids of the runner stack that the steps look for. They mirror stack/runner (BASTION_INSTANCE_ID in
 * stack/runner/bastion.ts, LogBucket in stack/runner/storage.ts); they are copied rather than imported so the Lambda
 * bundles do not pull in the template builder. test/unit/deploy-stack.test.ts checks that both still match.
 */
export const MANAGER_LOGICAL_ID = 'BastionInstance';
export const LOG_BUCKET_LOGICAL_ID = 'LogBucket';

/** Physical id (bucket name) of the runner stack's LogBucket, or undefined when the stack has none. One API call. */
export async function runnerLogBucketName(cfn: CloudFormationClient, stack: string): Promise<string | undefined> {
  const out = await cfn.send(
    new DescribeStackResourcesCommand({ StackName: stack, LogicalResourceId: LOG_BUCKET_LOGICAL_ID }),
  );
  return out.StackResources?.find((r) => r.LogicalResourceId === LOG_BUCKET_LOGICAL_ID)?.PhysicalResourceId;
}
