import { Readable } from 'node:stream';
import {
  type Change,
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ListStackResourcesCommand,
  type Stack,
  StackStatus,
} from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { deployStack } from '../../functions/deploy-stack/deploy-stack.js';
import { createAwsClients } from '../../functions/shared/aws-clients.js';
import { TAG_MANAGED_BY, TAG_TEMPLATE_HASH, TAG_TOKEN_VERSION } from '../../functions/shared/contracts.js';
import { ConfigError, EventValidationError, StackError } from '../../functions/shared/errors.js';
import { LOG_BUCKET_LOGICAL_ID, MANAGER_LOGICAL_ID } from '../../functions/shared/runner-stack.js';
import { BASTION_INSTANCE_ID } from '../../stack/runner/bastion.js';
import { buildRunnerTemplate } from '../../stack/runner/index.js';
import {
  CHANGE_SET_ID,
  captureLogs,
  config,
  fakeClock,
  rawConfig,
  render,
  STACK,
  STACK_ID,
  TEMPLATE_HASH,
  TOKEN_VERSION,
} from '../support/stack-steps.js';

/**
 * deploy-stack against a mocked CloudFormation: every stack state the step can meet, the change-set paths
 * (empty, failed, slow, replacing the manager), AWS errors (throttling and 5xx through the SDK's real retry
 * strategy) and bad input. What moto cannot show (rollbacks, replacements, empty change sets) is tested here.
 */
const cfn = new CloudFormationClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test' },
});
const cfnMock = mockClient(cfn);

const upToDateTags = [
  { Key: TAG_TEMPLATE_HASH, Value: TEMPLATE_HASH },
  { Key: TAG_TOKEN_VERSION, Value: String(TOKEN_VERSION) },
  { Key: TAG_MANAGED_BY, Value: 'gitlab-runner-orchestrator' },
];
const olderTokenTags = upToDateTags.map((t) => (t.Key === TAG_TOKEN_VERSION ? { ...t, Value: '2' } : t));

function stackIn(status: string, tags = upToDateTags, extra: Partial<Stack> = {}) {
  return {
    Stacks: [
      {
        StackName: STACK,
        StackId: STACK_ID,
        StackStatus: status as StackStatus,
        CreationTime: new Date(),
        Tags: tags,
        ...extra,
      },
    ],
  };
}

const missingStack = Object.assign(new Error(`Stack with id ${STACK} does not exist`), { name: 'ValidationError' });

/** Calls that would change the stack: none of them may happen for a stack in a failed state. */
const mutatingCalls = () =>
  cfnMock.commandCalls(CreateChangeSetCommand).length +
  cfnMock.commandCalls(ExecuteChangeSetCommand).length +
  cfnMock.commandCalls(DeleteStackCommand).length +
  cfnMock.commandCalls(DeleteChangeSetCommand).length;

const IN_PROGRESS = Object.values(StackStatus).filter((s) => s.endsWith('_IN_PROGRESS') && s !== 'REVIEW_IN_PROGRESS');
const FAILED = Object.values(StackStatus).filter((s) => s.endsWith('_FAILED'));
const SETTLED = ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE'];

let logs: ReturnType<typeof captureLogs>;
let clock: ReturnType<typeof fakeClock>;
const deps = () => ({ cfn, sleep: clock.sleep, now: clock.now });
const run = (event: unknown = { config: rawConfig, render }) => deployStack.run(event, deps(), logs.log);

/** A change set that is created at once and holds `changes`. */
function changeSetReady(changes: Change[] = []) {
  cfnMock.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: STACK_ID });
  cfnMock
    .on(DescribeChangeSetCommand)
    .resolves({ Status: 'CREATE_COMPLETE', ChangeSetId: CHANGE_SET_ID, Changes: changes });
  cfnMock.on(ExecuteChangeSetCommand).resolves({});
}

const replacement = (logicalId: string, replace: 'True' | 'False' | 'Conditional'): Change => ({
  Type: 'Resource',
  ResourceChange: { Action: 'Modify', LogicalResourceId: logicalId, Replacement: replace },
});

beforeEach(() => {
  cfnMock.reset();
  logs = captureLogs();
  clock = fakeClock();
});
afterEach(() => logs.restore());

