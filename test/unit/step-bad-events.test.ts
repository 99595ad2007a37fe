import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { awaitStack } from '../../functions/await-stack/await-stack.js';
import { deployStack } from '../../functions/deploy-stack/deploy-stack.js';
import { renderStackStep } from '../../functions/render-stack/render-stack.js';
import { resolveTokenStep } from '../../functions/resolve-token/resolve-token.js';
import { RUNNER_CONFIG_ENV } from '../../functions/shared/config/from-env.js';
import { ConfigError, EventValidationError, OrchestratorError } from '../../functions/shared/errors.js';
import { createLogger } from '../../functions/shared/logger.js';

/**
 * Malformed events straight into every step's `run()` (what a hand-made `aws lambda invoke` or a broken state
 * machine sends): each is a typed error naming what is wrong, never a TypeError, and no AWS call is made.
 */
const cfnMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);
const ssmMock = mockClient(SSMClient);
const cfn = new CloudFormationClient({ region: 'eu-west-1' });
const s3 = new S3Client({ region: 'eu-west-1' });
const ssm = new SSMClient({ region: 'eu-west-1' });
const silent = createLogger('test', {}, 'error');

const config = {
  stackName: 'fleet',
  region: 'eu-west-1',
  artifactBucket: 'fleet-artifacts',
  gitlab: { url: 'https://gitlab.example.com', tokenParameterName: '/gitlab-runner/token' },
};
const token = {
  parameterName: '/gitlab-runner/token',
  version: 1,
  fingerprint: '0123456789ab',
  kind: 'runner-authentication',
};

const steps = [
  { name: 'resolve-token', run: (e: unknown) => resolveTokenStep.run(e, { ssm }, silent) },
  { name: 'render-stack', run: (e: unknown) => renderStackStep.run(e, { s3 }, silent) },
  { name: 'deploy-stack', run: (e: unknown) => deployStack.run(e, { cfn }, silent) },
  { name: 'await-stack', run: (e: unknown) => awaitStack.run(e, { cfn, s3 }, silent) },
] as const;

/** Events that are malformed for every step (wrong type, broken config). */
const malformedForAll: [string, unknown][] = [
  ['a string', 'deploy please'],
  ['a number', 42],
  ['an array', [config]],
  ['config of the wrong type', { config: 'runner.config.json' }],
  ['config with a bad field', { config: { ...config, stackName: '1 bad name' } }],
  ['config with an unknown key', { config: { ...config, OffPeakIdleCount: 2 } }],
];

/** What each step needs beyond the config, broken. */
const malformedPerStep: Record<string, [string, unknown][]> = {
  'resolve-token': [],
  'render-stack': [
    ['no token', { config }],
    ['a token without version', { config, token: { ...token, version: undefined } }],
    ['a token with a token value in it', { config, token: { ...token, token: 'glrt-abcdefghijklmnopqrst' } }],
  ],
  'deploy-stack': [
    ['no render result', { config, token }],
    ['a render result with a bad hash', { config, token, render: { templateHash: 'not-a-hash' } }],
  ],
  'await-stack': [
    ['an unknown deploy action', { config, deploy: { stackName: 'fleet', action: 'explode' } }],
    ['a previous await result of the wrong shape', { config, await: { polls: 'many' } }],
  ],
};

async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the step to reject the event');
}

describe('steps with malformed events', () => {
  let savedEnv: string | undefined;

  beforeEach(() => {
    savedEnv = process.env[RUNNER_CONFIG_ENV];
    delete process.env[RUNNER_CONFIG_ENV];
    for (const mock of [cfnMock, s3Mock, ssmMock]) mock.reset();
  });
  afterEach(() => {
    if (savedEnv === undefined) delete process.env[RUNNER_CONFIG_ENV];
    else process.env[RUNNER_CONFIG_ENV] = savedEnv;
  });

  describe.each(steps.map((s) => [s.name, s] as const))('%s', (name, step) => {
    const cases = [...malformedForAll, ...(malformedPerStep[name] ?? [])];

    it.each(cases)('%s: EventValidationError naming the step, no AWS call', async (_what, event) => {
      // Act
      const error = await errorOf(() => step.run(event));
      // Assess
      expect(error).toBeInstanceOf(EventValidationError);
      expect(error).not.toBeInstanceOf(TypeError);
      expect((error as EventValidationError).message).toContain(`The ${name} step received an invalid event`);
      expect((error as EventValidationError).code).toBe('EVENT_INVALID');
      expect((error as Error).message).not.toContain('glrt-abcdefghijklmnopqrst');
      expect([...cfnMock.calls(), ...s3Mock.calls(), ...ssmMock.calls()]).toHaveLength(0);
    });

    it.each([
      ['null', null],
      ['an empty object', {}],
    ])('%s and no RUNNER_CONFIG: ConfigError saying where the config comes from', async (_what, event) => {
      // Act
      const error = await errorOf(() => step.run(event));
      // Assess
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(RUNNER_CONFIG_ENV);
      expect([...cfnMock.calls(), ...s3Mock.calls(), ...ssmMock.calls()]).toHaveLength(0);
    });

    it('a RUNNER_CONFIG that is not JSON: ConfigError, not a SyntaxError', async () => {
      // Prepare
      process.env[RUNNER_CONFIG_ENV] = '{"stackName": ';
      // Act
      const error = await errorOf(() => step.run({}));
      // Assess
      expect(error).toBeInstanceOf(OrchestratorError);
      expect(error).toBeInstanceOf(ConfigError);
    });
  });

  it('names the offending field in the message', async () => {
    // Act
    const error = await errorOf(() => steps[1].run({ config }));
    // Assess
    expect((error as Error).message).toMatch(/token: /);
  });
});
