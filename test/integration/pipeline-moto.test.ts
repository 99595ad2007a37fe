import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type CreateChangeSetCommandInput,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeInstanceAttributeCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AwsClients, createAwsClients } from '../../functions/shared/aws-clients.js';
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { TAG_TEMPLATE_HASH, TAG_TOKEN_VERSION } from '../../functions/shared/contracts.js';
import { setLogSink } from '../../functions/shared/logger.js';
import { awsEnv } from '../../scripts/lib/aws-env.js';
import { type PipelineEvent, type PipelineResult, runPipeline } from '../../scripts/lib/pipeline-runner.js';
import { REPO_ROOT } from '../../scripts/lib/repo-root.js';
import { type RunnerVariant, runnerVariants } from '../../stack/runner/index.js';
import { useMoto } from '../support/moto.js';
import { loadExampleConfig, prepareVariant, stackResources } from '../support/runner-stack.js';
import { motoDeployBlocker } from './moto-gaps.js';

/**
 * The deploy pipeline (`runPipeline`, the code behind `npm run pipeline`) against moto, in state-machine order:
 * from nothing it creates the runner stack; unchanged it is a no-op that creates no change set and makes at most
 * 3 CloudFormation calls; a new SSM version of the token updates the stack. A canary token is planted and looked
 * for in everything the runs produced. Finally the CLI itself with bad input.
 * The variant is docker-autoscaler + created IPv4 network, one moto can deploy (./moto-gaps.ts).
 */
const run = promisify(execFile);
const CANARY_1 = `glrt-CANARY${randomBytes(10).toString('hex')}`;
const CANARY_2 = `glrt-CANARY${randomBytes(10).toString('hex')}`;
const CANARIES = [CANARY_1, CANARY_2];
const leaks = (text: string | undefined): string[] => CANARIES.filter((c) => (text ?? '').includes(c));
const STACK = 'pipe-das-create-v4';
const POLL_MS = 50;

const variant = runnerVariants().find(
  (v) => v.executor === 'docker-autoscaler' && v.network === 'create' && !v.ipv6,
) as RunnerVariant;