describe('deploy-stack: a stack that does not exist', () => {
  it('creates it through a CREATE change set from the template URL, tagged, and executes it', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).rejects(missingStack);
    changeSetReady([{ Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'VPC' } }]);
    // Act
    const result = await run();
    // Assess
    expect(result).toMatchObject({
      action: 'create',
      previousStatus: 'NONE',
      stackId: STACK_ID,
      changeSetId: CHANGE_SET_ID,
      managerReplacement: false,
      replacements: [],
    });
    const create = cfnMock.commandCalls(CreateChangeSetCommand)[0]?.args[0].input;
    expect(create).toMatchObject({
      StackName: STACK,
      ChangeSetType: 'CREATE',
      TemplateURL: render.templateUrl,
      Parameters: render.parameters,
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    });
    expect(create?.TemplateBody).toBeUndefined();
    expect(create?.ChangeSetName).toMatch(new RegExp(`^gro-${TEMPLATE_HASH.slice(0, 12)}-v${TOKEN_VERSION}-\\d{17}$`));
    expect(result.changeSetName).toBe(create?.ChangeSetName);
    expect(create?.Tags).toEqual(
      expect.arrayContaining([
        { Key: TAG_TEMPLATE_HASH, Value: TEMPLATE_HASH },
        { Key: TAG_TOKEN_VERSION, Value: String(TOKEN_VERSION) },
        { Key: TAG_MANAGED_BY, Value: 'gitlab-runner-orchestrator' },
        { Key: 'team', Value: 'platform' },
      ]),
    );
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)[0]?.args[0].input).toMatchObject({
      StackName: STACK,
      ChangeSetName: CHANGE_SET_ID,
    });
    expect(Date.parse(result.startedAt ?? '')).toBeLessThanOrEqual(clock.now().getTime());
  });

  it.each(['DELETE_COMPLETE', 'REVIEW_IN_PROGRESS'])('creates it when DescribeStacks says %s', async (status) => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn(status, []));
    changeSetReady();
    // Act
    const result = await run();
    // Assess
    expect(result).toMatchObject({ action: 'create', previousStatus: status });
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.ChangeSetType).toBe('CREATE');
  });
});

describe('deploy-stack: a settled stack', () => {
  it.each(SETTLED)(
    '%s carrying this template hash and token version: noop with ONE CloudFormation call',
    async (status) => {
      // Prepare
      cfnMock.on(DescribeStacksCommand).resolves(stackIn(status));
      // Act
      const result = await run();
      // Assess
      expect(result).toMatchObject({ action: 'noop', previousStatus: status, stackId: STACK_ID });
      expect(cfnMock.calls()).toHaveLength(1);
      expect(cfnMock.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
    },
  );

  it.each(SETTLED)('%s with an older token version: UPDATE change set, executed', async (status) => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn(status, olderTokenTags));
    changeSetReady([replacement('CacheBucket', 'False')]);
    // Act
    const result = await run();
    // Assess
    expect(result).toMatchObject({
      action: 'update',
      previousStatus: status,
      replacements: [],
      managerReplacement: false,
    });
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.ChangeSetType).toBe('UPDATE');
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(1);
  });

  it('updates when only the template hash differs', async () => {
    // Prepare
    const otherHash = upToDateTags.map((t) => (t.Key === TAG_TEMPLATE_HASH ? { ...t, Value: 'f'.repeat(64) } : t));
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('UPDATE_COMPLETE', otherHash));
    changeSetReady();
    // Act
    const result = await run();
    // Assess
    expect(result.action).toBe('update');
  });

  it('deletes an empty change set and reports noop without executing it', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('UPDATE_COMPLETE', olderTokenTags));
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: STACK_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason:
        "The submitted information didn't contain changes. Submit different information to create a change set.",
    });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    // Act
    const result = await run();
    // Assess
    expect(result.action).toBe('noop');
    expect(result.reason).toMatch(/no changes/);
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)[0]?.args[0].input.ChangeSetName).toBe(CHANGE_SET_ID);
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('throws CHANGE_SET_FAILED with the reason when the change set cannot be created, executing nothing', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('UPDATE_COMPLETE', olderTokenTags));
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: STACK_ID });
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'FAILED', StatusReason: 'Parameter ManagerImageId is invalid' });
    // Act
    const attempt = run();
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StackError);
    await expect(attempt).rejects.toMatchObject({ code: 'CHANGE_SET_FAILED' });
    await expect(attempt).rejects.toThrow('Parameter ManagerImageId is invalid');
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('polls a pending change set with growing pauses until it is ready', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('UPDATE_COMPLETE', olderTokenTags));
    changeSetReady();
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_PENDING' })
      .resolvesOnce({ Status: 'CREATE_IN_PROGRESS' })
      .resolves({ Status: 'CREATE_COMPLETE', Changes: [] });
    // Act
    const result = await run();
    // Assess
    expect(result.action).toBe('update');
    expect(clock.pauses).toEqual([1_000, 2_000]);
    expect(cfnMock.commandCalls(DescribeChangeSetCommand)).toHaveLength(3);
  });

  it('gives up on a change set still being created after 60 s, with CHANGE_SET_TIMEOUT, executing nothing', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('UPDATE_COMPLETE', olderTokenTags));
    changeSetReady();
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_IN_PROGRESS' });
    // Act
    const attempt = run();
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'CHANGE_SET_TIMEOUT' });
    expect(clock.pauses.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
    expect(clock.pauses.length).toBeGreaterThan(3);
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });
});

