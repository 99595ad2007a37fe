// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import { describe, expect, it } from '@jest/globals';
import { parseRunnerConfig } from '../../functions/shared/config/index.js';
import { ConfigError } from '../../functions/shared/errors.js';
import { loadEsbuildConfig } from '../../scripts/lib/bundles.js';
import { placeholderCodeKeys } from '../../scripts/synth.js';
import { alarmPeriodSeconds, scheduleIntervalSeconds } from '../../stack/orchestrator/alarms.js';
import { logRetentionDays } from '../../stack/orchestrator/functions.js';
import {
  buildBootstrapTemplate,
  buildOrchestratorTemplate,
  functionLogicalId,
  ORCHESTRATOR_STEPS,
  orchestratorStackName,
  STEP_FUNCTIONS,
  tokenChangeEventPattern,
} from '../../stack/orchestrator/index.js';
import { configOf, orchestratorTemplate, resourceOf, resourcesOfType } from './orchestrator-support.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:runner-alerts';

describe('orchestrator template: functions', () => {
  const template = orchestratorTemplate();
  const functions = resourcesOfType(template, 'AWS::Lambda::Function');

  it('has one function per step, all on nodejs22.x with index.handler, arm64', () => {
    // Act
    const runtimes = functions.map(([, f]) => [
      f.Properties?.Runtime,
      f.Properties?.Handler,
      f.Properties?.Architectures,
    ]);
    // Assess
    expect(functions.map(([id]) => id).sort()).toEqual(ORCHESTRATOR_STEPS.map(functionLogicalId).sort());
    expect(new Set(runtimes.map((r) => JSON.stringify(r)))).toEqual(
      new Set([JSON.stringify(['nodejs22.x', 'index.handler', ['arm64']])]),
    );
  });

  it('loads each function from its code key in the stack own artifact bucket', () => {
    for (const step of ORCHESTRATOR_STEPS) {
      // Act
      const code = resourceOf(template, functionLogicalId(step)).Properties?.Code;
      // Assess
      expect(code).toEqual({ S3Bucket: { Ref: 'ArtifactBucket' }, S3Key: `lambda/${step}-0123.zip` });
    }
  });

  it('gives every function the validated config in RUNNER_CONFIG, and only deploy-stack the CloudFormation role', () => {
    // Prepare
    const config = configOf();
    for (const step of ORCHESTRATOR_STEPS) {
      // Act
      const variables = resourceOf(template, functionLogicalId(step)).Properties?.Environment.Variables;
      // Assess: the config survives the round trip through the environment unchanged
      expect(parseRunnerConfig(JSON.parse(variables.RUNNER_CONFIG))).toEqual(config);
      const roleArn = variables.CFN_EXECUTION_ROLE_ARN;
      expect(roleArn).toEqual(step === 'deploy-stack' ? { 'Fn::GetAtt': ['RunnerStackDeployRole', 'Arn'] } : undefined);
      expect(variables.NODE_OPTIONS).toBeUndefined(); // no source maps are shipped
    }
  });

  it('sizes each function as the step table says and logs to its own group with the config retention', () => {
    // Prepare
    const config = configOf({ logs: { retentionDays: 45 } });
    const t = orchestratorTemplate(config);
    for (const step of ORCHESTRATOR_STEPS) {
      const { stem, memoryMb, timeoutSeconds } = STEP_FUNCTIONS[step];
      // Act
      const fn = resourceOf(t, `${stem}Function`).Properties;
      const group = resourceOf(t, `${stem}LogGroup`).Properties;
      // Assess
      expect([fn?.MemorySize, fn?.Timeout]).toEqual([memoryMb, timeoutSeconds]);
      expect(fn?.LoggingConfig).toEqual({ LogGroup: { Ref: `${stem}LogGroup` }, LogFormat: 'Text' });
      expect(group?.RetentionInDays).toBe(60);
      expect(group?.LogGroupName).toEqual({ 'Fn::Sub': `/gitlab-runner-orchestrator/\${AWS::StackName}/${step}` });
    }
  });

  it('rounds a log retention up to a value CloudWatch Logs accepts', () => {
    // Act / Assess
    expect([1, 2, 30, 31, 366, 5000].map(logRetentionDays)).toEqual([1, 3, 30, 60, 400, 3653]);
  });

  it('refuses a config too large for the 4 KB Lambda environment, naming the variable and the fix', () => {
    // Prepare
    const tags = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`tag-${i}`, 'x'.repeat(100)]));
    // Act
    const build = () => orchestratorTemplate(configOf({ tags }));
    // Assess
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/RUNNER_CONFIG.*Shorten the config/s);
  });

  it('lists the same steps as esbuild.config.mjs', async () => {
    // Act
    const esbuild = await loadEsbuildConfig();
    // Assess
    expect(esbuild.FUNCTION_STEPS).toEqual([...ORCHESTRATOR_STEPS]);
  });
});

