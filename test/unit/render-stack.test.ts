import { createHash } from 'node:crypto';
import {
  HeadObjectCommand,
  NoSuchBucket,
  NotFound,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../functions/render-stack/handler.js';
import { renderStack, renderStackStep, renderTemplate } from '../../functions/render-stack/render-stack.js';
import { ArtifactStoreError, templateUrl } from '../../functions/render-stack/template-store.js';
import { RUNNER_CONFIG_ENV } from '../../functions/shared/config/from-env.js';
import { parseRunnerConfig, type RunnerConfig } from '../../functions/shared/config/index.js';
import type { TokenRef } from '../../functions/shared/contracts.js';
import { ConfigError, EventValidationError, type OrchestratorError } from '../../functions/shared/errors.js';
import { createLogger, setLogSink } from '../../functions/shared/logger.js';
import { UnexpectedStepError } from '../../functions/shared/step.js';
import { buildRunnerTemplate } from '../../stack/runner/index.js';

/** render-stack against a mocked S3 that keeps what is put, so "already stored" is real state, not a canned answer. */
const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'eu-west-1' });
const BUCKET = 'fleet-artifacts-123456789012';
const PARAMETER = '/gitlab-runner/fleet/token';
const DM_SHA256 = 'a'.repeat(64);

const rawConfig = (overrides: Record<string, unknown> = {}) => ({
  stackName: 'fleet',
  region: 'eu-west-1',
  artifactBucket: BUCKET,
  gitlab: { url: 'https://gitlab.example.com', tokenParameterName: PARAMETER },
  executor: { type: 'docker+machine', dockerMachine: { version: '0.16.2-gitlab.40', sha256: DM_SHA256 } },
  ...overrides,
});
const config = (overrides: Record<string, unknown> = {}): RunnerConfig =>
  parseRunnerConfig(rawConfig(overrides), 'test config');
const tokenRef = (version = 1): TokenRef => ({
  parameterName: PARAMETER,
  version,
  fingerprint: '0123456789ab',
  kind: 'runner-authentication',
});

let objects: Map<string, string>;
let lines: string[];
let previousSink: ReturnType<typeof setLogSink>;
const log = () => createLogger('render-stack', {}, 'debug');

/** S3 as a map: HeadObject answers 404 for a missing key, PutObject stores. */
function fakeBucket(): void {
  s3Mock.on(HeadObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const body = objects.get(`${input.Bucket}/${input.Key}`);
    if (body === undefined) throw new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
    return { ContentLength: Buffer.byteLength(body) };
  });
  s3Mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    objects.set(`${input.Bucket}/${input.Key}`, String(input.Body));
    return { ETag: '"etag"' };
  });
}

async function thrown(fn: () => Promise<unknown>): Promise<OrchestratorError> {
  try {
    await fn();
  } catch (error) {
    return error as OrchestratorError;
  }
  throw new Error('expected a rejection, got a result');
}

beforeEach(() => {
  s3Mock.reset();
  objects = new Map();
  fakeBucket();
  lines = [];
  previousSink = setLogSink((line) => lines.push(line));
});
afterEach(() => {
  setLogSink(previousSink);
});

