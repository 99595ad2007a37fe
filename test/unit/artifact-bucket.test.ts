import {
  CreateBucketCommand,
  HeadBucketCommand,
  NotFound,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ArtifactBucketError, ensureArtifactBucket } from '../../scripts/lib/artifact-bucket.js';

/** The artifact bucket `npm run pipeline` creates when missing (HeadBucket / CreateBucket), against a mocked S3. */
const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'eu-west-1' });

const httpError = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });

describe('ensureArtifactBucket', () => {
  beforeEach(() => {
    s3Mock.reset();
    s3Mock.on(CreateBucketCommand).resolves({});
    s3Mock.on(PutBucketEncryptionCommand).resolves({});
    s3Mock.on(PutPublicAccessBlockCommand).resolves({});
  });

  it('leaves an existing bucket alone', async () => {
    // Prepare
    s3Mock.on(HeadBucketCommand).resolves({});
    // Act
    const result = await ensureArtifactBucket(s3, 'artifacts', 'eu-west-1');
    // Assess
    expect(result).toEqual({ bucket: 'artifacts', created: false });
    expect(s3Mock.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });

  it('creates a missing bucket in the config region, encrypted, with all public access blocked', async () => {
    // Prepare
    s3Mock.on(HeadBucketCommand).rejects(new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'Not Found' }));
    // Act
    const result = await ensureArtifactBucket(s3, 'artifacts', 'eu-west-1');
    // Assess
    expect(result.created).toBe(true);
    expect(s3Mock.commandCalls(CreateBucketCommand)[0]?.args[0].input).toEqual({
      Bucket: 'artifacts',
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    });
    expect(s3Mock.commandCalls(PutBucketEncryptionCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'artifacts',
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    expect(s3Mock.commandCalls(PutPublicAccessBlockCommand)[0]?.args[0].input).toEqual({
      Bucket: 'artifacts',
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it('sends no LocationConstraint in us-east-1 (S3 refuses it there)', async () => {
    // Prepare
    s3Mock.on(HeadBucketCommand).rejects(httpError('NotFound', 404));
    // Act
    await ensureArtifactBucket(s3, 'artifacts', 'us-east-1');
    // Assess
    expect(s3Mock.commandCalls(CreateBucketCommand)[0]?.args[0].input).toEqual({ Bucket: 'artifacts' });
  });

  it('refuses a bucket of another account (403) with a typed error telling to pick another name', async () => {
    // Prepare
    s3Mock.on(HeadBucketCommand).rejects(httpError('Forbidden', 403));
    // Act
    const run = ensureArtifactBucket(s3, 'artifacts', 'eu-west-1');
    // Assess
    await expect(run).rejects.toBeInstanceOf(ArtifactBucketError);
    await expect(run).rejects.toMatchObject({ code: 'ARTIFACT_BUCKET_FORBIDDEN' });
    expect(s3Mock.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });

  it('reports a bucket name taken between HeadBucket and CreateBucket as taken', async () => {
    // Prepare
    s3Mock.on(HeadBucketCommand).rejects(httpError('NotFound', 404));
    s3Mock.on(CreateBucketCommand).rejects(httpError('BucketAlreadyExists', 409));
    // Act
    const run = ensureArtifactBucket(s3, 'artifacts', 'eu-west-1');
    // Assess
    await expect(run).rejects.toMatchObject({ code: 'ARTIFACT_BUCKET_FORBIDDEN' });
  });

  it('accepts a bucket this account created meanwhile, and still applies the settings', async () => {
    // Prepare
    s3Mock.on(HeadBucketCommand).rejects(httpError('NotFound', 404));
    s3Mock.on(CreateBucketCommand).rejects(httpError('BucketAlreadyOwnedByYou', 409));
    // Act
    const result = await ensureArtifactBucket(s3, 'artifacts', 'eu-west-1');
    // Assess
    expect(result.created).toBe(true);
    expect(s3Mock.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(1);
  });

  it('wraps any other S3 failure (throttling, 5xx after retries) in a typed error with the SDK reason', async () => {
    // Prepare
    s3Mock.on(HeadBucketCommand).rejects(httpError('SlowDown', 503));
    // Act
    const run = ensureArtifactBucket(s3, 'artifacts', 'eu-west-1');
    // Assess
    await expect(run).rejects.toMatchObject({ code: 'ARTIFACT_BUCKET_FAILED' });
    await expect(run).rejects.toThrow(/SlowDown/);
  });
});
