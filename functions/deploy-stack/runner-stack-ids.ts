/**
 * Logical ids of the runner stack that the deploy and await steps look for. They mirror stack/runner
 * (BASTION_INSTANCE_ID in stack/runner/bastion.ts, LogBucket in stack/runner/storage.ts); they are copied rather
 * than imported so the Lambda bundles do not pull in the template builder. test/unit/deploy-stack.test.ts checks
 * that both still match the builder's template.
 */
export const MANAGER_LOGICAL_ID = 'BastionInstance';
export const LOG_BUCKET_LOGICAL_ID = 'LogBucket';
