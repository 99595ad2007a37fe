import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * The SDK clients every step uses, created once per Lambda container (or per CLI run).
 * Region and endpoint come from the usual AWS variables: `AWS_REGION`, and `AWS_ENDPOINT_URL`, which SDK v3
 * honours by itself (moto locally). Retries: the SDK's adaptive mode handles throttling and 5xx with backoff;
 * `AWS_MAX_ATTEMPTS` overrides the attempt count (moto runs use 1 so a server error is never hidden).
 * S3 uses path-style addressing when an endpoint is set (`<bucket>.127.0.0.1` does not resolve).
 */
export interface AwsClients {
  cfn: CloudFormationClient;
  ssm: SSMClient;
  s3: S3Client;
}

export interface AwsClientOptions {
  region?: string;
  endpoint?: string;
  maxAttempts?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** The settings every client shares (region, endpoint, credentials, retries). */
export function awsClientConfig(options: AwsClientOptions = {}) {
  const envAttempts = Number(process.env.AWS_MAX_ATTEMPTS);
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? (Number.isFinite(envAttempts) && envAttempts > 0 ? envAttempts : 5),
    retryMode: 'adaptive' as const,
  };
}

export const createCfnClient = (options: AwsClientOptions = {}) => new CloudFormationClient(awsClientConfig(options));
export const createSsmClient = (options: AwsClientOptions = {}) => new SSMClient(awsClientConfig(options));
export const createS3Client = (options: AwsClientOptions = {}) =>
  new S3Client({
    ...awsClientConfig(options),
    forcePathStyle: Boolean(options.endpoint ?? process.env.AWS_ENDPOINT_URL),
  });

/** All three clients (scripts and tests; a Lambda takes only the ones it uses, below, to keep its bundle small). */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  return { cfn: createCfnClient(options), ssm: createSsmClient(options), s3: createS3Client(options) };
}

/*
 * Clients shared by the handlers of one process, each created on first use (not at import: keeps cold start small).
 * One getter per client so that esbuild leaves the unused SDK clients out of a step's bundle.
 */
let cfn: CloudFormationClient | undefined;
let ssm: SSMClient | undefined;
let s3: S3Client | undefined;
export const defaultCfnClient = (): CloudFormationClient => {
  cfn ??= createCfnClient();
  return cfn;
};
export const defaultSsmClient = (): SSMClient => {
  ssm ??= createSsmClient();
  return ssm;
};
export const defaultS3Client = (): S3Client => {
  s3 ??= createS3Client();
  return s3;
};
