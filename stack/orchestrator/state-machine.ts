import type { CfnResource, CfnValue } from '../shared/cfn.js';
import { getAtt } from '../shared/cfn.js';
import { type OrchestratorContext, orchestratorTags } from './context.js';
import { allow, serviceRole } from './iam.js';
import { functionLogicalId, ORCHESTRATOR_STEPS, type OrchestratorStep, STEP_FUNCTIONS } from './steps.js';

export const STATE_MACHINE_ID = 'DeployStateMachine';
export const STATE_MACHINE_ROLE_ID = 'DeployStateMachineRole';

/** Seconds between two await-stack calls (a runner stack takes minutes; CloudFormation's own pace). */
export const AWAIT_WAIT_SECONDS = 30;
/**
 * Upper bound of one execution: a create with the manager's 15-minute CreationPolicy, a delete of a failed stack
 * before it, and another operation to wait for, fit well; a stack stuck beyond that ends the run as States.Timeout.
 */
export const EXECUTION_TIMEOUT_SECONDS = 2 * 60 * 60;

/** Errors of the Lambda service (not of our code) that a retry with backoff cures. */
export const RETRIED_ERRORS = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'ThrottlingException',
  'States.Timeout',
];

/** `${<Stem>FunctionArn}`: the placeholder Fn::Sub fills with the function's ARN. */
export const functionArnVariable = (step: OrchestratorStep): string => `${STEP_FUNCTIONS[step].stem}FunctionArn`;

type State = Record<string, unknown>;

function task(step: OrchestratorStep, resultPath: string, next: string): State {
  return {
    Type: 'Task',
    Comment: STEP_FUNCTIONS[step].description,
    Resource: `\${${functionArnVariable(step)}}`,
    ResultPath: resultPath,
    // A little longer than the function's own timeout: the Lambda fails first and says why.
    TimeoutSeconds: STEP_FUNCTIONS[step].timeoutSeconds + 10,
    Retry: [
      {
        ErrorEquals: RETRIED_ERRORS,
        IntervalSeconds: 2,
        MaxAttempts: 6,
        BackoffRate: 2,
        MaxDelaySeconds: 60,
        JitterStrategy: 'FULL',
      },
    ],
    // Anything else (typed errors arrive with Error = the class name, e.g. StackError, TokenError) ends the run.
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'PipelineFailed' }],
    Next: next,
  };
}

const action = (value: string) => ({ Variable: '$.deploy.action', StringEquals: value });

/**
 * The deploy pipeline as Amazon States Language (DESIGN.md section 1), one growing state
 * `{ token, render, deploy, await, health }` (each Task adds its result at its ResultPath; the config is each
 * function's RUNNER_CONFIG). Function ARNs are `${…FunctionArn}` placeholders for Fn::Sub.
 *
 *   ResolveToken → RenderStack → DeployStack → DeployAction?
 *     noop                          → HealthCheck
 *     create/update/recreate/busy   → WaitForStack → AwaitStack → StackSettled?
 *        not done                   → WaitForStack (loop)
 *        ok after recreate/busy     → DeployStack (the failed stack is gone / the other operation ended)
 *        ok after create/update     → HealthCheck → Done
 *        not ok                     → DescribeRootCause | DescribeStackStatus → DeployFailed
 *   any Task error after retries    → PipelineFailed (Error and Cause of the step's error)
 *
 * A stale `$.await` from a previous round is harmless: await-stack reads it as an earlier, settled poll.
 */
export function deployStateMachineDefinition(): Record<string, unknown> {
  return {
    Comment: 'gitlab-runner-orchestrator: resolve the runner token, render and deploy the runner stack, check health.',
    StartAt: 'ResolveToken',
    TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    States: {
      ResolveToken: task('resolve-token', '$.token', 'RenderStack'),
      RenderStack: task('render-stack', '$.render', 'DeployStack'),
      DeployStack: task('deploy-stack', '$.deploy', 'DeployAction'),
      DeployAction: {
        Type: 'Choice',
        Comment: 'noop: the stack already carries this template and token version.',
        Choices: [{ ...action('noop'), Next: 'HealthCheck' }],
        Default: 'WaitForStack',
      },
      WaitForStack: { Type: 'Wait', Seconds: AWAIT_WAIT_SECONDS, Next: 'AwaitStack' },
      AwaitStack: task('await-stack', '$.await', 'StackSettled'),
      StackSettled: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.await.done', BooleanEquals: false, Next: 'WaitForStack' },
          {
            And: [{ Variable: '$.await.ok', BooleanEquals: true }, { Or: [action('recreate'), action('busy')] }],
            Next: 'DeployStack',
          },
          { Variable: '$.await.ok', BooleanEquals: true, Next: 'HealthCheck' },
          { Variable: '$.await.rootCause', IsPresent: true, Next: 'DescribeRootCause' },
        ],
        Default: 'DescribeStackStatus',
      },
      DescribeRootCause: {
        Type: 'Pass',
        Parameters: {
          'cause.$':
            "States.Format('Stack {} is {}: {} ({}) {}: {}', $.await.stackName, $.await.status, $.await.rootCause.logicalId, $.await.rootCause.resourceType, $.await.rootCause.status, $.await.rootCause.reason)",
        },
        ResultPath: '$.failure',
        Next: 'DeployFailed',
      },
      DescribeStackStatus: {
        Type: 'Pass',
        Parameters: { 'cause.$': "States.Format('Stack {} ended in {}.', $.await.stackName, $.await.status)" },
        ResultPath: '$.failure',
        Next: 'DeployFailed',
      },
      DeployFailed: { Type: 'Fail', Error: 'DeployFailed', CausePath: '$.failure.cause' },
      HealthCheck: task('health-check', '$.health', 'Done'),
      Done: { Type: 'Succeed' },
      PipelineFailed: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
    },
  };
}

/** The state machine resource: the definition as a string (what moto and CloudFormation both read) via Fn::Sub. */
export function stateMachineResources(ctx: OrchestratorContext): Record<string, CfnResource> {
  const arns: Record<string, CfnValue> = {};
  for (const step of ORCHESTRATOR_STEPS) arns[functionArnVariable(step)] = getAtt(functionLogicalId(step), 'Arn');
  return {
    [STATE_MACHINE_ROLE_ID]: serviceRole({
      service: 'states.amazonaws.com',
      policyName: 'invoke-steps',
      statements: [
        allow(
          'InvokeSteps',
          ['lambda:InvokeFunction'],
          ORCHESTRATOR_STEPS.map((step) => getAtt(functionLogicalId(step), 'Arn')),
        ),
      ],
      description: `Runs the deploy pipeline of the runner stack ${ctx.config.stackName}: invokes its five functions.`,
      tags: orchestratorTags(ctx.config, 'state-machine-role'),
      sourceAccountGuard: true,
    }),
    [STATE_MACHINE_ID]: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineType: 'STANDARD',
        RoleArn: getAtt(STATE_MACHINE_ROLE_ID, 'Arn'),
        DefinitionString: { 'Fn::Sub': [JSON.stringify(deployStateMachineDefinition(), null, 2), arns] },
        Tags: orchestratorTags(ctx.config, 'pipeline'),
      },
    },
  };
}