describe('pipeline on moto', () => {
  const moto = useMoto();
  let clients: AwsClients;
  let ec2: EC2Client;
  let config: RunnerConfig;
  let restoreSink: (line: string) => void;
  const logLines: string[] = [];
  const events: PipelineEvent[] = [];
  const results: PipelineResult[] = [];
  let cfnCalls: string[] = [];
  const changeSetTags: CreateChangeSetCommandInput['Tags'][] = [];
  let managerInstanceId: string | undefined;

  const pipeline = async (): Promise<PipelineResult> => {
    const result = await runPipeline(config, {
      clients,
      pollIntervalMs: POLL_MS,
      timeoutMs: 5 * 60_000,
      onEvent: (e) => events.push(e),
    });
    results.push(result);
    return result;
  };
  const describeStack = async () => {
    const { Stacks = [] } = await clients.cfn.send(new DescribeStacksCommand({ StackName: STACK }));
    if (Stacks.length !== 1) throw new Error(`expected one stack ${STACK}, got ${Stacks.length}`);
    return Stacks[0] as NonNullable<(typeof Stacks)[number]>;
  };
  const tagOf = (tags: { Key?: string; Value?: string }[] | undefined, key: string) =>
    tags?.find((t) => t.Key === key)?.Value;

  beforeAll(async () => {
    const base = await loadExampleConfig();
    ec2 = new EC2Client(moto.clientConfig(base.region));
    config = await prepareVariant(ec2, base, variant, STACK);
    clients = createAwsClients(moto.clientConfig(config.region));
    // Counts every command the CloudFormation client sends (initialize: once per command, before any retry).
    clients.cfn.middlewareStack.add(
      (next, context) => async (args) => {
        cfnCalls.push(context.commandName ?? 'unknown');
        if (context.commandName === 'CreateChangeSetCommand') {
          changeSetTags.push((args.input as CreateChangeSetCommandInput).Tags);
        }
        return next(args);
      },
      { step: 'initialize', name: 'countCloudFormationCalls' },
    );
    restoreSink = setLogSink((line) => logLines.push(line));
    await clients.ssm.send(
      new PutParameterCommand({ Name: config.gitlab.tokenParameterName, Value: CANARY_1, Type: 'SecureString' }),
    );
  });

  afterAll(() => {
    if (restoreSink) setLogSink(restoreSink);
    ec2?.destroy();
    for (const client of Object.values(clients ?? {})) client.destroy();
  });

  it('uses a variant moto can deploy', () => {
    // Assess: if the gap list ever blocks it, this file must say so instead of failing obscurely
    expect(variant).toBeDefined();
    expect(motoDeployBlocker(variant)).toBeUndefined();
  });

  it('(a) creates the artifact bucket, stores the template under its hash and creates the stack from nothing', async () => {
    // Prepare
    const before = await clients.s3.send(new ListBucketsCommand({}));
    expect(before.Buckets?.map((b) => b.Name)).not.toContain(config.artifactBucket);
    // Act
    const result = await pipeline();
    // Assess
    expect(result.bucketCreated).toBe(true);
    expect(result.deploy.action).toBe('create');
    expect(result.await).toMatchObject({ status: 'CREATE_COMPLETE', done: true, ok: true });
    const stack = await describeStack();
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(tagOf(stack.Tags, TAG_TEMPLATE_HASH)).toBe(result.render.templateHash);
    expect(tagOf(stack.Tags, TAG_TOKEN_VERSION)).toBe('1');
    const object = await clients.s3.send(
      new GetObjectCommand({ Bucket: config.artifactBucket, Key: result.render.templateKey }),
    );
    const body = (await object.Body?.transformToString()) ?? '';
    expect(result.render.templateKey).toContain(result.render.templateHash);
    expect(createHash('sha256').update(body, 'utf8').digest('hex')).toBe(result.render.templateHash);
    // moto drops the manager from the stack resources after an update (moto-gaps.ts): remember it now
    managerInstanceId = (await stackResources(clients.cfn, STACK)).BastionInstance;
    expect(managerInstanceId).toMatch(/^i-/);
  });

  it('(b) run again unchanged: noop, zero change sets, at most 3 CloudFormation calls', async () => {
    // Prepare
    cfnCalls = [];
    const eventsBefore = events.length;
    // Act
    const result = await pipeline();
    // Assess
    const callsOfRun = [...cfnCalls];
    expect(result.deploy.action).toBe('noop');
    expect(result.await).toBeUndefined();
    expect(callsOfRun.filter((c) => c === 'CreateChangeSetCommand')).toEqual([]);
    expect(callsOfRun.length).toBeGreaterThanOrEqual(1);
    expect(callsOfRun.length).toBeLessThanOrEqual(3);
    expect(events.slice(eventsBefore).some((e) => e.type === 'phase-start' && e.phase === 'await-stack')).toBe(false);
  });

  it('(c) a new SSM version of the token updates the stack (parameter and change-set tag token-version 2)', async () => {
    // Prepare
    await clients.ssm.send(
      new PutParameterCommand({
        Name: config.gitlab.tokenParameterName,
        Value: CANARY_2,
        Type: 'SecureString',
        Overwrite: true,
      }),
    );
    cfnCalls = [];
    // Act
    const result = await pipeline();
    // Assess
    expect(result.token.version).toBe(2);
    expect(result.deploy.action).toBe('update');
    expect(result.await?.status).toBe('UPDATE_COMPLETE');
    expect(cfnCalls.filter((c) => c === 'CreateChangeSetCommand')).toHaveLength(1);
    const stack = await describeStack();
    expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(stack.Parameters).toContainEqual({ ParameterKey: 'TokenParameterVersion', ParameterValue: '2' });
    // The UPDATE change set asks for token-version 2 (and the new template hash) as stack tags; AWS applies a change
    // set's tags to the stack. moto 5.2 keeps the CREATE tags (its execute_change_set never touches stack tags and
    // DescribeChangeSet shows none), so the request deploy-stack sent is what can be checked here.
    expect(changeSetTags).toHaveLength(2);
    expect(tagOf(changeSetTags[1], TAG_TOKEN_VERSION)).toBe('2');
    expect(tagOf(changeSetTags[1], TAG_TEMPLATE_HASH)).toBe(result.render.templateHash);
  });

  describe('(d) canary: the planted tokens appear nowhere the runs left anything', () => {
    it('the canaries are really in SSM, and there is something to search', async () => {
      // Act
      const got = await clients.ssm.send(
        new GetParameterCommand({ Name: config.gitlab.tokenParameterName, WithDecryption: true }),
      );
      // Assess: proves needle and haystacks are real, so "nowhere" below means something
      expect(leaks(got.Parameter?.Value)).toEqual([CANARY_2]);
      expect(results).toHaveLength(3);
      expect(logLines.length).toBeGreaterThan(5);
      expect(events.filter((e) => e.type === 'step-output').length).toBeGreaterThanOrEqual(10);
    });

    it('in no log line of any step', () => {
      // Assess
      expect(logLines.flatMap(leaks)).toEqual([]);
    });

    it('in no step output nor pipeline result', () => {
      // Assess
      expect(leaks(JSON.stringify(events))).toEqual([]);
      expect(leaks(JSON.stringify(results))).toEqual([]);
    });

    it('in no object of the artifact bucket', async () => {
      // Act
      const { Contents = [] } = await clients.s3.send(new ListObjectsV2Command({ Bucket: config.artifactBucket }));
      const bodies = await Promise.all(
        Contents.map(async ({ Key }) => {
          const object = await clients.s3.send(new GetObjectCommand({ Bucket: config.artifactBucket, Key }));
          return (await object.Body?.transformToString()) ?? '';
        }),
      );
      // Assess
      expect(Contents.length).toBeGreaterThanOrEqual(1);
      expect(bodies.every((b) => b.includes('BastionInstance'))).toBe(true);
      expect(bodies.flatMap(leaks)).toEqual([]);
    });

    it('in no stack parameter, tag or output (DescribeStacks), nor the template (GetTemplate)', async () => {
      // Act
      const stack = await describeStack();
      const original = await clients.cfn.send(new GetTemplateCommand({ StackName: STACK, TemplateStage: 'Original' }));
      const processed = await clients.cfn.send(
        new GetTemplateCommand({ StackName: STACK, TemplateStage: 'Processed' }),
      );
      // Assess
      expect(stack.Parameters?.length).toBeGreaterThan(0);
      expect(leaks(JSON.stringify(stack))).toEqual([]);
      expect(original.TemplateBody).toContain('AWS::CloudFormation::Init');
      expect(leaks(original.TemplateBody)).toEqual([]);
      expect(leaks(processed.TemplateBody)).toEqual([]);
    });

    it("in neither the manager's Metadata nor its UserData", async () => {
      // Act: Metadata from the template (DescribeStackResource 500s on moto, moto-gaps.ts), UserData from EC2
      const { TemplateBody } = await clients.cfn.send(new GetTemplateCommand({ StackName: STACK }));
      const metadata = JSON.stringify(JSON.parse(TemplateBody ?? '{}').Resources?.BastionInstance?.Metadata ?? null);
      const attribute = await ec2.send(
        new DescribeInstanceAttributeCommand({ InstanceId: managerInstanceId, Attribute: 'userData' }),
      );
      const userData = Buffer.from(attribute.UserData?.Value ?? '', 'base64').toString('utf8');
      // Assess
      expect(metadata).toContain('AWS::CloudFormation::Init');
      expect(userData).toContain('cfn-init');
      expect(leaks(metadata)).toEqual([]);
      expect(leaks(userData)).toEqual([]);
    });
  });

  describe('(e) the CLI with bad input', () => {
    let dir: string;
    const cli = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      try {
        const { stdout, stderr } = await run('npx', ['tsx', 'scripts/pipeline.ts', ...args], {
          cwd: REPO_ROOT,
          env: { ...process.env, ...awsEnv(moto.endpoint, config.region), CI: '1' },
          timeout: 90_000,
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    };
    const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pipeline-cli-'));
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('a missing config file: exit 2, says which file', async () => {
      // Act
      const out = await cli(['--config', join(dir, 'nope.json')]);
      // Assess
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(`Cannot read the config file ${join(dir, 'nope.json')}`);
      expect(out.stderr).not.toMatch(STACK_FRAME);
    });

    it('an invalid config: exit 2, names the field and the fix', async () => {
      // Prepare
      const file = join(dir, 'invalid.json');
      await writeFile(file, JSON.stringify({ ...config, executor: { ...config.executor, OffPeakIdleCount: 1 } }));
      // Act
      const out = await cli(['--config', file]);
      // Assess
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('executor: unknown key(s) OffPeakIdleCount; remove or fix the spelling');
      expect(out.stderr).not.toMatch(STACK_FRAME);
    });

    it('a missing token parameter: exit 1 with the TokenError message and next step, no stack trace', async () => {
      // Prepare
      const file = join(dir, 'no-token.json');
      const stackName = 'pipe-no-token';
      await writeFile(
        file,
        JSON.stringify({ ...config, stackName, gitlab: { ...config.gitlab, tokenParameterName: '/nowhere/token' } }),
      );
      // Act
      const out = await cli(['--config', file, '--poll-interval', '0.05']);
      // Assess
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(
        /Pipeline failed \[TOKEN_[A-Z_]+\]: The SSM parameter \/nowhere\/token does not exist/,
      );
      expect(out.stderr).toContain('->');
      expect(out.stderr).not.toMatch(STACK_FRAME);
      await expect(clients.cfn.send(new DescribeStacksCommand({ StackName: stackName }))).rejects.toThrow(
        /does not exist/,
      );
    });
  });
});
