import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AccessDeniedException,
  GetParameterCommand,
  InternalServerError,
  ParameterNotFound,
  SSMClient,
  SSMServiceException,
} from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { TokenSourceUnavailableError } from '../../functions/resolve-token/errors.js';
import { handler } from '../../functions/resolve-token/handler.js';
import { resolveToken, resolveTokenStep } from '../../functions/resolve-token/resolve-token.js';
import { assertRunnerTokenShape } from '../../functions/resolve-token/token-shape.js';
import { RUNNER_CONFIG_ENV } from '../../functions/shared/config/from-env.js';
import { parseRunnerConfig, type RunnerConfig } from '../../functions/shared/config/index.js';
import {
  ConfigError,
  EventValidationError,
  type OrchestratorError,
  TokenError,
} from '../../functions/shared/errors.js';
import { createLogger, setLogSink } from '../../functions/shared/logger.js';
import { REDACTED, redactTokens } from '../../functions/shared/redact.js';
import { UnexpectedStepError } from '../../functions/shared/step.js';

/**
 * resolve-token against a mocked SSM (aws-sdk-client-mock) and, for the preflight, a fake GitLab on 127.0.0.1.
 * Every test captures the log lines: the canary token must appear nowhere, and nothing may even need redaction.
 */
const CANARY = 'glrt-t1_CANARYxK9mQ2vL7pR4sT8wZ3b';
const PARAMETER = '/gitlab-runner/fleet/token';
const ssmMock = mockClient(SSMClient);
const ssm = new SSMClient({ region: 'eu-west-1' });

const rawConfig = (gitlab: Record<string, unknown> = {}) => ({
  stackName: 'fleet',
  region: 'eu-west-1',
  artifactBucket: 'fleet-artifacts-123456789012',
  gitlab: { url: 'https://gitlab.example.com', tokenParameterName: PARAMETER, ...gitlab },
});
const config = (gitlab: Record<string, unknown> = {}): RunnerConfig =>
  parseRunnerConfig(rawConfig(gitlab), 'test config');

const secureString = (value: string, version = 3, type = 'SecureString') => ({
  Parameter: { Name: PARAMETER, Type: type as 'SecureString', Value: value, Version: version },
});

let lines: string[] = [];
let previousSink: ReturnType<typeof setLogSink>;
const log = () => createLogger('resolve-token', {}, 'debug');

/** Runs fn and returns what it threw (fails the test when it did not throw). */
async function thrown(fn: () => Promise<unknown>): Promise<OrchestratorError> {
  try {
    await fn();
  } catch (error) {
    // A message that redaction would change reaches the logs mangled: hints must not look like tokens.
    const message = (error as Error).message;
    expect(redactTokens(message)).toBe(message);
    return error as OrchestratorError;
  }
  throw new Error('expected a rejection, got a result');
}

/** Neither the canary nor a redaction marker anywhere: the token was never handed to the logger. */
function expectNoToken(...artifacts: unknown[]): void {
  const text = [...artifacts.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))), ...lines].join('\n');
  expect(text).not.toContain(CANARY);
  expect(text).not.toContain('CANARY');
  expect(text).not.toContain(REDACTED);
}

beforeEach(() => {
  ssmMock.reset();
  lines = [];
  previousSink = setLogSink((line) => lines.push(line));
});
afterEach(() => {
  setLogSink(previousSink);
});

