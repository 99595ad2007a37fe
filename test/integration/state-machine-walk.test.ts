import { randomBytes } from 'node:crypto';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { awaitStack } from '../../functions/await-stack/await-stack.js';
import { deployStack } from '../../functions/deploy-stack/deploy-stack.js';
import { healthCheckStep } from '../../functions/health-check/health-check.js';
import { renderStackStep } from '../../functions/render-stack/render-stack.js';
import { resolveTokenStep } from '../../functions/resolve-token/resolve-token.js';
import { type AwsClients, createAwsClients } from '../../functions/shared/aws-clients.js';
import { RUNNER_CONFIG_ENV } from '../../functions/shared/config/from-env.js';
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { createLogger } from '../../functions/shared/logger.js';
import { DEMO_LOGS_END, uploadDemoLogs } from '../../scripts/lib/demo-health.js';
import {
  buildOrchestratorTemplate,
  functionLogicalId,
  ORCHESTRATOR_STEPS,
  type OrchestratorStep,
} from '../../stack/orchestrator/index.js';
import { runnerVariants } from '../../stack/runner/index.js';
import type { CfnValue } from '../../stack/shared/cfn.js';
import type { AslDefinition } from '../support/asl-interpreter.js';
import { walkStateMachine } from '../support/asl-interpreter.js';
import { useMoto } from '../support/moto.js';
import { loadExampleConfig, prepareVariant, stackResources } from '../support/runner-stack.js';

/**
 * The deploy state machine exactly as the orchestrator template holds it (the DefinitionString of
 * DeployStateMachine), walked by test/support/asl-interpreter.ts with the real step code in-process against moto:
 * each Task's `${…FunctionArn}` is traced through the Fn::Sub variables to its function's logical id, and so to
 * its step. Like the Lambda functions, the steps read the config from RUNNER_CONFIG and get the execution's state
 * (the token rule's input, then each result at its ResultPath). moto records executions but never runs them
 * (moto-gaps.ts, stepfunctions-definition), hence this walk.
 */
const STACK = 'sfn-walk';
const TOKEN = `glrt-WALK${randomBytes(10).toString('hex')}`;
/** A registration token (GR1348941…): resolve-token refuses it with a TokenError. */
const REGISTRATION_TOKEN = `GR1348941${randomBytes(10).toString('hex')}`;
const trigger = (operation: string, parameterName: string) => ({
  trigger: { source: 'parameter-store-change', parameterName, operation, time: '2025-10-20T10:00:00Z' },
});

/** The template's definition, and Task resource → step (through Fn::Sub's `{ Var: { Fn::GetAtt: [id, Arn] } }`). */
function definitionOfTemplate(config: RunnerConfig): {
  definition: AslDefinition;
  stepOf: Map<string, OrchestratorStep>;
} {
  const codeKeys = Object.fromEntries(ORCHESTRATOR_STEPS.map((s) => [s, `lambda/${s}.zip`])) as Record<
    OrchestratorStep,
    string
  >;
  const template = buildOrchestratorTemplate(config, { codeBucket: config.artifactBucket, codeKeys });
  const machine = template.Resources.DeployStateMachine;
  if (!machine?.Properties) throw new Error('the orchestrator template has no DeployStateMachine');
  const [body, variables] = machine.Properties.DefinitionString['Fn::Sub'] as [string, Record<string, CfnValue>];
  const stepOf = new Map<string, OrchestratorStep>();
  for (const [variable, value] of Object.entries(variables)) {
    const logicalId = value['Fn::GetAtt']?.[0];
    const step = ORCHESTRATOR_STEPS.find((s) => functionLogicalId(s) === logicalId);
    if (step) stepOf.set(`\${${variable}}`, step);
  }
  return { definition: JSON.parse(body) as AslDefinition, stepOf };
}

