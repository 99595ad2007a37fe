import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClients } from '../../functions/shared/aws-clients.js';
import { parseRunnerConfig } from '../../functions/shared/config/index.js';
import type {
  AwaitResult,
  DeployResult,
  PipelineState,
  RenderResult,
  StackEventSummary,
  TokenRef,
} from '../../functions/shared/contracts.js';
import { TokenError } from '../../functions/shared/errors.js';
import { createLogger } from '../../functions/shared/logger.js';
import {
  DeployAttemptsExhaustedError,
  PipelineTimeoutError,
  StackFailedError,
} from '../../scripts/lib/pipeline-errors.js';
import { type PipelineEvent, runPipeline } from '../../scripts/lib/pipeline-runner.js';
import type { PipelineSteps } from '../../scripts/lib/pipeline-steps.js';

/**
 * The pipeline's state-machine order with fake steps (their own behaviour is tested next to them): which step runs
 * when, what state each receives, how busy/recreate loop, and how failures surface. No AWS: S3 is mocked.
 */
const config = parseRunnerConfig({
  stackName: 'fleet',
  region: 'eu-west-1',
  artifactBucket: 'fleet-artifacts',
  gitlab: { url: 'https://gitlab.example.com', tokenParameterName: '/gitlab-runner/token' },
});
const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/fleet/abc';
const token: TokenRef = {
  parameterName: '/gitlab-runner/token',
  version: 2,
  fingerprint: '0123456789ab',
  kind: 'runner-authentication',
};
const render: RenderResult = {
  stackName: 'fleet',
  bucket: 'fleet-artifacts',
  templateKey: `templates/fleet/${'a'.repeat(64)}.json`,
  templateUrl: `https://fleet-artifacts.s3.eu-west-1.amazonaws.com/templates/fleet/${'a'.repeat(64)}.json`,
  templateHash: 'a'.repeat(64),
  parameters: [{ ParameterKey: 'TokenParameterVersion', ParameterValue: '2' }],
  tokenParameterVersion: 2,
  warnings: [],
};
const deployOf = (action: DeployResult['action'], previousStatus = 'NONE'): DeployResult => ({
  stackName: 'fleet',
  stackId: STACK_ID,
  action,
  previousStatus,
  managerReplacement: false,
  replacements: [],
  ...(action === 'create' || action === 'update' ? { changeSetName: `gro-${action}` } : {}),
});
const event = (n: number, logicalId: string, status: string): StackEventSummary => ({
  eventId: `e${n}`,
  timestamp: `2025-01-01T12:00:0${n}.000Z`,
  logicalId,
  resourceType: 'AWS::EC2::VPC',
  status,
});
const awaitOf = (status: string, done: boolean, ok: boolean, events: StackEventSummary[] = []): AwaitResult => ({
  stackName: 'fleet',
  status,
  done,
  ok,
  events,
  polls: 1,
});

interface Recorder {
  calls: string[];
  inputs: Record<string, PipelineState[]>;
}

/** Fake steps that answer from queues and record every call with its input. */
function fakeSteps(answers: { deploy: DeployResult[]; await: AwaitResult[] }, rec: Recorder): PipelineSteps {
  const record = (name: string, state: PipelineState) => {
    rec.calls.push(name);
    rec.inputs[name] = [...(rec.inputs[name] ?? []), structuredClone(state)];
  };
  const next = <T>(queue: T[], name: string): T => {
    const value = queue.length > 1 ? queue.shift() : queue[0];
    if (value === undefined) throw new Error(`no fake answer left for ${name}`);
    return value;
  };
  return {
    resolveToken: async (state) => {
      record('resolve-token', state);
      return token;
    },
    renderStack: async (state) => {
      record('render-stack', state);
      return render;
    },
    deployStack: async (state) => {
      record('deploy-stack', state);
      return next(answers.deploy, 'deploy');
    },
    awaitStack: async (state) => {
      record('await-stack', state);
      return next(answers.await, 'await');
    },
  };
}

const s3Mock = mockClient(S3Client);
const clients = { s3: new S3Client({ region: 'eu-west-1' }) } as unknown as AwsClients;
const silent = createLogger('test', {}, 'error');