describe('resolveToken', () => {
  it('returns name, version and fingerprint of a SecureString runner token, never the token', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves(secureString(CANARY, 7));
    // Act
    const ref = await resolveToken(config(), { ssm }, log());
    // Assess
    expect(ref).toEqual({
      parameterName: PARAMETER,
      version: 7,
      fingerprint: createHash('sha256').update(CANARY).digest('hex').slice(0, 12),
      kind: 'runner-authentication',
    });
    expect(ssmMock.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: PARAMETER,
      WithDecryption: true,
    });
    expect(lines.some((l) => l.includes('runner token resolved') && l.includes(ref.fingerprint))).toBe(true);
    expectNoToken(ref);
  });

  it('tells two tokens apart by fingerprint', async () => {
    // Prepare
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce(secureString(CANARY, 1))
      .resolvesOnce(secureString(`${CANARY}x`, 2));
    // Act
    const first = await resolveToken(config(), { ssm }, log());
    const second = await resolveToken(config(), { ssm }, log());
    // Assess
    expect(first.fingerprint).not.toBe(second.fingerprint);
    expect(second.version).toBe(2);
  });

  it('accepts a glrtr- token but warns that its workflow is going away', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves(secureString('glrtr-CANARYxK9mQ2vL7pR4sT8wZ'));
    // Act
    const ref = await resolveToken(config(), { ssm }, log());
    // Assess
    expect(ref.kind).toBe('runner-authentication');
    expect(lines.some((l) => l.includes('"level":"warn"') && l.includes('registration workflow'))).toBe(true);
  });

  const rejections: [string, string, string, RegExp][] = [
    ['an empty value', '', 'TOKEN_EMPTY', /is empty/],
    ['a whitespace-only value', '  \n', 'TOKEN_EMPTY', /only whitespace/],
    [
      'a registration token',
      'GR1348941CANARYxK9mQ2vL7pR4s',
      'TOKEN_REGISTRATION',
      /registration token \(prefix GR1348941\)/,
    ],
    ['a legacy 20-character token', 'CANARYxK9mQ2vL7pR4sT', 'TOKEN_REGISTRATION', /legacy registration token/],
    ['a personal access token', 'glpat-CANARYxK9mQ2vL7pR4sT8', 'TOKEN_WRONG_KIND', /personal, project or group access/],
    ['a trailing newline', `${CANARY}\n`, 'TOKEN_MALFORMED', /ends with a newline/],
    ['a leading space', ` ${CANARY}`, 'TOKEN_MALFORMED', /starts or ends with whitespace/],
    ['two lines', `${CANARY}\n${CANARY}`, 'TOKEN_MALFORMED', /line break/],
    ['a space inside', 'glrt-CANARY xK9mQ2vL7pR4sT8wZ3b', 'TOKEN_MALFORMED', /whitespace or a control character/],
    ['quotes around it', `"${CANARY}"`, 'TOKEN_MALFORMED', /character 1 is '"'/],
    ['a non-ASCII character', 'glrt-CANARYxK9mQ2vL7pR4sT8wZé', 'TOKEN_MALFORMED', /non-ASCII character U\+00E9/],
    ['a truncated glrt- token', 'glrt-CANARYxK9', 'TOKEN_TOO_SHORT', /9 characters after the prefix/],
    ['a short placeholder', 'changeme', 'TOKEN_TOO_SHORT', /8-character value/],
    ['an unprefixed long value', 'CANARYxK9mQ2vL7pR4sT8wZ3bQ', 'TOKEN_UNKNOWN_SHAPE', /start with glrt-/],
  ];

  it.each(rejections)('refuses %s with %s', async (_what, value, code, message) => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves(secureString(value));
    // Act
    const error = await thrown(() => resolveToken(config(), { ssm }, log()));
    // Assess
    expect(error).toBeInstanceOf(TokenError);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(PARAMETER);
    expect(error.hint).toMatch(
      /aws ssm put-parameter --type SecureString --overwrite --name \/gitlab-runner\/fleet\/token/,
    );
    if (value.trim().length >= 4) expect(JSON.stringify(error)).not.toContain(value.trim());
    expectNoToken(error.message, error);
  });

  it('explains how to get a runner authentication token when it finds a registration token', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves(secureString('GR1348941CANARYxK9mQ2vL7pR4s'));
    // Act
    const error = await thrown(() => resolveToken(config(), { ssm }, log()));
    // Assess
    expect(error.message).toMatch(/cannot run jobs/);
    expect(error.hint).toMatch(/Since GitLab 16/);
    expect(error.hint).toMatch(/Settings > CI\/CD > Runners > New project runner/);
    expect(error.hint).toMatch(/POST \/api\/v4\/user\/runners with an access token that has the create_runner scope/);
  });

  it('refuses a String parameter: the token would be stored unencrypted', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves(secureString(CANARY, 1, 'String'));
    // Act
    const error = await thrown(() => resolveToken(config(), { ssm }, log()));
    // Assess
    expect(error).toBeInstanceOf(TokenError);
    expect(error.code).toBe('TOKEN_NOT_SECURE_STRING');
    expect(error.message).toMatch(/type String, not SecureString/);
    expect(error.hint).toMatch(/aws ssm delete-parameter --name \/gitlab-runner\/fleet\/token/);
    expectNoToken(error.message, error);
  });

  it('says how to create a missing parameter', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));
    // Act
    const error = await thrown(() => resolveToken(config(), { ssm }, log()));
    // Assess
    expect(error).toBeInstanceOf(TokenError);
    expect(error.code).toBe('TOKEN_PARAMETER_MISSING');
    expect(error.message).toMatch(
      /^The SSM parameter \/gitlab-runner\/fleet\/token does not exist in eu-west-1\.\n {2}-> /,
    );
    expect(error.hint).toContain(
      "aws ssm put-parameter --type SecureString --overwrite --name /gitlab-runner/fleet/token --value '<the glrt- token>' --region eu-west-1",
    );
  });

  it('names the permissions when SSM denies access', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(
      new AccessDeniedException({
        Message: 'not authorized to perform ssm:GetParameter',
        message: 'not authorized to perform ssm:GetParameter',
        $metadata: {},
      }),
    );
    // Act
    const error = await thrown(() => resolveToken(config(), { ssm }, log()));
    // Assess
    expect(error.code).toBe('TOKEN_PARAMETER_ACCESS_DENIED');
    expect(error.hint).toMatch(/ssm:GetParameter .* kms:Decrypt/);
  });

  it.each([
    [
      'throttling',
      new SSMServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    [
      'a 5xx',
      new InternalServerError({ message: 'We encountered an internal error', $metadata: { httpStatusCode: 500 } }),
    ],
  ])('reports %s of SSM as a retryable typed error', async (_what, awsError) => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(awsError);
    // Act
    const error = await thrown(() => resolveTokenStep.run({ config: rawConfig() }, { ssm }, log()));
    // Assess
    expect(error).toBeInstanceOf(TokenSourceUnavailableError);
    expect(error.code).toBe('SSM_UNAVAILABLE');
    expect(error.message).toContain(awsError.name);
    expect(error.hint).toMatch(/retry/);
  });
});

