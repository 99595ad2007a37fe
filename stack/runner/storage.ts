import type { CfnResource, CfnValue } from '../shared/cfn.js';
import { getAtt, ref, sub } from '../shared/cfn.js';
import { type RunnerStackContext, resourceTags } from './context.js';

/** Rules every bucket gets: encrypted, never public, no ACLs, aborted uploads cleaned up. */
function bucket(ctx: RunnerStackContext, role: string, expirationDays: number, expireRuleId: string): CfnResource {
  const rules: CfnValue[] = [
    { Id: 'AbortIncompleteUploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
  ];
  if (expirationDays > 0) rules.push({ Id: expireRuleId, Status: 'Enabled', ExpirationInDays: expirationDays });
  return {
    Type: 'AWS::S3::Bucket',
    Properties: {
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
      LifecycleConfiguration: { Rules: rules },
      Tags: resourceTags(ctx.config, role),
    },
  };
}

/** Refuses every request that does not come over TLS. */
function denyInsecureTransport(bucketId: string): CfnResource {
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: ref(bucketId),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            // A Deny: the wildcard makes it cover every S3 action, which is what a TLS-only rule must do.
            Action: 's3:*',
            Resource: [getAtt(bucketId, 'Arn'), sub(`\${${bucketId}.Arn}/*`)],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    },
  };
}

/**
 * CacheBucket: the runners' shared S3 cache (disposable, deleted with the stack; emptied first by teardown).
 * LogBucket: what the manager ships every minute and the health check's reports. Kept when the stack is deleted or
 * rolled back, so a failed create can still be explained from cfn-init's shipped log.
 */
export function storageResources(ctx: RunnerStackContext): Record<string, CfnResource> {
  const { config } = ctx;
  return {
    CacheBucket: {
      ...bucket(ctx, 'cache', config.cache.expirationDays, 'ExpireCacheObjects'),
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    },
    CacheBucketPolicy: denyInsecureTransport('CacheBucket'),
    LogBucket: {
      ...bucket(ctx, 'logs', config.logs.retentionDays, 'ExpireLogs'),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    },
    LogBucketPolicy: denyInsecureTransport('LogBucket'),
  };
}
