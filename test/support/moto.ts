import { afterAll, beforeAll } from '@jest/globals';
import { type LocalClientConfig, localClientConfig, localS3ClientConfig } from '../../scripts/lib/aws-env.js';
import { type MotoServer, type StartMotoOptions, startMoto } from '../../scripts/lib/moto.js';

export interface MotoAccess {
  /** The running server; throws when read outside the tests of the describe block that called useMoto(). */
  readonly server: MotoServer;
  readonly endpoint: string;
  /** `{ region, endpoint, credentials, maxAttempts: 1 }` for any SDK v3 client. */
  clientConfig(region?: string): LocalClientConfig;
  /** The same with path-style addressing, for S3Client. */
  s3ClientConfig(region?: string): LocalClientConfig & { forcePathStyle: true };
}

/**
 * Starts a moto server for the enclosing describe block (beforeAll) and stops it after (afterAll).
 * Each test file gets its own server on its own port, so files can run in parallel.
 */
export function useMoto(opts?: StartMotoOptions): MotoAccess {
  let running: MotoServer | undefined;
  beforeAll(async () => {
    running = await startMoto(opts);
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
    running = undefined;
  });

  const server = (): MotoServer => {
    if (!running) throw new Error('moto is not running: call useMoto() in a describe block and read it inside a test.');
    return running;
  };
  return {
    get server() {
      return server();
    },
    get endpoint() {
      return server().endpoint;
    },
    clientConfig: (region) => localClientConfig(server().endpoint, region),
    s3ClientConfig: (region) => localS3ClientConfig(server().endpoint, region),
  };
}
