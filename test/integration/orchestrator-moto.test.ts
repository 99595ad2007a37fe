import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseRunnerConfig, type RunnerConfig } from '../../functions/shared/config/index.js';
import { startPipeline } from '../../scripts/deploy.js';
import { type BuildReport, buildBundles } from '../../scripts/lib/bundles.js';
import { motoVersion } from '../../scripts/lib/moto-version.js';
import { deployOrchestrator, type OrchestratorDeployResult } from '../../scripts/lib/orchestrator-deploy.js';
import { REPO_ROOT } from '../../scripts/lib/repo-root.js';
import { zipFiles } from '../../scripts/lib/zip.js';
import {
  deployStateMachineDefinition,
  functionLogicalId,
  HEALTH_SCHEDULE_ID,
  ORCHESTRATOR_STEPS,
  STEP_FUNCTIONS,
  TOKEN_CHANGE_RULE_ID,
  tokenChangeEventPattern,
} from '../../stack/orchestrator/index.js';
import { useMoto } from '../support/moto.js';
import { loadExampleConfig } from '../support/runner-stack.js';
import { MOTO_GAPS_CHECKED_WITH } from './moto-gaps.js';

/**
 * `npm run deploy`'s path on moto: the real bundles, uploaded to the stack's own artifact bucket, the orchestrator
 * stack deployed through change sets (bootstrap CREATE, then UPDATE), and what moto then holds: the functions, the
 * state machine with its definition, the two EventBridge rules. The SSM rule's pattern, read back from the deployed
 * rule, is matched against real "Parameter Store Change" events by moto's EventBridge (moto-gaps.ts:
 * events-test-event-pattern says why not with TestEventPattern).
 */
const STACK = 'orch-it-orchestrator';

/** A "Parameter Store Change" event as SSM sends it to EventBridge (detail of the documented sample). */
const parameterChange = (name: string, operation: string) => ({
  source: 'aws.ssm',
  'detail-type': 'Parameter Store Change',
  resources: [`arn:aws:ssm:eu-west-1:123456789012:parameter/${name.replace(/^\//, '')}`],
  detail: { operation, name, type: 'SecureString', description: '' },
});

