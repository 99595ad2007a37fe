import { type CfnResource, getAtt, ref, sub } from '../shared/cfn.js';
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
    Properties: {
      BucketName: ctx.config.artifactBucket,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'AbortIncompleteUploads',
            Status: 'Enabled',
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
      },
      Tags: orchestratorTags(ctx.config, 'artifacts'),
    },
  };
}

/** Refuses every request that does not come over TLS. */
export function artifactBucketPolicy(): CfnResource {
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: ref(ARTIFACT_BUCKET_ID),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            // A Deny: the wildcard makes it cover every S3 action, which is what a TLS-only rule must do.
            Action: 's3:*',
            Resource: [getAtt(ARTIFACT_BUCKET_ID, 'Arn'), sub(`\${${ARTIFACT_BUCKET_ID}.Arn}/*`)],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    },
  };
}
