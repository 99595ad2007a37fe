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

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL;
  const envAttempts = Number(process.env.AWS_MAX_ATTEMPTS);
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? (Number.isFinite(envAttempts) && envAttempts > 0 ? envAttempts : 5),
    retryMode: 'adaptive' as const,
  };
  return {
    cfn: new CloudFormationClient(common),
    ssm: new SSMClient(common),
    s3: new S3Client({ ...common, forcePathStyle: Boolean(endpoint) }),
  };
}

let cached: AwsClients | undefined;

/** Clients shared by the handlers of one process (created on first use, not at import: keeps cold start small). */
export function defaultAwsClients(): AwsClients {
  cached ??= createAwsClients();
  return cached;
}