describe('orchestrator template: bucket, triggers, alarms, determinism', () => {
  it('owns the artifact bucket: config name, encrypted, public access blocked, TLS only, retained', () => {
    // Prepare
    const template = orchestratorTemplate();
    // Act
    const bucket = resourceOf(template, 'ArtifactBucket');
    const policy = resourceOf(template, 'ArtifactBucketPolicy').Properties?.PolicyDocument.Statement;
    // Assess
    expect(bucket.Properties?.BucketName).toBe('my-artifacts');
    expect(bucket.Properties?.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(Object.values(bucket.Properties?.PublicAccessBlockConfiguration)).toEqual([true, true, true, true]);
    expect([bucket.DeletionPolicy, bucket.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect(policy).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it('matches only Create and Update of the token parameter in the SSM rule', () => {
    // Prepare
    const config = configOf();
    // Act
    const pattern = resourceOf(orchestratorTemplate(config), 'TokenChangeRule').Properties?.EventPattern;
    // Assess
    expect(pattern).toEqual(tokenChangeEventPattern(config));
    expect(pattern).toEqual({
      source: ['aws.ssm'],
      'detail-type': ['Parameter Store Change'],
      detail: { name: ['/gitlab-runner/fleet/token'], operation: ['Create', 'Update'] },
    });
  });

  it('starts only the state machine on a token change, with what changed as the input', () => {
    // Act
    const [target] = resourceOf(orchestratorTemplate(), 'TokenChangeRule').Properties?.Targets ?? [];
    // Assess
    expect(target.Arn).toEqual({ Ref: 'DeployStateMachine' });
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': ['TokenChangeRuleRole', 'Arn'] });
    expect(target.InputTransformer.InputPathsMap).toEqual({
      name: '$.detail.name',
      operation: '$.detail.operation',
      time: '$.time',
    });
    expect(target.InputTransformer.InputTemplate).toMatch(/"parameterName": <name>/);
  });

  it('runs the health check on the config schedule, judged at the event time, with an invoke permission', () => {
    // Prepare
    const template = orchestratorTemplate(configOf({ healthCheck: { scheduleExpression: 'rate(30 minutes)' } }));
    // Act
    const rule = resourceOf(template, 'HealthCheckSchedule').Properties;
    const permission = resourceOf(template, 'HealthCheckSchedulePermission').Properties;
    // Assess
    expect(rule?.ScheduleExpression).toBe('rate(30 minutes)');
    expect(rule?.Targets).toEqual([
      {
        Id: 'health-check',
        Arn: { 'Fn::GetAtt': ['HealthCheckFunction', 'Arn'] },
        InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: '{"now": <time>}' },
      },
    ]);
    expect(permission).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': ['HealthCheckFunction', 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['HealthCheckSchedule', 'Arn'] },
    });
  });

  it('alarms on the Unhealthy EMF metric of this stack, notifying the SNS topic only when one is configured', () => {
    // Prepare
    const withTopic = orchestratorTemplate(configOf({ healthCheck: { alarmTopicArn: TOPIC } }));
    const without = orchestratorTemplate();
    // Act
    const alarm = resourceOf(withTopic, 'UnhealthyAlarm').Properties;
    const silent = resourceOf(without, 'UnhealthyAlarm').Properties;
    // Assess
    expect(alarm).toMatchObject({
      Namespace: 'GitLabRunnerOrchestrator',
      MetricName: 'Unhealthy',
      Dimensions: [{ Name: 'StackName', Value: 'fleet' }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
    expect(silent?.AlarmActions).toBeUndefined();
    expect(resourceOf(withTopic, 'UnprovableAlarm').Properties).toMatchObject({
      MetricName: 'Unprovable',
      TreatMissingData: 'breaching',
    });
  });

  it('sets the alarm period to one schedule interval, within CloudWatch limits', () => {
    // Act / Assess
    expect(scheduleIntervalSeconds('rate(15 minutes)')).toBe(900);
    expect(scheduleIntervalSeconds('rate(1 hour)')).toBe(3600);
    expect(scheduleIntervalSeconds('cron(0 * * * ? *)')).toBe(3600);
    expect(alarmPeriodSeconds('rate(15 minutes)')).toBe(900);
    expect(alarmPeriodSeconds('rate(7 days)')).toBe(86_400);
    expect(alarmPeriodSeconds('rate(1 day)', 2)).toBe(43_200);
  });

  it('is deterministic and names no token anywhere', () => {
    // Prepare
    const config = configOf();
    // Act
    const a = JSON.stringify(orchestratorTemplate(config));
    const b = JSON.stringify(orchestratorTemplate(configOf()));
    // Assess
    expect(a).toBe(b);
    expect(a).not.toMatch(/glrt-|GR1348941/);
  });

  it('bootstraps with the artifact bucket alone (and without the policy for an import)', () => {
    // Prepare
    const config = configOf();
    // Act
    const create = buildBootstrapTemplate(config);
    const adopt = buildBootstrapTemplate(config, { withPolicy: false });
    // Assess
    expect(Object.keys(create.Resources)).toEqual(['ArtifactBucket', 'ArtifactBucketPolicy']);
    expect(Object.keys(adopt.Resources)).toEqual(['ArtifactBucket']);
    expect(create.Resources.ArtifactBucket).toEqual(orchestratorTemplate(config).Resources.ArtifactBucket);
  });

  it('names the orchestrator stack after the runner stack, and synth uses placeholder code keys', () => {
    // Prepare
    const config = configOf();
    // Act
    const template = buildOrchestratorTemplate(config, { codeBucket: 'other-bucket', codeKeys: placeholderCodeKeys() });
    // Assess
    expect(orchestratorStackName(config)).toBe('fleet-orchestrator');
    expect(resourceOf(template, 'HealthCheckFunction').Properties?.Code).toEqual({
      S3Bucket: 'other-bucket',
      S3Key: 'lambda/health-check-synth-placeholder.zip',
    });
  });
});
