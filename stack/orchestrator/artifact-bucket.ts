import type { CfnResource } from '../shared/cfn.js';
import { denyInsecureTransport, secureBucketProperties } from '../shared/s3-bucket.js';
import type { OrchestratorContext } from './context.js';
import { orchestratorTags } from './context.js';

export const ARTIFACT_BUCKET_ID = 'ArtifactBucket';

/**
 * The artifact bucket (config.artifactBucket): rendered runner-stack templates (`templates/<stack>/<sha256>.json`)
 * and the Lambda bundles (`lambda/<sha256>.zip`). Encrypted, never public, no ACLs, TLS only. Retained when the
 * stack is deleted or the bucket replaced: CloudFormation may still need a template during a runner-stack
 * rollback, and `npm run deploy` adopts an existing bucket of that name (see README, "Orchestrator stack").
 */
export function artifactBucket(ctx: OrchestratorContext): CfnResource {
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: secureBucketProperties({
      bucketName: ctx.config.artifactBucket,
      tags: orchestratorTags(ctx.config, 'artifacts'),
    }),
  };
}

/** Refuses every request that does not come over TLS. */
export function artifactBucketPolicy(): CfnResource {
  return denyInsecureTransport(ARTIFACT_BUCKET_ID);
}