describe('the deploy state machine, walked with the real steps on moto', () => {
  const moto = useMoto();
  let config: RunnerConfig;
  let clients: AwsClients;
  let ec2: EC2Client;
  let definition: AslDefinition;
  let stepOf: Map<string, OrchestratorStep>;
  const invoked: OrchestratorStep[] = [];
  const quiet = createLogger('state-machine-walk', {}, 'error');

  /** What each function does with its event: the step's run() with the clients of the Lambda. */
  const runStep = async (step: OrchestratorStep, event: unknown): Promise<unknown> => {
    switch (step) {
      case 'resolve-token':
        return resolveTokenStep.run(event, { ssm: clients.ssm }, quiet);
      case 'render-stack':
        return renderStackStep.run(event, { s3: clients.s3 }, quiet);
      case 'deploy-stack':
        return deployStack.run(event, { cfn: clients.cfn }, quiet);
      case 'await-stack':
        return awaitStack.run(event, { cfn: clients.cfn, s3: clients.s3 }, quiet);
      case 'health-check': {
        // By now the manager has shipped an hour of logs. LOG_BUCKET: DescribeStackResources of one logical id
        // answers HTTP 500 on moto for the runner stack (moto-gaps.ts, describe-stack-resource).
        await uploadDemoLogs(config, clients);
        const { LogBucket } = await stackResources(clients.cfn, config.stackName);
        return healthCheckStep.run(
          event,
          {
            s3: clients.s3,
            cfn: clients.cfn,
            env: { LOG_BUCKET: LogBucket },
            clock: () => Date.parse(DEMO_LOGS_END),
            emitMetrics: () => {},
          },
          quiet,
        );
      }
    }
  };
  const invoke = async (resource: string, event: unknown): Promise<unknown> => {
    const step = stepOf.get(resource);
    if (!step) throw new Error(`Task resource ${resource} maps to no function of the template`);
    invoked.push(step);
    return runStep(step, event);
  };

  beforeAll(async () => {
    const base = await loadExampleConfig();
    const variant = runnerVariants().find(
      (v) => v.executor === 'docker-autoscaler' && v.network === 'create' && !v.ipv6,
    );
    if (!variant) throw new Error('no docker-autoscaler create-network IPv4 variant');
    ec2 = new EC2Client(moto.clientConfig(base.region));
    config = await prepareVariant(ec2, base, variant, STACK);
    clients = createAwsClients(moto.clientConfig(config.region));
    ({ definition, stepOf } = definitionOfTemplate(config));
    process.env[RUNNER_CONFIG_ENV] = JSON.stringify(config);
    // The orchestrator stack owns the artifact bucket (its deploy is tested by orchestrator-moto.test.ts).
    await clients.s3.send(
      new CreateBucketCommand({
        Bucket: config.artifactBucket,
        CreateBucketConfiguration: { LocationConstraint: config.region as never },
      }),
    );
    await clients.ssm.send(
      new PutParameterCommand({ Name: config.gitlab.tokenParameterName, Value: TOKEN, Type: 'SecureString' }),
    );
  }, 60_000);

  afterAll(() => {
    delete process.env[RUNNER_CONFIG_ENV];
    ec2?.destroy();
    for (const client of Object.values(clients ?? {})) client.destroy();
  });

  it('maps every Task of the definition to one of the five functions', () => {
    // Act
    const tasks = Object.values(definition.States).filter((s) => s.Type === 'Task');
    // Assess
    expect(tasks.map((t) => stepOf.get(t.Resource))).toEqual([...ORCHESTRATOR_STEPS]);
  });

  it('goes from nothing to a deployed, healthy runner stack: token, render, deploy, wait/await, health check', async () => {
    // Prepare
    invoked.length = 0;
    // Act
    const walk = await walkStateMachine(definition, trigger('Create', config.gitlab.tokenParameterName), invoke);
    // Assess
    expect({ status: walk.status, error: walk.error, cause: walk.cause }).toEqual({
      status: 'SUCCEEDED',
      error: undefined,
      cause: undefined,
    });
    const path = walk.visited.join(' → ');
    expect(path).toMatch(
      /^ResolveToken → RenderStack → DeployStack → DeployAction( → WaitForStack → AwaitStack → StackSettled)+ → HealthCheck → Done$/,
    );
    expect(invoked.slice(0, 3)).toEqual(['resolve-token', 'render-stack', 'deploy-stack']);
    expect(walk.output).toMatchObject({
      trigger: { operation: 'Create' },
      token: { version: 1 },
      deploy: { action: 'create' },
      await: { done: true, ok: true },
      health: { verdict: 'healthy', htmlKey: expect.stringMatching(/^reports\/sfn-walk\/.*\.html$/) },
    });
    const { Stacks = [] } = await clients.cfn.send(new DescribeStacksCommand({ StackName: STACK }));
    expect(Stacks[0]?.StackStatus).toBe('CREATE_COMPLETE');
    expect(JSON.stringify(walk.output)).not.toContain(TOKEN);
  });

  it('goes straight from DeployStack to the health check when nothing changed (no-op)', async () => {
    // Act
    const walk = await walkStateMachine(definition, trigger('Update', config.gitlab.tokenParameterName), invoke);
    // Assess
    expect(walk.visited).toEqual(['ResolveToken', 'RenderStack', 'DeployStack', 'DeployAction', 'HealthCheck', 'Done']);
    expect(walk.output).toMatchObject({ deploy: { action: 'noop' } });
  });

  it('ends in PipelineFailed with the TokenError when the parameter holds a registration token', async () => {
    // Prepare
    await clients.ssm.send(
      new PutParameterCommand({
        Name: config.gitlab.tokenParameterName,
        Value: REGISTRATION_TOKEN,
        Type: 'SecureString',
        Overwrite: true,
      }),
    );
    invoked.length = 0;
    // Act
    const walk = await walkStateMachine(definition, trigger('Update', config.gitlab.tokenParameterName), invoke);
    // Assess
    expect(walk.status).toBe('FAILED');
    expect(walk.visited).toEqual(['ResolveToken', 'PipelineFailed']);
    expect(invoked).toEqual(['resolve-token']);
    expect(walk.error).toBe('TokenError');
    expect(walk.cause).toMatch(/registration/i);
    expect(`${walk.cause}${JSON.stringify(walk.output)}`).not.toContain(REGISTRATION_TOKEN);
  });
});