describe('renderStack', () => {
  it('stores the template under its content hash, encrypted, and returns its URL and the parameters', async () => {
    // Prepare
    const cfg = config();
    const body = JSON.stringify(buildRunnerTemplate(cfg));
    const hash = createHash('sha256').update(body).digest('hex');
    // Act
    const result = await renderStack({ config: cfg, token: tokenRef(3) }, { s3 }, log());
    // Assess
    expect(result).toMatchObject({
      stackName: 'fleet',
      bucket: BUCKET,
      templateKey: `templates/fleet/${hash}.json`,
      templateUrl: `https://${BUCKET}.s3.eu-west-1.amazonaws.com/templates/fleet/${hash}.json`,
      templateHash: hash,
      tokenParameterVersion: 3,
      warnings: [],
    });
    expect(result.parameters).toContainEqual({ ParameterKey: 'TokenParameterVersion', ParameterValue: '3' });
    const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: BUCKET,
      Key: result.templateKey,
      ServerSideEncryption: 'AES256',
      ContentType: 'application/json',
    });
    expect(put?.Body).toBe(body);
    expect(JSON.parse(String(put?.Body)).Resources).toHaveProperty('BastionInstance');
  });

  it('renders the same config to the same hash, and writes it once: the second run is one HeadObject', async () => {
    // Prepare
    const cfg = config();
    // Act
    const first = await renderStack({ config: cfg, token: tokenRef() }, { s3 }, log());
    s3Mock.resetHistory();
    const second = await renderStack({ config: config(), token: tokenRef() }, { s3 }, log());
    // Assess
    expect(second).toEqual(first);
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(lines.some((l) => l.includes('template already stored'))).toBe(true);
  });

  it('changes the parameters but not the template when the token version changes', async () => {
    // Act
    const v1 = await renderStack({ config: config(), token: tokenRef(1) }, { s3 }, log());
    const v2 = await renderStack({ config: config(), token: tokenRef(2) }, { s3 }, log());
    // Assess
    expect(v2.templateHash).toBe(v1.templateHash);
    expect(v2.templateKey).toBe(v1.templateKey);
    expect(v2.parameters).not.toEqual(v1.parameters);
    const changed = v2.parameters.filter((p, i) => p.ParameterValue !== v1.parameters[i]?.ParameterValue);
    expect(changed).toEqual([{ ParameterKey: 'TokenParameterVersion', ParameterValue: '2' }]);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('changes the hash when the config changes', () => {
    // Act
    const a = renderTemplate(config());
    const b = renderTemplate(config({ runner: { dockerImage: 'alpine:3.20' } }));
    // Assess
    expect(b.hash).not.toBe(a.hash);
  });

  it('writes the template again when the stored object has another size', async () => {
    // Prepare
    const { key } = renderTemplate(config());
    objects.set(`${BUCKET}/${key}`, '{"truncated":');
    // Act
    await renderStack({ config: config(), token: tokenRef() }, { s3 }, log());
    // Assess
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(objects.get(`${BUCKET}/${key}`)).toBe(renderTemplate(config()).body);
  });

  it.each([
    ['docker+machine without sha256', { type: 'docker+machine' }, [/executor\.dockerMachine has no sha256/]],
    [
      'docker+machine with sha256',
      { type: 'docker+machine', dockerMachine: { version: '0.16.2-gitlab.40', sha256: DM_SHA256 } },
      [],
    ],
    ['docker-autoscaler', { type: 'docker-autoscaler' }, []],
  ])('warns about %s accordingly', async (_what, executor, expected) => {
    // Act
    const result = await renderStack({ config: config({ executor }), token: tokenRef() }, { s3 }, log());
    // Assess
    expect(result.warnings).toHaveLength(expected.length);
    expected.forEach((pattern, i) => {
      expect(result.warnings[i]).toMatch(pattern);
    });
    expect(lines.filter((l) => l.includes('"level":"warn"'))).toHaveLength(expected.length);
  });

  it('says how to get the artifact bucket when it does not exist', async () => {
    // Prepare: HEAD cannot tell a missing bucket from a missing key (404 either way); the write can
    s3Mock
      .on(PutObjectCommand)
      .rejects(new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: {} }));
    // Act
    const error = await thrown(() => renderStack({ config: config(), token: tokenRef() }, { s3 }, log()));
    // Assess
    expect(error).toBeInstanceOf(ArtifactStoreError);
    expect(error.code).toBe('ARTIFACT_BUCKET_MISSING');
    expect(error.message).toMatch(`The artifact bucket ${BUCKET} (artifactBucket in the config) does not exist.`);
    expect(error.hint).toMatch(/npm run pipeline .* creates the bucket when missing/);
  });

  it('tries the write when HEAD is forbidden, and names the permissions when the write is too', async () => {
    // Prepare
    const denied = () =>
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'Access Denied',
        $metadata: { httpStatusCode: 403 },
      });
    s3Mock.on(HeadObjectCommand).rejects(denied());
    s3Mock.on(PutObjectCommand).rejects(denied());
    // Act
    const error = await thrown(() => renderStack({ config: config(), token: tokenRef() }, { s3 }, log()));
    // Assess
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(error.code).toBe('ARTIFACT_BUCKET_FORBIDDEN');
    expect(error.hint).toMatch(/s3:PutObject/);
  });

  it.each([
    ['a 5xx on HeadObject', HeadObjectCommand, 'InternalError', 500],
    ['throttling on PutObject', PutObjectCommand, 'SlowDown', 503],
  ] as const)('reports %s as a typed, retryable error', async (_what, command, name, status) => {
    // Prepare
    const awsError = new S3ServiceException({
      name,
      $fault: 'server',
      message: name,
      $metadata: { httpStatusCode: status },
    });
    if (command === HeadObjectCommand) s3Mock.on(HeadObjectCommand).rejects(awsError);
    else s3Mock.on(PutObjectCommand).rejects(awsError);
    // Act
    const error = await thrown(() => renderStackStep.run({ config: rawConfig(), token: tokenRef() }, { s3 }, log()));
    // Assess
    expect(error).toBeInstanceOf(ArtifactStoreError);
    expect(error.code).toBe('ARTIFACT_STORE_FAILED');
    expect(error.message).toContain(name);
    expect(error.hint).toMatch(/retry/);
  });
});

