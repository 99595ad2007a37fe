import type { RunnerConfig } from '../../functions/shared/config/index.js';
import type { CfnResource } from '../shared/cfn.js';
import { getAtt, ref } from '../shared/cfn.js';
import { type OrchestratorContext, orchestratorTags } from './context.js';
import { allow, serviceRole } from './iam.js';
import { STATE_MACHINE_ID } from './state-machine.js';
import { functionLogicalId } from './steps.js';

export const HEALTH_SCHEDULE_ID = 'HealthCheckSchedule';
export const TOKEN_CHANGE_RULE_ID = 'TokenChangeRule';
export const TOKEN_CHANGE_ROLE_ID = 'TokenChangeRuleRole';

/** Parameter Store operations that start the pipeline: a new token (or its first version) must reach the manager. */
export const TOKEN_CHANGE_OPERATIONS = ['Create', 'Update'] as const;

/**
 * "Parameter Store Change" events of the token parameter only. `Delete` is left out on purpose: the pipeline would
 * only fail in resolve-token, and a runner that keeps its token until the next change is better than a failed run;
 * `LabelParameterVersion` changes no value.
 */
export function tokenChangeEventPattern(config: RunnerConfig): Record<string, unknown> {
  return {
    source: ['aws.ssm'],
    'detail-type': ['Parameter Store Change'],
    detail: { name: [config.gitlab.tokenParameterName], operation: [...TOKEN_CHANGE_OPERATIONS] },
  };
}

/**
 * The three triggers of DESIGN.md section 1, less the manual one (`npm run deploy -- --run`, the console):
 *  - the schedule runs the health check (config.healthCheck.scheduleExpression), judged at the event's time so that
 *    a redelivered event rewrites the same report;
 *  - a token change starts the deploy pipeline (the state machine), with what changed as the execution's input.
 */
export function triggerResources(ctx: OrchestratorContext): Record<string, CfnResource> {
  const { config } = ctx;
  const healthCheck = functionLogicalId('health-check');
  return {
    [HEALTH_SCHEDULE_ID]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: `Health check of the runner stack ${config.stackName}.`,
        ScheduleExpression: config.healthCheck.scheduleExpression,
        State: 'ENABLED',
        Targets: [
          {
            Id: 'health-check',
            Arn: getAtt(healthCheck, 'Arn'),
            InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: '{"now": <time>}' },
          },
        ],
      },
    },
    HealthCheckSchedulePermission: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(healthCheck, 'Arn'),
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(HEALTH_SCHEDULE_ID, 'Arn'),
      },
    },
    [TOKEN_CHANGE_ROLE_ID]: serviceRole({
      service: 'events.amazonaws.com',
      policyName: 'start-deploy-pipeline',
      statements: [allow('StartDeployPipeline', ['states:StartExecution'], ref(STATE_MACHINE_ID))],
      description: `Starts the deploy pipeline of the runner stack ${config.stackName} when its token changes.`,
      tags: orchestratorTags(config, 'token-change-role'),
      sourceAccountGuard: true,
    }),
    [TOKEN_CHANGE_RULE_ID]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: `Deploys the runner stack ${config.stackName} when ${config.gitlab.tokenParameterName} changes.`,
        EventPattern: tokenChangeEventPattern(config),
        State: 'ENABLED',
        Targets: [
          {
            Id: 'deploy-pipeline',
            Arn: ref(STATE_MACHINE_ID),
            RoleArn: getAtt(TOKEN_CHANGE_ROLE_ID, 'Arn'),
            InputTransformer: {
              InputPathsMap: { name: '$.detail.name', operation: '$.detail.operation', time: '$.time' },
              InputTemplate:
                '{"trigger": {"source": "parameter-store-change", "parameterName": <name>, "operation": <operation>, "time": <time>}}',
            },
          },
        ],
      },
    },
  };
}
