import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  type CreateBucketCommandInput,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { OrchestratorError } from '../../functions/shared/errors.js';

/**
 * The artifact bucket holds the rendered runner-stack templates (render-stack writes them, CloudFormation reads them
 * through TemplateURL). The orchestrator stack owns it; until that stack exists, `npm run pipeline` creates it:
 * in the config's region, encrypted (SSE-S3), with every public access blocked.
 */
export class ArtifactBucketError extends OrchestratorError {}

export interface EnsureBucketResult {
  bucket: string;
  created: boolean;
}

export async function ensureArtifactBucket(s3: S3Client, bucket: string, region: string): Promise<EnsureBucketResult> {
  if (await bucketExists(s3, bucket, region)) return { bucket, created: false };
  const input: CreateBucketCommandInput = { Bucket: bucket };
  // us-east-1 is the one region that refuses its own name as LocationConstraint.
  if (region !== 'us-east-1')
    input.CreateBucketConfiguration = { LocationConstraint: region as BucketLocationConstraint };
  try {
    await s3.send(new CreateBucketCommand(input));
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'BucketAlreadyExists') throw takenError(bucket);
    // BucketAlreadyOwnedByYou: another run created it a moment ago; we still (re)apply the settings below.
    if (name !== 'BucketAlreadyOwnedByYou') throw awsError(`create the artifact bucket ${bucket}`, error);
  }
  try {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
  } catch (error) {
    throw awsError(`configure the artifact bucket ${bucket} (encryption, public access block)`, error);
  }
  return { bucket, created: true };
}

async function bucketExists(s3: S3Client, bucket: string, region: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = (error as Error).name;
    if (status === 404 || name === 'NotFound' || name === 'NoSuchBucket') return false;
    if (status === 403) throw takenError(bucket);
    if (status === 301) {
      throw new ArtifactBucketError(
        'ARTIFACT_BUCKET_REGION',
        `The artifact bucket ${bucket} exists in another region than ${region}.`,
        'Set artifactBucket to a bucket in the config region (CloudFormation reads TemplateURL from the same region).',
      );
    }
    throw awsError(`look up the artifact bucket ${bucket}`, error);
  }
}

function takenError(bucket: string): ArtifactBucketError {
  return new ArtifactBucketError(
    'ARTIFACT_BUCKET_FORBIDDEN',
    `The artifact bucket ${bucket} exists but these credentials cannot use it (it belongs to another account, or access is denied).`,
    'Bucket names are global: set artifactBucket in the config to a name of your own (e.g. with your account id), or grant s3:ListBucket and s3:PutObject on it.',
  );
}

function awsError(what: string, error: unknown): ArtifactBucketError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ArtifactBucketError(
    'ARTIFACT_BUCKET_FAILED',
    `Could not ${what}: ${detail}`,
    'Check the AWS credentials, region and AWS_ENDPOINT_URL, and that they allow s3:CreateBucket, s3:PutEncryptionConfiguration and s3:PutBucketPublicAccessBlock.',
    { cause: error },
  );
}
