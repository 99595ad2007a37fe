import { readFile } from 'node:fs/promises';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { OrchestratorError } from '../../functions/shared/errors.js';
import type { BundleResult } from './bundles.js';

/**
 * The Lambda zips in the artifact bucket, under their content hash: `lambda/<sha256>.zip`. The same bundle is
 * uploaded once (HeadObject first); a new bundle gets a new key, which is what makes CloudFormation update the
 * function's code.
 */
export class CodeUploadError extends OrchestratorError {}

export const LAMBDA_CODE_PREFIX = 'lambda';
export const codeKey = (zipSha256: string): string => `${LAMBDA_CODE_PREFIX}/${zipSha256}.zip`;

export interface UploadedCode {
  step: string;
  key: string;
  /** False when the object was already there. */
  uploaded: boolean;
  bytes: number;
}

export async function uploadLambdaCode(
  s3: S3Client,
  bucket: string,
  bundles: readonly BundleResult[],
): Promise<UploadedCode[]> {
  const out: UploadedCode[] = [];
  for (const bundle of bundles) {
    const key = codeKey(bundle.zipSha256);
    if (await exists(s3, bucket, key)) {
      out.push({ step: bundle.step, key, uploaded: false, bytes: bundle.zipBytes });
      continue;
    }
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: await readFile(bundle.zipFile),
          ContentType: 'application/zip',
          ServerSideEncryption: 'AES256',
        }),
      );
    } catch (error) {
      throw new CodeUploadError(
        'LAMBDA_CODE_UPLOAD_FAILED',
        `Could not upload ${bundle.zipFile} to s3://${bucket}/${key}: ${(error as Error).name}: ${(error as Error).message}`,
        'Check the credentials (s3:PutObject on the artifact bucket) and AWS_REGION, then run `npm run deploy` again.',
        { cause: error },
      );
    }
    out.push({ step: bundle.step, key, uploaded: true, bytes: bundle.zipBytes });
  }
  return out;
}

async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403 || (error as Error).name === 'NotFound') return false;
    throw new CodeUploadError(
      'LAMBDA_CODE_LOOKUP_FAILED',
      `Could not look up s3://${bucket}/${key}: ${(error as Error).name}: ${(error as Error).message}`,
      'Check the credentials, AWS_REGION and AWS_ENDPOINT_URL, then run `npm run deploy` again.',
      { cause: error },
    );
  }
}
