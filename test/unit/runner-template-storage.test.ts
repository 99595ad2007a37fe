import { describe, expect, it } from '@jest/globals';
import { buildRunnerTemplate } from '../../stack/runner/index.js';
import { configOf, resource } from './runner-template-support.js';

describe('runner template buckets', () => {
  const template = buildRunnerTemplate(configOf({ cache: { expirationDays: 14 }, logs: { retentionDays: 90 } }));

  it.each(['CacheBucket', 'LogBucket'])('%s is encrypted, never public, and ignores ACLs', (id) => {
    // Act
    const properties = resource(template, id).Properties;
    // Assess
    expect(properties?.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: expect.stringMatching(/^(AES256|aws:kms)$/) } },
    ]);
    expect(properties?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(properties?.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });

  it.each(['CacheBucket', 'LogBucket'])('%s refuses requests that do not use TLS', (id) => {
    // Act
    const policy = resource(template, `${id}Policy`).Properties;
    // Assess
    expect(policy?.Bucket).toEqual({ Ref: id });
    expect(policy?.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Resource: [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Sub': `\${${id}.Arn}/*` }],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('expires cache objects and logs after the configured days', () => {
    // Act
    const cacheRules = resource(template, 'CacheBucket').Properties?.LifecycleConfiguration.Rules;
    const logRules = resource(template, 'LogBucket').Properties?.LifecycleConfiguration.Rules;
    // Assess
    expect(cacheRules).toContainEqual(expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 14 }));
    expect(logRules).toContainEqual(expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 90 }));
  });

  it('keeps cache objects forever when expirationDays is 0 (no expiration rule)', () => {
    // Prepare
    const keepForever = buildRunnerTemplate(configOf({ cache: { expirationDays: 0 } }));
    // Act
    const rules = resource(keepForever, 'CacheBucket').Properties?.LifecycleConfiguration.Rules as object[];
    // Assess
    expect(rules.filter((rule) => 'ExpirationInDays' in rule)).toEqual([]);
  });

  it('keeps the log bucket when the stack is deleted or rolled back (a failed create can still be explained)', () => {
    // Act
    const logs = resource(template, 'LogBucket');
    // Assess
    expect(logs.DeletionPolicy).toBe('Retain');
    expect(logs.UpdateReplacePolicy).toBe('Retain');
  });
});
