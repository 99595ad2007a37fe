/**
 * Points AWS SDK v3 clients at a local endpoint (moto). Returns plain config so that tests need not touch
 * process.env; `awsEnv` gives the same as environment variables for child processes or the demo.
 */

/** Documented AWS example credentials; moto accepts any. Never real ones. */
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
} as const;

export const DEFAULT_TEST_REGION = 'eu-west-1';

export interface LocalClientConfig {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * 1: a local server has no transient errors, and an SDK retry of a call that failed with HTTP 500 hides moto's
   * failure (a retried ExecuteChangeSet reported CREATE_COMPLETE with half the resources missing).
   */
  maxAttempts: number;
}

/** `{ region, endpoint, credentials, maxAttempts }` for any SDK v3 client constructor. */
export function localClientConfig(endpoint: string, region: string = DEFAULT_TEST_REGION): LocalClientConfig {
  return { region, endpoint, credentials: { ...TEST_CREDENTIALS }, maxAttempts: 1 };
}

/** S3 needs path-style addressing: `<bucket>.127.0.0.1` does not resolve. */
export function localS3ClientConfig(
  endpoint: string,
  region: string = DEFAULT_TEST_REGION,
): LocalClientConfig & { forcePathStyle: true } {
  return { ...localClientConfig(endpoint, region), forcePathStyle: true };
}

/** The same as environment variables (`AWS_ENDPOINT_URL` is honoured by SDK v3 and the AWS CLI; no retries). */
export function awsEnv(endpoint: string, region: string = DEFAULT_TEST_REGION): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_MAX_ATTEMPTS: '1',
  };
}