describe('deploy-stack: replacements', () => {
  it('flags a change set that replaces the manager, lists every replacement and warns in the log', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('UPDATE_COMPLETE', olderTokenTags));
    changeSetReady([
      replacement(MANAGER_LOGICAL_ID, 'True'),
      replacement('CacheBucket', 'Conditional'),
      replacement('RunnersSecurityGroup', 'False'),
    ]);
    // Act
    const result = await run();
    // Assess
    expect(result.managerReplacement).toBe(true);
    expect(result.replacements).toEqual([MANAGER_LOGICAL_ID, 'CacheBucket']);
    const warning = logs.lines.map((l) => JSON.parse(l)).find((l) => l.level === 'warn');
    expect(warning?.warning).toMatch(/replaces the runner manager \(BastionInstance\).*orphans/);
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(1);
  });

  it('counts a conditional replacement of the manager as a replacement (warned before, not after)', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('UPDATE_COMPLETE', olderTokenTags));
    changeSetReady([replacement(MANAGER_LOGICAL_ID, 'Conditional')]);
    // Act
    const result = await run();
    // Assess
    expect(result).toMatchObject({ managerReplacement: true, replacements: [MANAGER_LOGICAL_ID] });
    expect(logs.lines.join('\n')).toMatch(/may replace the runner manager/);
  });

  it('reads every page of the change set, so a replacement on page 2 is not missed', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('UPDATE_COMPLETE', olderTokenTags));
    changeSetReady();
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_COMPLETE', ChangeSetId: CHANGE_SET_ID, Changes: [], NextToken: 'page2' })
      .resolves({
        Status: 'CREATE_COMPLETE',
        ChangeSetId: CHANGE_SET_ID,
        Changes: [replacement(MANAGER_LOGICAL_ID, 'True')],
      });
    // Act
    const result = await run();
    // Assess
    expect(result.managerReplacement).toBe(true);
    expect(cfnMock.commandCalls(DescribeChangeSetCommand)[1]?.args[0].input.NextToken).toBe('page2');
  });

  it('the logical ids it looks for are the ones the template builder writes', () => {
    // Act
    const resources = buildRunnerTemplate(config).Resources;
    // Assess
    expect(MANAGER_LOGICAL_ID).toBe(BASTION_INSTANCE_ID);
    expect(resources[MANAGER_LOGICAL_ID]?.Type).toBe('AWS::EC2::Instance');
    expect(resources[LOG_BUCKET_LOGICAL_ID]?.Type).toBe('AWS::S3::Bucket');
  });
});