describe('the resolve-token step: events and config', () => {
  const savedEnv = process.env[RUNNER_CONFIG_ENV];
  afterEach(() => {
    if (savedEnv === undefined) delete process.env[RUNNER_CONFIG_ENV];
    else process.env[RUNNER_CONFIG_ENV] = savedEnv;
  });
  beforeEach(() => {
    delete process.env[RUNNER_CONFIG_ENV];
    ssmMock.on(GetParameterCommand).resolves(secureString(CANARY, 4));
  });

  it('takes the config from the event', async () => {
    // Act
    const ref = await resolveTokenStep.run({ config: rawConfig() }, { ssm }, log());
    // Assess
    expect(ref.version).toBe(4);
    expectNoToken(ref);
  });

  it.each([
    ['an empty event', {}],
    ['a null event', null],
  ])('reads the config from RUNNER_CONFIG for %s', async (_what, event) => {
    // Prepare
    process.env[RUNNER_CONFIG_ENV] = JSON.stringify(rawConfig({ tokenParameterName: '/from/env' }));
    // Act
    const ref = await resolveTokenStep.run(event, { ssm }, log());
    // Assess
    expect(ref.parameterName).toBe('/from/env');
    expect(ssmMock.commandCalls(GetParameterCommand)[0]?.args[0].input.Name).toBe('/from/env');
  });

  it.each([
    ['is not set', undefined, /the environment variable RUNNER_CONFIG is not set/],
    ['is not JSON', '{"stackName": ', /RUNNER_CONFIG is not valid JSON/],
    [
      'is invalid',
      JSON.stringify({ ...rawConfig(), region: 'Europe' }),
      /runner config in RUNNER_CONFIG is invalid:\n {2}region: /,
    ],
  ])('gives a ConfigError when the event has no config and RUNNER_CONFIG %s', async (_what, env, message) => {
    // Prepare
    if (env !== undefined) process.env[RUNNER_CONFIG_ENV] = env;
    // Act
    const error = await thrown(() => resolveTokenStep.run({}, { ssm }, log()));
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it.each([
    ['an invalid config', { config: { ...rawConfig(), artifactBucket: 'Not_A_Bucket' } }, /config\.artifactBucket: /],
    ['a config without gitlab', { config: { stackName: 'fleet', region: 'eu-west-1' } }, /config\.gitlab: /],
    ['a string', 'resolve please', /\(root\): /],
    ['a number', 42, /\(root\): /],
    ['an array', [rawConfig()], /\(root\): /],
  ])('gives an EventValidationError for %s', async (_what, event, message) => {
    // Act
    const error = await thrown(() => resolveTokenStep.run(event, { ssm }, log()));
    // Assess
    expect(error).toBeInstanceOf(EventValidationError);
    expect(error).not.toBeInstanceOf(UnexpectedStepError);
    expect(error.message).toMatch(/^The resolve-token step received an invalid event: /);
    expect(error.message).toMatch(message);
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('works behind middy as a Lambda handler, and its failures stay typed', async () => {
    // Prepare: mockClient(SSMClient) also mocks the handler's own default client
    const context = {} as Parameters<typeof handler>[1];
    // Act
    const ref = await handler({ config: rawConfig() }, context);
    const error = await thrown(() => handler({ config: 'nope' }, context));
    // Assess
    expect(ref).toMatchObject({ parameterName: PARAMETER, version: 4 });
    expect(error).toBeInstanceOf(EventValidationError);
    expect(lines.some((l) => l.includes('step failed') && l.includes('EVENT_INVALID'))).toBe(true);
    expectNoToken(ref);
  });
});

describe('token shapes that are accepted', () => {
  it.each([
    ['a created runner token', 'glrt-AbCdEfGhIjKlMnOpQrSt', { variant: 'glrt' }],
    ['a partitioned token', 'glrt-t1_AbCdEfGhIjKlMnOpQrSt', { variant: 'glrt' }],
    ['a routable token', 'glrt-t3_AbCdEfGhIjKlMnOpQrStUvWx.01.1a2b3c4d5', { variant: 'glrt' }],
    ['a token from the registration workflow', 'glrtr-AbCdEfGhIjKlMnOpQrSt', { variant: 'glrtr' }],
    [
      'a token behind an instance prefix',
      'acme-glrt-AbCdEfGhIjKlMnOpQrSt',
      { variant: 'glrt', instancePrefix: 'acme' },
    ],
  ])('accepts %s', (_what, value, shape) => {
    // Act / Assess
    expect(assertRunnerTokenShape(value, PARAMETER)).toEqual(shape);
  });
});

/** A stand-in for GitLab's POST /api/v4/runners/verify on 127.0.0.1: answers what the test sets, records requests. */
interface FakeGitLab {
  url: string;
  requests: { method?: string; path?: string; contentType?: string; form: URLSearchParams }[];
  answer: { status: number; body?: string; headers?: Record<string, string> };
}

function startFakeGitLab(): Promise<{ fake: FakeGitLab; server: Server }> {
  const fake: FakeGitLab = { url: '', requests: [], answer: { status: 200 } };
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      fake.requests.push({
        method: req.method,
        path: req.url,
        contentType: req.headers['content-type'],
        form: new URLSearchParams(body),
      });
      res.writeHead(fake.answer.status, { 'content-type': 'application/json', ...fake.answer.headers });
      res.end(fake.answer.body ?? '');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({ fake, server });
    });
  });
}