describe('orchestrator stack on moto', () => {
  const moto = useMoto();
  let config: RunnerConfig;
  let outDir: string;
  let bundles: BuildReport;
  let result: OrchestratorDeployResult;
  let cfn: CloudFormationClient;
  let s3: S3Client;
  let lambda: LambdaClient;
  let sfn: SFNClient;
  let events: EventBridgeClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    const base = await loadExampleConfig();
    config = parseRunnerConfig({ ...base, stackName: 'orch-it', artifactBucket: 'orch-it-artifacts' }, 'it config');
    outDir = await mkdtemp(join(tmpdir(), 'orch-moto-'));
    bundles = await buildBundles({ outDir });
    if (!existsSync(join(REPO_ROOT, 'functions/health-check/handler.ts'))) {
      // The health check is written in parallel; until its handler exists, a stand-in zip keeps the stack whole.
      console.warn('functions/health-check/handler.ts is missing: deploying a stand-in bundle for health-check');
      const zipFile = join(outDir, 'health-check-standin.zip');
      const zip = zipFiles([{ name: 'index.mjs', data: Buffer.from('export const handler = async () => {};\n') }]);
      await writeFile(zipFile, zip);
      bundles.bundles.push({
        step: 'health-check',
        bundleFile: zipFile,
        zipFile,
        bundleBytes: zip.length,
        zipBytes: zip.length,
        zipSha256: createHash('sha256').update(zip).digest('hex'),
        inputsHash: '0'.repeat(64),
        largestInputs: [],
      });
    }
    cfn = new CloudFormationClient(moto.clientConfig(config.region));
    s3 = new S3Client(moto.s3ClientConfig(config.region));
    lambda = new LambdaClient(moto.clientConfig(config.region));
    sfn = new SFNClient(moto.clientConfig(config.region));
    events = new EventBridgeClient(moto.clientConfig(config.region));
    sqs = new SQSClient(moto.clientConfig(config.region));
    result = await deployOrchestrator({ config, stackName: STACK, cfn, s3, bundles, pollIntervalMs: 100 });
  }, 110_000);

  afterAll(async () => {
    for (const client of [cfn, s3, lambda, sfn, events, sqs]) client?.destroy();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  const physicalId = (logicalId: string): string => {
    const id = result.resources[logicalId];
    if (!id) throw new Error(`no physical id for ${logicalId}`);
    return id;
  };

  it('creates the stack with its artifact bucket, then updates it to the full template', async () => {
    // Act
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: STACK }));
    // Assess
    expect(result.bootstrap).toBe('created');
    expect(result.status).toBe('UPDATE_COMPLETE');
    expect(Stacks?.[0]?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(physicalId('ArtifactBucket')).toBe('orch-it-artifacts');
  });

  it('uploads every bundle to the artifact bucket under its content hash', async () => {
    for (const bundle of bundles.bundles) {
      // Act
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: 'orch-it-artifacts', Key: `lambda/${bundle.zipSha256}.zip` }),
      );
      // Assess
      expect(head.ContentLength).toBe(bundle.zipBytes);
    }
  });

  it('creates the five functions on nodejs22.x, each with the config in RUNNER_CONFIG', async () => {
    for (const step of ORCHESTRATOR_STEPS) {
      // Act
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: physicalId(functionLogicalId(step)) }));
      // Assess
      expect([step, fn.Configuration?.Runtime, fn.Configuration?.Handler]).toEqual([
        step,
        'nodejs22.x',
        'index.handler',
      ]);
      expect(fn.Configuration?.MemorySize).toBe(STEP_FUNCTIONS[step].memoryMb);
      const env = fn.Configuration?.Environment?.Variables ?? {};
      expect(parseRunnerConfig(JSON.parse(env.RUNNER_CONFIG ?? '{}'))).toEqual(config);
      if (step === 'deploy-stack') {
        expect(env.CFN_EXECUTION_ROLE_ARN).toMatch(/^arn:aws:iam::\d{12}:role\/.*RunnerStackDeployRole/);
      }
    }
  });

  it('creates the state machine with the pipeline definition, each Task pointing at its function', async () => {
    // Prepare
    let expected = JSON.stringify(deployStateMachineDefinition());
    for (const step of ORCHESTRATOR_STEPS) {
      const arn = `arn:aws:lambda:${config.region}:123456789012:function:${physicalId(functionLogicalId(step))}`;
      expected = expected.replace(`\${${STEP_FUNCTIONS[step].stem}FunctionArn}`, arn);
    }
    // Act
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: result.stateMachineArn }));
    // Assess
    expect(JSON.parse(machine.definition ?? '{}')).toEqual(JSON.parse(expected));
    expect(machine.roleArn).toMatch(/DeployStateMachineRole/);
  });

  it('starts the pipeline once (npm run deploy --run): moto records the execution', async () => {
    // Act
    const arn = await startPipeline(sfn, result.stateMachineArn as string, new Date('2025-01-02T03:04:05Z'));
    // Assess
    expect(arn).toMatch(/^arn:aws:states:eu-west-1:\d{12}:execution:.*DeployStateMachine.*:deploy-20250102T030405$/);
  });

  it('schedules the health check with the config expression, judged at the event time', async () => {
    // Act
    const rule = await events.send(new DescribeRuleCommand({ Name: physicalId(HEALTH_SCHEDULE_ID) }));
    const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: physicalId(HEALTH_SCHEDULE_ID) }));
    // Assess
    expect(rule.ScheduleExpression).toBe('rate(15 minutes)');
    expect(Targets).toEqual([
      expect.objectContaining({
        Arn: expect.stringContaining(physicalId(functionLogicalId('health-check'))),
        InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: '{"now": <time>}' },
      }),
    ]);
  });

  describe('the token rule', () => {
    let pattern: string;
    let queueUrl: string;
    const BUS = 'pattern-probe';

    beforeAll(async () => {
      const rule = await events.send(new DescribeRuleCommand({ Name: physicalId(TOKEN_CHANGE_RULE_ID) }));
      pattern = rule.EventPattern ?? '';
      // A probe: the deployed rule's own pattern on a bus of its own, delivering to a queue we can read.
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'token-rule-probe' }));
      queueUrl = queue.QueueUrl as string;
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      await events.send(new CreateEventBusCommand({ Name: BUS }));
      await events.send(new PutRuleCommand({ Name: 'probe', EventBusName: BUS, EventPattern: pattern }));
      await events.send(
        new PutTargetsCommand({ Rule: 'probe', EventBusName: BUS, Targets: [{ Id: 'q', Arn: Attributes?.QueueArn }] }),
      );
    });

    /** True when moto's EventBridge routes the event through the deployed pattern. */
    async function matches(event: ReturnType<typeof parameterChange>): Promise<boolean> {
      const put = await events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: BUS,
              Source: event.source,
              DetailType: event['detail-type'],
              Resources: event.resources,
              Detail: JSON.stringify(event.detail),
            },
          ],
        }),
      );
      expect(put.FailedEntryCount).toBe(0);
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      );
      for (const m of Messages)
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      return Messages.length > 0;
    }

    it('is deployed with the pattern of the token parameter', () => {
      // Assess
      expect(JSON.parse(pattern)).toEqual(tokenChangeEventPattern(config));
    });

    it('starts the pipeline targets: the state machine, with the events role', async () => {
      // Act
      const { Targets = [] } = await events.send(
        new ListTargetsByRuleCommand({ Rule: physicalId(TOKEN_CHANGE_RULE_ID) }),
      );
      // Assess
      expect(Targets).toEqual([
        expect.objectContaining({ Arn: result.stateMachineArn, RoleArn: expect.stringMatching(/TokenChangeRuleRole/) }),
      ]);
    });

    it('matches a Create and an Update of the token parameter', async () => {
      // Act / Assess
      expect(await matches(parameterChange('/gitlab-runner/fleet/token', 'Update'))).toBe(true);
      expect(await matches(parameterChange('/gitlab-runner/fleet/token', 'Create'))).toBe(true);
    });

    it('ignores other parameters, even ones whose name starts with the token name', async () => {
      // Act / Assess
      expect(await matches(parameterChange('/gitlab-runner/fleet/other', 'Update'))).toBe(false);
      expect(await matches(parameterChange('/gitlab-runner/fleet/token-old', 'Update'))).toBe(false);
    });

    it('ignores a Delete and a label change of the token parameter', async () => {
      // Act / Assess
      expect(await matches(parameterChange('/gitlab-runner/fleet/token', 'Delete'))).toBe(false);
      expect(await matches(parameterChange('/gitlab-runner/fleet/token', 'LabelParameterVersion'))).toBe(false);
    });

    it('TestEventPattern still answers without a result on this moto (events-test-event-pattern)', async () => {
      if ((await motoVersion()) !== MOTO_GAPS_CHECKED_WITH) {
        console.warn('skipped: another moto version; try TestEventPattern instead of the probe bus');
        return;
      }
      // Act
      const out = await events.send(
        new TestEventPatternCommand({
          EventPattern: pattern,
          Event: JSON.stringify({
            id: '1',
            account: '123456789012',
            time: '2025-01-01T00:00:00Z',
            region: 'eu-west-1',
            ...parameterChange('/gitlab-runner/fleet/token', 'Update'),
          }),
        }),
      );
      // Assess: when this starts returning a boolean, use TestEventPattern in the tests above
      expect(out.Result).toBeUndefined();
    });
  });

  it('deploys again without a bootstrap and without uploading unchanged bundles', async () => {
    // Act
    const again = await deployOrchestrator({ config, stackName: STACK, cfn, s3, bundles, pollIntervalMs: 100 });
    // Assess
    expect(again.bootstrap).toBe('existing');
    expect(again.code.map((c) => c.uploaded)).toEqual(ORCHESTRATOR_STEPS.map(() => false));
    expect(again.stateMachineArn).toBe(result.stateMachineArn);
  });
});