describe('deploy-stack: a stack CloudFormation is working on', () => {
  it('knows the in-progress statuses (the list comes from the SDK)', () => {
    expect(IN_PROGRESS.length).toBeGreaterThanOrEqual(9);
  });

  it.each(IN_PROGRESS)('%s: busy, not a failure, and no change set', async (status) => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn(status, olderTokenTags));
    // Act
    const result = await run();
    // Assess
    expect(result).toMatchObject({ action: 'busy', previousStatus: status, stackId: STACK_ID });
    expect(cfnMock.calls()).toHaveLength(1);
  });

  it('a second invocation while the first one executes says busy and creates no second change set', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).rejectsOnce(missingStack).resolves(stackIn('CREATE_IN_PROGRESS', upToDateTags));
    changeSetReady();
    // Act
    const first = await run();
    const second = await run();
    // Assess
    expect([first.action, second.action]).toEqual(['create', 'busy']);
    expect(cfnMock.commandCalls(CreateChangeSetCommand)).toHaveLength(1);
  });
});

describe('deploy-stack: a failed create (ROLLBACK_COMPLETE)', () => {
  it('starts deleting it by stack id and answers recreate, without waiting and without a change set', async () => {
    // Prepare
    cfnMock
      .on(DescribeStacksCommand)
      .resolves(stackIn('ROLLBACK_COMPLETE', upToDateTags, { StackStatusReason: 'The following resource(s) failed' }));
    cfnMock.on(DeleteStackCommand).resolves({});
    // Act
    const result = await run();
    // Assess
    expect(result).toMatchObject({ action: 'recreate', previousStatus: 'ROLLBACK_COMPLETE', stackId: STACK_ID });
    expect(result.reason).toMatch(/run deploy-stack again/);
    expect(result.startedAt).toBeDefined();
    expect(cfnMock.commandCalls(DeleteStackCommand)[0]?.args[0].input.StackName).toBe(STACK_ID);
    expect(cfnMock.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
    expect(clock.pauses).toEqual([]);
  });

  it('creates the stack on the next invocation, once the delete is complete', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).rejects(missingStack);
    changeSetReady();
    // Act
    const result = await run();
    // Assess
    expect(result.action).toBe('create');
    expect(cfnMock.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });
});

describe('deploy-stack: a stuck stack', () => {
  const failedResources = (...rows: [string, string, string, string][]) => ({
    StackResourceSummaries: rows.map(([LogicalResourceId, ResourceType, ResourceStatus, ResourceStatusReason]) => ({
      LogicalResourceId,
      ResourceType,
      ResourceStatus: ResourceStatus as never,
      ResourceStatusReason,
      LastUpdatedTimestamp: new Date(),
    })),
  });

  it.each(FAILED)('%s: a StackError, and the stack is neither deleted nor changed', async (status) => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn(status, olderTokenTags));
    cfnMock.on(ListStackResourcesCommand).resolves(failedResources());
    // Act
    const attempt = run();
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StackError);
    await expect(attempt).rejects.toThrow(`Stack ${STACK} is ${status}`);
    expect(mutatingCalls()).toBe(0);
  });

  it('UPDATE_ROLLBACK_FAILED: names the failed resource and says to continue the rollback, skipping it if needed', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('UPDATE_ROLLBACK_FAILED', olderTokenTags));
    cfnMock
      .on(ListStackResourcesCommand)
      .resolves(
        failedResources(
          ['BastionInstance', 'AWS::EC2::Instance', 'UPDATE_FAILED', 'Instance i-0abc could not be stopped'],
          ['CacheBucket', 'AWS::S3::Bucket', 'UPDATE_COMPLETE', ''],
        ),
      );
    // Act
    const attempt = run();
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'STACK_UPDATE_ROLLBACK_FAILED' });
    await expect(attempt).rejects.toThrow('BastionInstance (AWS::EC2::Instance) UPDATE_FAILED: Instance i-0abc');
    await expect(attempt).rejects.toThrow(
      `aws cloudformation continue-update-rollback --stack-name ${STACK} (if they cannot be fixed, add --resources-to-skip BastionInstance)`,
    );
    await expect(attempt).rejects.not.toThrow('CacheBucket');
  });

  it('DELETE_FAILED: names the resources that could not be deleted and how to free them', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('DELETE_FAILED', olderTokenTags));
    cfnMock
      .on(ListStackResourcesCommand)
      .resolves(
        failedResources(
          ['CacheBucket', 'AWS::S3::Bucket', 'DELETE_FAILED', 'The bucket you tried to delete is not empty'],
          ['RunnerSubnet', 'AWS::EC2::Subnet', 'DELETE_FAILED', 'The subnet has dependencies and cannot be deleted'],
        ),
      );
    // Act
    const attempt = run();
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'STACK_DELETE_FAILED' });
    await expect(attempt).rejects.toThrow(
      'CacheBucket (AWS::S3::Bucket) DELETE_FAILED: The bucket you tried to delete is not empty',
    );
    await expect(attempt).rejects.toThrow('RunnerSubnet (AWS::EC2::Subnet) DELETE_FAILED');
    await expect(attempt).rejects.toThrow(/empty the bucket.*network interfaces.*delete-stack --stack-name fleet/s);
    expect(mutatingCalls()).toBe(0);
  });

  it('ROLLBACK_FAILED: says to delete it by hand, retaining what cannot go', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('ROLLBACK_FAILED', olderTokenTags));
    cfnMock
      .on(ListStackResourcesCommand)
      .resolves(
        failedResources(['RunnersSecurityGroup', 'AWS::EC2::SecurityGroup', 'DELETE_FAILED', 'has a dependent object']),
      );
    // Act
    const attempt = run();
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'STACK_ROLLBACK_FAILED' });
    await expect(attempt).rejects.toThrow('--retain-resources RunnersSecurityGroup');
  });
});

