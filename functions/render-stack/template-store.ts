import { createHash } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { OrchestratorError } from '../shared/errors.js';
import { redactTokens } from '../shared/redact.js';

/**
 * Rendered templates live in the artifact bucket under their content hash (`templates/<stack>/<sha256>.json`), so
 * storing one is idempotent: an unchanged template costs one HeadObject and no write. CloudFormation reads them
 * through TemplateURL (templates exceed the 51,200-byte TemplateBody limit).
 */
export class ArtifactStoreError extends OrchestratorError {}

/** SHA-256 (hex) of the template body: the object key and the stack tag of deploy-stack's no-op check. */
export const templateHash = (body: string): string => createHash('sha256').update(body, 'utf8').digest('hex');

export const templateKey = (stackName: string, hash: string): string => `templates/${stackName}/${hash}.json`;

/**
 * The TemplateURL CloudFormation reads: virtual-hosted style (`https://<bucket>.s3.<region>.amazonaws.com/<key>`),
 * path style (`https://s3.<region>.amazonaws.com/<bucket>/<key>`) for bucket names with dots (their TLS name
 * would not match). The same URL serves moto: its CloudFormation reads the object from its own S3 by bucket and key
 * parsed from an amazonaws.com URL, whereas a path-style URL on `http://127.0.0.1:<port>` makes moto 5.2 take
 * "127" for the bucket (NoSuchBucket; test/integration/render-stack.test.ts shows both).
 */
export function templateUrl(bucket: string, key: string, region: string): string {
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  const path = key.split('/').map(encodeURIComponent).join('/');
  return bucket.includes('.')
    ? `https://s3.${region}.${domain}/${bucket}/${path}`
    : `https://${bucket}.s3.${region}.${domain}/${path}`;
}

export interface StoreTemplateResult {
  /** False when the object was already there (same key = same content). */
  uploaded: boolean;
}

export async function storeTemplate(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string,
): Promise<StoreTemplateResult> {
  const size = Buffer.byteLength(body, 'utf8');
  if (await hasObject(s3, bucket, key, size)) return { uploaded: false };
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        ServerSideEncryption: 'AES256',
      }),
    );
  } catch (error) {
    throw storeError(error, bucket, 'write');
  }
  return { uploaded: true };
}

/** True when the object exists with the expected size; a 403 (no s3:ListBucket) counts as absent: the write decides. */
async function hasObject(s3: S3Client, bucket: string, key: string, size: number): Promise<boolean> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ContentLength === undefined || head.ContentLength === size;
  } catch (error) {
    const status = httpStatus(error);
    const name = (error as Error | undefined)?.name;
    if (status === 404 || status === 403 || name === 'NotFound' || name === 'NoSuchKey') return false;
    throw storeError(error, bucket, 'look up');
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function storeError(error: unknown, bucket: string, what: 'write' | 'look up'): ArtifactStoreError {
  const name = (error as Error | undefined)?.name ?? 'Error';
  const status = httpStatus(error);
  const detail = redactTokens(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  if (name === 'NoSuchBucket') {
    return new ArtifactStoreError(
      'ARTIFACT_BUCKET_MISSING',
      `The artifact bucket ${bucket} (artifactBucket in the config) does not exist.`,
      'Run `npm run pipeline -- --config <file>` (it creates the bucket when missing) or deploy the orchestrator stack, which owns it; or fix artifactBucket.',
    );
  }
  if (name === 'AccessDenied' || status === 403) {
    return new ArtifactStoreError(
      'ARTIFACT_BUCKET_FORBIDDEN',
      `Could not ${what} the template in the artifact bucket ${bucket}: ${detail}`,
      'The bucket belongs to another account or the role lacks s3:PutObject / s3:GetObject / s3:ListBucket on it: fix artifactBucket or the role.',
    );
  }
  if (name === 'PermanentRedirect' || status === 301) {
    return new ArtifactStoreError(
      'ARTIFACT_BUCKET_REGION',
      `The artifact bucket ${bucket} is in another region than the one the step runs in.`,
      'Use a bucket in the config region (CloudFormation reads TemplateURL from the stack region).',
    );
  }
  return new ArtifactStoreError(
    'ARTIFACT_STORE_FAILED',
    `Could not ${what} the template in the artifact bucket ${bucket}: ${detail}`,
    'Usually transient (throttling, a 5xx of S3, the network): retry the step. If it persists, check the region, AWS_ENDPOINT_URL and credentials.',
  );
}
