// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { type CfnValue, escapeSub, sub } from '../shared/cfn.js';

/**
 * The ARNs the orchestrator's policies are scoped to. Everything lives in the orchestrator stack's own account and
 * region (`${AWS::Region}`, `${AWS::AccountId}`), which are the runner stack's too: deploy-stack creates it there.
 */

export { tokenParameterArn } from '../runner/iam.js';

/** Prefix of the runner stack's change sets (functions/deploy-stack/change-set-plan.ts, `changeSetName`). */
export const RUNNER_CHANGE_SET_PREFIX = 'gro-';

/** Every stack of that name, whatever its id (a recreated stack gets a new id). */
export const runnerStackArn = (stackName: string): CfnValue =>
  sub(`arn:\${AWS::Partition}:cloudformation:\${AWS::Region}:\${AWS::AccountId}:stack/${escapeSub(stackName)}/*`);

/** The change sets deploy-stack names (`gro-<hash>-v<version>-<time>`). */
export const runnerChangeSetArn = (): CfnValue =>
  sub(
    `arn:\${AWS::Partition}:cloudformation:\${AWS::Region}:\${AWS::AccountId}:changeSet/${RUNNER_CHANGE_SET_PREFIX}*/*`,
  );

export const bucketArn = (bucket: string): CfnValue => sub(`arn:\${AWS::Partition}:s3:::${escapeSub(bucket)}`);
export const objectArn = (bucket: string, keyPattern: string): CfnValue =>
  sub(`arn:\${AWS::Partition}:s3:::${escapeSub(bucket)}/${escapeSub(keyPattern)}`);

/** How many characters of the stack name the name patterns keep (see generatedNamePrefix). */
export const GENERATED_NAME_PREFIX_CHARS = 16;

/**
 * The start of names CloudFormation generates for the runner stack's unnamed resources (buckets, IAM roles,
 * instance profiles): `<stack name>-<logical id>-<random>`, the stack name cut when the whole is too long, and
 * lowercased for buckets. The patterns keep at most the first 16 characters of the stack name and end in `*`.
 */
export function generatedNamePrefix(stackName: string, lowercase = false): string {
  const name = lowercase ? stackName.toLowerCase() : stackName;
  return name.length <= GENERATED_NAME_PREFIX_CHARS ? `${name}-` : name.slice(0, GENERATED_NAME_PREFIX_CHARS);
}

/** The runner stack's LogBucket (and CacheBucket): CloudFormation names them, so a name pattern. */
export const runnerBucketArnPattern = (stackName: string): CfnValue =>
  sub(`arn:\${AWS::Partition}:s3:::${escapeSub(generatedNamePrefix(stackName, true))}*`);

export const runnerBucketObjectArnPattern = (stackName: string, keyPattern: string): CfnValue =>
  sub(`arn:\${AWS::Partition}:s3:::${escapeSub(generatedNamePrefix(stackName, true))}*/${escapeSub(keyPattern)}`);

export const iamArnPattern = (kind: 'role' | 'instance-profile' | 'policy', stackName: string): CfnValue =>
  sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:${kind}/${escapeSub(generatedNamePrefix(stackName))}*`);

/**
 * The SSM parameters that hold AMI ids (`AWS::SSM::Parameter::Value<…>` template parameters, resolved by
 * CloudFormation with the caller's rights): AWS public parameters (`/aws/service/…`) have no account in their ARN.
 */
export function imageParameterArns(config: RunnerConfig): CfnValue[] {
  const ids = [config.manager.imageId];
  if (config.executor.type === 'docker-autoscaler') ids.push(config.executor.imageId);
  const paths = [...new Set(ids.filter((id) => !/^ami-[0-9a-f]+$/.test(id)))];
  return paths.map((path) => {
    const name = escapeSub(path.replace(/^\//, ''));
    return path.startsWith('/aws/')
      ? sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}::parameter/${name}`)
      : sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name}`);
  });
}