describe('deploy-stack: AWS errors', () => {
  it('an access-denied DescribeStacks is a typed StackError naming the missing permission', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    // Act
    const attempt = run();
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'AWS_ACCESS_DENIED' });
    await expect(attempt).rejects.toThrow('cloudformation:DescribeStacks');
  });

  it('an ExecuteChangeSet that fails after the retries is a StackError, not an unhandled exception', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIn('UPDATE_COMPLETE', olderTokenTags));
    changeSetReady();
    cfnMock.on(ExecuteChangeSetCommand).rejects(
      Object.assign(new Error('Service Unavailable'), {
        name: 'ServiceUnavailable',
        $fault: 'server',
        $metadata: { httpStatusCode: 503, attempts: 5 },
      }),
    );
    // Act
    const attempt = run();
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'AWS_UNAVAILABLE' });
    await expect(attempt).rejects.toThrow('CloudFormation ExecuteChangeSet for stack fleet failed after 5 attempts');
  });
});

/**
 * The production client (createAwsClients: adaptive retry mode) with a fake HTTP handler instead of the network:
 * the SDK's own retry strategy handles the throttling and 5xx answers, and our step sees only the outcome.
 */
describe('deploy-stack: throttling and 5xx through the SDK retry strategy', () => {
  const xml = (body: string) => `<?xml version="1.0"?>${body}`;
  const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
  const describeOk = xml(
    `<DescribeStacksResponse xmlns="${NS}"><DescribeStacksResult><Stacks><member><StackName>${STACK}</StackName>` +
      `<StackId>${STACK_ID}</StackId><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2024-05-14T09:00:00Z</CreationTime>` +
      `<Tags>${upToDateTags.map((t) => `<member><Key>${t.Key}</Key><Value>${t.Value}</Value></member>`).join('')}</Tags>` +
      `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeStacksResponse>`,
  );
  const error = (code: string, type: string) =>
    xml(
      `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${code} says no</Message></Error><RequestId>r1</RequestId></ErrorResponse>`,
    );

  function clientAnswering(answers: [number, string][], maxAttempts: number) {
    const { cfn: real } = createAwsClients({
      region: 'eu-west-1',
      maxAttempts,
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test' },
    });
    const requests: string[] = [];
    const fallback = answers.at(-1) ?? [500, error('InternalFailure', 'Receiver')];
    const handler = {
      handle: async (request: { body?: unknown }) => {
        requests.push(String(request.body));
        const [statusCode, body] = answers.shift() ?? fallback;
        const response = {
          statusCode,
          headers: { 'content-type': 'text/xml' },
          body: Readable.from([Buffer.from(body)]),
        };
        return { response };
      },
    };
    (real.config as unknown as { requestHandler: typeof handler }).requestHandler = handler;
    return { client: real, requests };
  }

  it('a throttled DescribeStacks is retried by the SDK and the step goes on (noop)', async () => {
    // Prepare
    const { client, requests } = clientAnswering(
      [
        [400, error('Throttling', 'Sender')],
        [200, describeOk],
      ],
      3,
    );
    // Act
    const result = await deployStack.run({ config: rawConfig, render }, { cfn: client }, logs.log);
    // Assess
    expect(result.action).toBe('noop');
    expect(requests).toHaveLength(2);
    expect(requests.every((body) => body.includes('Action=DescribeStacks'))).toBe(true);
  });

  it('throttling that outlasts the retries is a StackError AWS_THROTTLED', async () => {
    // Prepare
    const { client, requests } = clientAnswering([[400, error('Throttling', 'Sender')]], 2);
    // Act
    const attempt = deployStack.run({ config: rawConfig, render }, { cfn: client }, logs.log);
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'AWS_THROTTLED' });
    await expect(attempt).rejects.toThrow(/after 2 attempts: Throttling/);
    expect(requests).toHaveLength(2);
  });

  it('5xx answers are retried, then reported as AWS_UNAVAILABLE with a clear message', async () => {
    // Prepare
    const { client, requests } = clientAnswering([[503, error('ServiceUnavailable', 'Receiver')]], 2);
    // Act
    const attempt = deployStack.run({ config: rawConfig, render }, { cfn: client }, logs.log);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StackError);
    await expect(attempt).rejects.toMatchObject({ code: 'AWS_UNAVAILABLE' });
    await expect(attempt).rejects.toThrow(
      /DescribeStacks for stack fleet failed after 2 attempts: ServiceUnavailable \(HTTP 503\)/,
    );
    expect(requests).toHaveLength(2);
  });
});