describe('the GitLab preflight (gitlab.verifyToken)', () => {
  let fake: FakeGitLab;
  let server: Server;

  beforeAll(async () => {
    ({ fake, server } = await startFakeGitLab());
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    fake.requests = [];
    ssmMock.on(GetParameterCommand).resolves(secureString(CANARY, 5));
  });

  const verifying = () => config({ url: fake.url, verifyToken: true });

  it('posts the token as a form to /api/v4/runners/verify, without system_id, and returns verified on 200', async () => {
    // Prepare: newer GitLab versions echo the token in the 200 body; it must be dropped
    fake.answer = { status: 200, body: JSON.stringify({ id: 42, token: CANARY, token_expires_at: null }) };
    // Act
    const ref = await resolveToken(verifying(), { ssm }, log());
    // Assess
    expect(ref).toMatchObject({ version: 5, verified: true });
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/api/v4/runners/verify');
    expect(request?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.form.get('token')).toBe(CANARY);
    expect(request?.form.has('system_id')).toBe(false);
    expect(lines.some((l) => l.includes('GitLab accepted the token') && l.includes('"runnerId":42'))).toBe(true);
    expectNoToken(ref);
  });

  it('refuses a token GitLab answers 403 for', async () => {
    // Prepare
    fake.answer = { status: 403, body: '{"message":"403 Forbidden"}' };
    // Act
    const error = await thrown(() => resolveToken(verifying(), { ssm }, log()));
    // Assess
    expect(error).toBeInstanceOf(TokenError);
    expect(error.code).toBe('TOKEN_REFUSED');
    expect(error.message).toMatch(
      /^GitLab refused the token \(403 from http:\/\/127\.0\.0\.1:\d+\/api\/v4\/runners\/verify\): revoked or wrong instance/,
    );
    expectNoToken(error.message, error);
  });

  it('refuses an orphaned runner (422)', async () => {
    // Prepare
    fake.answer = { status: 422, body: '{"message":"Runner is orphaned"}' };
    // Act
    const error = await thrown(() => resolveToken(verifying(), { ssm }, log()));
    // Assess
    expect(error).toBeInstanceOf(TokenError);
    expect(error.code).toBe('TOKEN_ORPHANED');
    expect(error.message).toMatch(/orphaned/);
  });

  it('reports an unexpected answer with its status, redacting a token the body echoes', async () => {
    // Prepare
    fake.answer = { status: 500, body: `{"error":"boom for ${CANARY}"}` };
    // Act
    const error = await thrown(() => resolveToken(verifying(), { ssm }, log()));
    // Assess
    expect(error).toBeInstanceOf(TokenSourceUnavailableError);
    expect(error.code).toBe('GITLAB_UNEXPECTED_ANSWER');
    expect(error.message).toMatch(/HTTP 500: \{"error":"boom for \[REDACTED\]"\}/);
    expect(JSON.stringify(error)).not.toContain(CANARY);
  });

  it('does not follow a redirect (it would send the token elsewhere)', async () => {
    // Prepare
    fake.answer = { status: 308, headers: { location: 'https://elsewhere.example.com/api/v4/runners/verify' } };
    // Act
    const error = await thrown(() => resolveToken(verifying(), { ssm }, log()));
    // Assess
    expect(error.code).toBe('GITLAB_UNEXPECTED_ANSWER');
    expect(error.message).toMatch(/a redirect to https:\/\/elsewhere\.example\.com/);
    expect(fake.requests).toHaveLength(1);
  });

  it('gives a typed error with the URL when GitLab cannot be reached', async () => {
    // Prepare: a port that was just free, so the connection is refused
    const closed = await startFakeGitLab();
    await new Promise((resolve) => closed.server.close(resolve));
    // Act
    const error = await thrown(() => resolveToken(config({ url: closed.fake.url, verifyToken: true }), { ssm }, log()));
    // Assess
    expect(error).toBeInstanceOf(TokenSourceUnavailableError);
    expect(error.code).toBe('GITLAB_UNREACHABLE');
    expect(error.message).toContain(`${closed.fake.url}/api/v4/runners/verify`);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expectNoToken(error.message, error);
  });

  it('sends nothing to GitLab when verifyToken is off', async () => {
    // Act
    const ref = await resolveToken(config({ url: fake.url, verifyToken: false }), { ssm }, log());
    // Assess
    expect(fake.requests).toHaveLength(0);
    expect(ref).not.toHaveProperty('verified');
  });

  it('checks the shape before it sends anything to GitLab', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves(secureString('GR1348941CANARYxK9mQ2vL7pR4s'));
    // Act
    const error = await thrown(() => resolveToken(verifying(), { ssm }, log()));
    // Assess
    expect(error.code).toBe('TOKEN_REGISTRATION');
    expect(fake.requests).toHaveLength(0);
  });
});