describe('runPipeline', () => {
  let rec: Recorder;
  let sleeps: number[];
  let clock: number;
  const options = (steps: PipelineSteps, events: PipelineEvent[] = []) => ({
    clients,
    steps,
    log: silent,
    pollIntervalMs: 5_000,
    timeoutMs: 60_000,
    now: () => clock,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock += ms;
    },
    onEvent: (e: PipelineEvent) => events.push(e),
  });

  beforeEach(() => {
    s3Mock.reset();
    s3Mock.on(HeadBucketCommand).resolves({});
    rec = { calls: [], inputs: {} };
    sleeps = [];
    clock = 0;
  });

  it('stops after deploy-stack when it answers noop: no await-stack call, no wait', async () => {
    // Prepare
    const steps = fakeSteps({ deploy: [deployOf('noop', 'UPDATE_COMPLETE')], await: [] }, rec);
    // Act
    const result = await runPipeline(config, options(steps));
    // Assess
    expect(rec.calls).toEqual(['resolve-token', 'render-stack', 'deploy-stack']);
    expect(sleeps).toEqual([]);
    expect(result.deploy.action).toBe('noop');
    expect(result.await).toBeUndefined();
  });

  it('passes each step the state so far: render gets the token, deploy gets token and render', async () => {
    // Prepare
    const steps = fakeSteps({ deploy: [deployOf('noop', 'UPDATE_COMPLETE')], await: [] }, rec);
    // Act
    await runPipeline(config, options(steps));
    // Assess
    expect(rec.inputs['resolve-token']?.[0]).toEqual({ config });
    expect(rec.inputs['render-stack']?.[0]).toEqual({ config, token });
    expect(rec.inputs['deploy-stack']?.[0]).toEqual({ config, token, render });
  });

  it('awaits a create until done, waiting the poll interval before each call and streaming the events', async () => {
    // Prepare
    const first = awaitOf('CREATE_IN_PROGRESS', false, false, [event(1, 'VPC', 'CREATE_IN_PROGRESS')]);
    const last = awaitOf('CREATE_COMPLETE', true, true, [event(2, 'VPC', 'CREATE_COMPLETE')]);
    const steps = fakeSteps({ deploy: [deployOf('create')], await: [first, last] }, rec);
    const events: PipelineEvent[] = [];
    // Act
    const result = await runPipeline(config, options(steps, events));
    // Assess
    expect(rec.calls).toEqual(['resolve-token', 'render-stack', 'deploy-stack', 'await-stack', 'await-stack']);
    expect(sleeps).toEqual([5_000, 5_000]);
    expect(rec.inputs['await-stack']?.[0]).toEqual({ config, token, render, deploy: deployOf('create') });
    expect(rec.inputs['await-stack']?.[1]?.await).toEqual(first);
    const lines = events.flatMap((e) => (e.type === 'stack-event' ? [e.line] : []));
    expect(lines).toEqual([
      '12:00:01 | CREATE_IN_PROGRESS | AWS::EC2::VPC | VPC',
      '12:00:02 | CREATE_COMPLETE | AWS::EC2::VPC | VPC',
    ]);
    expect(result.await?.status).toBe('CREATE_COMPLETE');
    expect(result.events.map((e) => e.eventId)).toEqual(['e1', 'e2']);
  });

  it('fails with the root cause when the stack ends in a failed state', async () => {
    // Prepare
    const failed: AwaitResult = {
      ...awaitOf('ROLLBACK_COMPLETE', true, false),
      rootCause: {
        logicalId: 'BastionInstance',
        resourceType: 'AWS::EC2::Instance',
        status: 'CREATE_FAILED',
        reason: 'Failed to receive 1 resource signal(s) within the specified duration',
        cfnInitLogTail: ['Error: gitlab-runner verify failed: 403 Forbidden'],
      },
    };
    const steps = fakeSteps({ deploy: [deployOf('create')], await: [failed] }, rec);
    // Act
    const run = runPipeline(config, options(steps));
    // Assess
    await expect(run).rejects.toBeInstanceOf(StackFailedError);
    const error = (await run.catch((e) => e)) as StackFailedError;
    expect(error.rootCause?.logicalId).toBe('BastionInstance');
    expect(error.message).toContain('BastionInstance (AWS::EC2::Instance) CREATE_FAILED');
    expect(error.message).toContain('Failed to receive 1 resource signal(s)');
    expect(error.message).toContain('gitlab-runner verify failed: 403 Forbidden');
    expect(error.hint).toMatch(/deleted and created anew/);
  });

  it('recreate: awaits the delete of the failed stack, then deploys again and awaits the create', async () => {
    // Prepare
    const steps = fakeSteps(
      {
        deploy: [deployOf('recreate', 'ROLLBACK_COMPLETE'), deployOf('create')],
        await: [awaitOf('DELETE_COMPLETE', true, true), awaitOf('CREATE_COMPLETE', true, true)],
      },
      rec,
    );
    // Act
    const result = await runPipeline(config, options(steps));
    // Assess
    expect(rec.calls.slice(2)).toEqual(['deploy-stack', 'await-stack', 'deploy-stack', 'await-stack']);
    expect(result.deploys.map((d) => d.action)).toEqual(['recreate', 'create']);
    expect(result.await?.status).toBe('CREATE_COMPLETE');
    // the second await starts fresh (no lastEventId of the delete)
    expect(rec.inputs['await-stack']?.[1]?.await).toBeUndefined();
  });

  it('recreate: a delete that fails stops the run with the root cause', async () => {
    // Prepare
    const steps = fakeSteps(
      { deploy: [deployOf('recreate', 'ROLLBACK_COMPLETE')], await: [awaitOf('DELETE_FAILED', true, false)] },
      rec,
    );
    // Act
    const run = runPipeline(config, options(steps));
    // Assess
    await expect(run).rejects.toMatchObject({ code: 'STACK_FAILED', status: 'DELETE_FAILED' });
    expect(rec.calls.filter((c) => c === 'deploy-stack')).toHaveLength(1);
  });

  it('busy: awaits the running operation (even one that rolled back), then deploys again', async () => {
    // Prepare
    const steps = fakeSteps(
      {
        deploy: [deployOf('busy', 'UPDATE_IN_PROGRESS'), deployOf('update', 'UPDATE_ROLLBACK_COMPLETE')],
        await: [awaitOf('UPDATE_ROLLBACK_COMPLETE', true, true), awaitOf('UPDATE_COMPLETE', true, true)],
      },
      rec,
    );
    // Act
    const result = await runPipeline(config, options(steps));
    // Assess
    expect(result.deploys.map((d) => d.action)).toEqual(['busy', 'update']);
    expect(result.await?.ok).toBe(true);
  });

  it('busy for ever: gives up after 3 deploy-stack calls with a typed error', async () => {
    // Prepare
    const steps = fakeSteps(
      { deploy: [deployOf('busy', 'UPDATE_IN_PROGRESS')], await: [awaitOf('UPDATE_COMPLETE', true, true)] },
      rec,
    );
    // Act
    const run = runPipeline(config, options(steps));
    // Assess
    await expect(run).rejects.toBeInstanceOf(DeployAttemptsExhaustedError);
    expect(rec.calls.filter((c) => c === 'deploy-stack')).toHaveLength(3);
  });

  it('gives up awaiting after the timeout with a typed error naming the last status', async () => {
    // Prepare: the fake clock advances by the poll interval per wait; 60 s allow 12 polls of 5 s
    const steps = fakeSteps(
      { deploy: [deployOf('update')], await: [awaitOf('UPDATE_IN_PROGRESS', false, false)] },
      rec,
    );
    // Act
    const run = runPipeline(config, options(steps));
    // Assess
    await expect(run).rejects.toBeInstanceOf(PipelineTimeoutError);
    await expect(run).rejects.toThrow(/still UPDATE_IN_PROGRESS after 1 minute/);
    expect(rec.calls.filter((c) => c === 'await-stack')).toHaveLength(12);
  });

  it('lets a step error through as it is, and runs no later step', async () => {
    // Prepare
    const steps = fakeSteps({ deploy: [deployOf('noop')], await: [] }, rec);
    steps.resolveToken = async () => {
      throw new TokenError('TOKEN_MISSING', 'The SSM parameter /gitlab-runner/token does not exist.', 'Create it.');
    };
    // Act
    const run = runPipeline(config, options(steps));
    // Assess
    await expect(run).rejects.toBeInstanceOf(TokenError);
    expect(rec.calls).toEqual([]);
  });

  it('emits the phases in state-machine order, each once per call', async () => {
    // Prepare
    const steps = fakeSteps({ deploy: [deployOf('create')], await: [awaitOf('CREATE_COMPLETE', true, true)] }, rec);
    const events: PipelineEvent[] = [];
    // Act
    await runPipeline(config, options(steps, events));
    // Assess
    const phases = events.flatMap((e) => (e.type === 'phase-start' ? [e.phase] : []));
    expect(phases).toEqual(['artifact-bucket', 'resolve-token', 'render-stack', 'deploy-stack', 'await-stack']);
    expect(events).toContainEqual({ type: 'bucket', bucket: 'fleet-artifacts', created: false });
  });
});