describe('deploy-stack: bad input', () => {
  it.each([
    ['no render', { config: rawConfig }, /render/],
    [
      'a render without its hash',
      { config: rawConfig, render: { ...render, templateHash: undefined } },
      /render\.templateHash/,
    ],
    ['an invalid config', { config: { ...rawConfig, stackName: '1 bad' }, render }, /config\.stackName/],
    ['a string', 'deploy please', /invalid event/],
  ])('%s: EventValidationError naming the field, no AWS call', async (_what, event, message) => {
    // Act
    const attempt = run(event);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EventValidationError);
    await expect(attempt).rejects.toThrow(message);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  describe('config from the environment', () => {
    let saved: string | undefined;
    beforeEach(() => {
      saved = process.env.RUNNER_CONFIG;
      delete process.env.RUNNER_CONFIG;
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.RUNNER_CONFIG;
      else process.env.RUNNER_CONFIG = saved;
    });

    it('no config in the event and no RUNNER_CONFIG: ConfigError saying where to put it', async () => {
      // Act
      const attempt = run({ render });
      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ConfigError);
      await expect(attempt).rejects.toThrow(/RUNNER_CONFIG/);
      expect(cfnMock.calls()).toHaveLength(0);
    });

    it('takes the config from RUNNER_CONFIG when the event has none', async () => {
      // Prepare
      process.env.RUNNER_CONFIG = JSON.stringify(rawConfig);
      cfnMock.on(DescribeStacksCommand).resolves(stackIn('CREATE_COMPLETE'));
      // Act
      const result = await run({ render });
      // Assess
      expect(result).toMatchObject({ action: 'noop', stackName: STACK });
      expect(cfnMock.commandCalls(DescribeStacksCommand)[0]?.args[0].input.StackName).toBe(STACK);
    });
  });

  it('a render of another stack: EventValidationError, no AWS call', async () => {
    // Act
    const attempt = run({ config: rawConfig, render: { ...render, stackName: 'other-fleet' } });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EventValidationError);
    await expect(attempt).rejects.toThrow(/render\.stackName "other-fleet" is not config\.stackName "fleet"/);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('the Lambda handler rejects a malformed event with the typed error, not a TypeError', async () => {
    // Act
    const attempt = deployStack.handler({ config: rawConfig, render: 42 }, {} as never);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EventValidationError);
  });
});