describe('templateUrl', () => {
  it.each([
    ['a plain bucket', 'artifacts', 'eu-west-1', 'https://artifacts.s3.eu-west-1.amazonaws.com/templates/s/h.json'],
    [
      'a bucket with dots (path style)',
      'my.artifacts',
      'us-east-1',
      'https://s3.us-east-1.amazonaws.com/my.artifacts/templates/s/h.json',
    ],
    [
      'a China region',
      'artifacts',
      'cn-north-1',
      'https://artifacts.s3.cn-north-1.amazonaws.com.cn/templates/s/h.json',
    ],
  ])('addresses %s', (_what, bucket, region, expected) => {
    // Act / Assess
    expect(templateUrl(bucket, 'templates/s/h.json', region)).toBe(expected);
  });
});

describe('the render-stack step: events and config', () => {
  const savedEnv = process.env[RUNNER_CONFIG_ENV];
  beforeEach(() => {
    delete process.env[RUNNER_CONFIG_ENV];
  });
  afterEach(() => {
    if (savedEnv === undefined) delete process.env[RUNNER_CONFIG_ENV];
    else process.env[RUNNER_CONFIG_ENV] = savedEnv;
  });

  it('takes the config from RUNNER_CONFIG when the event carries only the token', async () => {
    // Prepare
    process.env[RUNNER_CONFIG_ENV] = JSON.stringify(rawConfig({ stackName: 'from-env' }));
    // Act
    const result = await renderStackStep.run({ token: tokenRef() }, { s3 }, log());
    // Assess
    expect(result.stackName).toBe('from-env');
    expect(result.templateKey).toMatch(/^templates\/from-env\/[0-9a-f]{64}\.json$/);
  });

  it('gives a ConfigError when neither the event nor RUNNER_CONFIG has a config', async () => {
    // Act
    const error = await thrown(() => renderStackStep.run({ token: tokenRef() }, { s3 }, log()));
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/RUNNER_CONFIG is not set/);
  });

  it.each([
    ['no token', { config: rawConfig() }, /token: /],
    ['a token with the token value in it', { config: rawConfig(), token: { ...tokenRef(), value: 'x' } }, /token: /],
    ['a token version 0', { config: rawConfig(), token: tokenRef(0) }, /token\.version: /],
    ['an invalid config', { config: rawConfig({ region: 'mars' }), token: tokenRef() }, /config\.region: /],
    [
      "a token of another config's parameter",
      { config: rawConfig(), token: { ...tokenRef(), parameterName: '/other/token' } },
      /token\.parameterName \/other\/token is not the config's gitlab\.tokenParameterName/,
    ],
    ['a string', 'render', /\(root\): /],
  ])('gives an EventValidationError for %s, before any S3 call', async (_what, event, message) => {
    // Act
    const error = await thrown(() => renderStackStep.run(event, { s3 }, log()));
    // Assess
    expect(error).toBeInstanceOf(EventValidationError);
    expect(error).not.toBeInstanceOf(UnexpectedStepError);
    expect(error.message).toMatch(message);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('works behind middy as a Lambda handler', async () => {
    // Prepare: mockClient(S3Client) also mocks the handler's own default client
    const context = {} as Parameters<typeof handler>[1];
    // Act
    const result = await handler({ config: rawConfig(), token: tokenRef(9) }, context);
    // Assess
    expect(result.tokenParameterVersion).toBe(9);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
  });
});
