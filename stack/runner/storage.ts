import type { CfnResource } from '../shared/cfn.js';
import { denyInsecureTransport, secureBucketProperties } from '../shared/s3-bucket.js';
import { type RunnerStackContext, resourceTags } from './context.js';

function bucket(ctx: RunnerStackContext, role: string, expirationDays: number, expireRuleId: string): CfnResource {
  return {
    Type: 'AWS::S3::Bucket',
    Properties: secureBucketProperties({ tags: resourceTags(ctx.config, role), expirationDays, expireRuleId }),
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
