import { type CfnResource, type CfnValue, getAtt, ref, sub } from './cfn.js';

/**
 * The bucket rules of both stacks: encrypted (SSE-S3), never public, no ACLs (owner enforced), aborted multipart
 * uploads cleaned up, and optionally objects expired after `expirationDays` (0 = kept).
 */
export function secureBucketProperties(opts: {
  tags: CfnValue;
  expirationDays?: number;
  expireRuleId?: string;
  bucketName?: string;
}): Record<string, CfnValue> {
  const rules: CfnValue[] = [
    { Id: 'AbortIncompleteUploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
  ];
  if (opts.expirationDays && opts.expirationDays > 0) {
    rules.push({ Id: opts.expireRuleId ?? 'ExpireObjects', Status: 'Enabled', ExpirationInDays: opts.expirationDays });
  }
  return {
    ...(opts.bucketName ? { BucketName: opts.bucketName } : {}),
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
    Tags: opts.tags,
  };
}

/** A bucket policy that refuses every request not made over TLS. */
export function denyInsecureTransport(bucketId: string): CfnResource {
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
