// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import { describe, expect, it } from '@jest/globals';
import { deployStateMachineDefinition, ORCHESTRATOR_STEPS, STEP_FUNCTIONS } from '../../stack/orchestrator/index.js';
import { RETRIED_ERRORS } from '../../stack/orchestrator/state-machine.js';
import { chooseNext } from '../support/asl-choice.js';
import { deployedDefinition, orchestratorTemplate } from './orchestrator-support.js';

// biome-ignore lint/suspicious/noExplicitAny: ASL states are arbitrary JSON.
type State = Record<string, any>;
const definition = deployStateMachineDefinition() as { StartAt: string; States: Record<string, State> };
const states = definition.States;
const state = (name: string): State => {
  const found = states[name];
  if (!found) throw new Error(`no state ${name}`);
  return found;
};
const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');

/** Every state a state can go to next (Next, Default, Choices, Catch). */
function successors(s: State): string[] {
  return [
    s.Next,
    s.Default,
    ...(s.Choices ?? []).map((c: State) => c.Next),
    ...(s.Catch ?? []).map((c: State) => c.Next),
  ].filter((n): n is string => typeof n === 'string');
}

const choose = (name: string, data: unknown): string | undefined => chooseNext(state(name), data);

describe('deploy state machine', () => {
  it('runs resolve-token, render-stack, deploy-stack in order, each result at its own path', () => {
    // Act
    const order = [definition.StartAt, state('ResolveToken').Next, state('RenderStack').Next];
    // Assess
    expect(order).toEqual(['ResolveToken', 'RenderStack', 'DeployStack']);
    expect(Object.fromEntries(tasks.map(([name, s]) => [name, s.ResultPath]))).toEqual({
      ResolveToken: '$.token',
      RenderStack: '$.render',
      DeployStack: '$.deploy',
      AwaitStack: '$.await',
      HealthCheck: '$.health',
    });
  });

  it('gives every Task a backoff Retry on throttling and timeouts, and a Catch to PipelineFailed', () => {
    for (const [name, s] of tasks) {
      // Assess
      expect({ name, retry: s.Retry }).toEqual({
        name,
        retry: [expect.objectContaining({ ErrorEquals: RETRIED_ERRORS, BackoffRate: 2, MaxAttempts: 6 })],
      });
      expect(RETRIED_ERRORS).toEqual(
        expect.arrayContaining([
          'Lambda.TooManyRequestsException',
          'Lambda.ServiceException',
          'ThrottlingException',
          'States.Timeout',
        ]),
      );
      expect({ name, catch: s.Catch }).toEqual({
        name,
        catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'PipelineFailed' }],
      });
    }
    expect(state('PipelineFailed')).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('gives every Task a timeout just above its function timeout', () => {
    // Prepare
    const byState: Record<string, (typeof ORCHESTRATOR_STEPS)[number]> = {
      ResolveToken: 'resolve-token',
      RenderStack: 'render-stack',
      DeployStack: 'deploy-stack',
      AwaitStack: 'await-stack',
      HealthCheck: 'health-check',
    };
    for (const [name, s] of tasks) {
      // Act
      const step = byState[name] as (typeof ORCHESTRATOR_STEPS)[number];
      // Assess
      expect(s.TimeoutSeconds).toBe(STEP_FUNCTIONS[step].timeoutSeconds + 10);
    }
  });

  it('leads every transition to an existing state, and reaches every state from the start', () => {
    // Act
    const targets = Object.values(states).flatMap(successors);
    const reached = new Set<string>([definition.StartAt]);
    const queue = [definition.StartAt];
    while (queue.length > 0) {
      for (const next of successors(state(queue.shift() as string))) {
        if (!reached.has(next)) {
          reached.add(next);
          queue.push(next);
        }
      }
    }
    // Assess
    expect(targets.filter((t) => !states[t])).toEqual([]);
    expect([...reached].sort()).toEqual(Object.keys(states).sort());
    expect(
      Object.entries(states).filter(([, s]) => !['Succeed', 'Fail'].includes(s.Type) && successors(s).length === 0),
    ).toEqual([]);
  });

  it('goes straight to the health check after a no-op deploy, and waits after any other action', () => {
    // Act / Assess
    expect(choose('DeployAction', { deploy: { action: 'noop' } })).toBe('HealthCheck');
    for (const action of ['create', 'update', 'recreate', 'busy']) {
      expect(choose('DeployAction', { deploy: { action } })).toBe('WaitForStack');
    }
    expect(state('WaitForStack')).toEqual({ Type: 'Wait', Seconds: 30, Next: 'AwaitStack' });
    expect(state('AwaitStack').Next).toBe('StackSettled');
  });

  it('loops while the stack is busy, deploys again after a recreate or busy, health-checks after success', () => {
    // Prepare
    const awaited = (action: string, done: boolean, ok: boolean) => ({ deploy: { action }, await: { done, ok } });
    // Act / Assess
    expect(choose('StackSettled', awaited('create', false, false))).toBe('WaitForStack');
    expect(choose('StackSettled', awaited('recreate', true, true))).toBe('DeployStack');
    expect(choose('StackSettled', awaited('busy', true, true))).toBe('DeployStack');
    expect(choose('StackSettled', awaited('create', true, true))).toBe('HealthCheck');
    expect(choose('StackSettled', awaited('update', true, true))).toBe('HealthCheck');
    expect(state('HealthCheck').Next).toBe('Done');
    expect(state('Done')).toEqual({ Type: 'Succeed' });
  });

  it('fails as DeployFailed with the root cause, or the final status when there is none', () => {
    // Prepare
    const rootCause = { logicalId: 'BastionInstance', resourceType: 'AWS::EC2::Instance', status: 'CREATE_FAILED' };
    // Act
    const withCause = choose('StackSettled', {
      deploy: { action: 'create' },
      await: { done: true, ok: false, rootCause },
    });
    const without = choose('StackSettled', { deploy: { action: 'update' }, await: { done: true, ok: false } });
    // Assess
    expect([withCause, without]).toEqual(['DescribeRootCause', 'DescribeStackStatus']);
    expect(state('DescribeRootCause').Parameters['cause.$']).toMatch(
      /^States\.Format\('.*', \$\.await\.stackName, \$\.await\.status, \$\.await\.rootCause\.logicalId, .*\$\.await\.rootCause\.reason\)$/,
    );
    expect(state('DescribeRootCause').Next).toBe('DeployFailed');
    expect(state('DescribeStackStatus').Next).toBe('DeployFailed');
    expect(state('DeployFailed')).toEqual({ Type: 'Fail', Error: 'DeployFailed', CausePath: '$.failure.cause' });
  });

  it('bounds an execution, so a stack that never settles cannot loop forever', () => {
    // Assess
    expect(deployStateMachineDefinition().TimeoutSeconds).toBe(7200);
  });

  it('deploys this very definition, with each Task resource filled in by its function ARN', () => {
    // Act
    const { definition: deployed, variables } = deployedDefinition(orchestratorTemplate());
    // Assess
    expect(deployed).toEqual(definition);
    expect(Object.fromEntries(tasks.map(([name, s]) => [name, s.Resource]))).toEqual({
      ResolveToken: '${ResolveTokenFunctionArn}',
      RenderStack: '${RenderStackFunctionArn}',
      DeployStack: '${DeployStackFunctionArn}',
      AwaitStack: '${AwaitStackFunctionArn}',
      HealthCheck: '${HealthCheckFunctionArn}',
    });
    expect(variables).toEqual(
      Object.fromEntries(
        ORCHESTRATOR_STEPS.map((s) => [
          `${STEP_FUNCTIONS[s].stem}FunctionArn`,
          { 'Fn::GetAtt': [`${STEP_FUNCTIONS[s].stem}Function`, 'Arn'] },
        ]),
      ),
    );
  });
});
