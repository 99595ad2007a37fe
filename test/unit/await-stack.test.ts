import { gzipSync } from 'node:zlib';
import {
  CloudFormationClient,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type StackEvent,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { awaitStack, MAX_EVENTS_PER_CALL } from '../../functions/await-stack/await-stack.js';
import type { AwaitResult, DeployResult } from '../../functions/shared/contracts.js';
import { ConfigError, EventValidationError } from '../../functions/shared/errors.js';
import { captureLogs, rawConfig, STACK, STACK_ID, stackEvent } from '../support/stack-steps.js';

/**
 * await-stack against mocked CloudFormation and S3: one status read per call, only the events since the last call,
 * done/ok per deploy action, the root cause of a failure (first failed resource, cancellations skipped) and the
 * cfn-init tail read from the shipped gzip logs when the manager failed its signal.
 */
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test' };
const cfn = new CloudFormationClient({ region: 'eu-west-1', credentials });
const s3 = new S3Client({ region: 'eu-west-1', credentials });
const cfnMock = mockClient(cfn);
const s3Mock = mockClient(s3);

const STARTED_AT = '2024-05-14T09:19:59.000Z';
const deployed = (action: DeployResult['action'], extra: Partial<DeployResult> = {}): DeployResult => ({
  stackName: STACK,
  stackId: STACK_ID,
  action,
  previousStatus: 'NONE',
  managerReplacement: false,
  replacements: [],
  startedAt: STARTED_AT,
  ...extra,
});
const previousAwait = (lastEventId: string, polls = 1): AwaitResult => ({
  stackName: STACK,
  status: 'CREATE_IN_PROGRESS',
  done: false,
  ok: false,
  events: [],
  lastEventId,
  polls,
});

const stackIs = (status: string, reason?: string) =>
  cfnMock.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: STACK,
        StackId: STACK_ID,
        StackStatus: status as StackStatus,
        CreationTime: new Date(),
        ...(reason ? { StackStatusReason: reason } : {}),
      },
    ],
  });
/** DescribeStackEvents answers newest first; the helpers below list events oldest first, as they happened. */
const eventsAre = (oldestFirst: StackEvent[]) =>
  cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [...oldestFirst].reverse() });

const start = stackEvent('e0', 0, STACK, 'CREATE_IN_PROGRESS', 'User Initiated');
const beforeStart = stackEvent('old', -3600, STACK, 'DELETE_COMPLETE');

let logs: ReturnType<typeof captureLogs>;
const run = (event: Record<string, unknown>) => awaitStack.run({ config: rawConfig, ...event }, { cfn, s3 }, logs.log);

beforeEach(() => {
  cfnMock.reset();
  s3Mock.reset();
  logs = captureLogs();
});
afterEach(() => logs.restore());

describe('await-stack: progress', () => {
  it('a stack in progress: not done, the operation events oldest first, one status read', async () => {
    // Prepare
    stackIs('CREATE_IN_PROGRESS');
    eventsAre([
      beforeStart,
      start,
      stackEvent('e1', 5, 'VPC', 'CREATE_IN_PROGRESS'),
      stackEvent('e2', 9, 'VPC', 'CREATE_COMPLETE'),
    ]);
    // Act
    const result = await run({ deploy: deployed('create') });
    // Assess
    expect(result).toMatchObject({ status: 'CREATE_IN_PROGRESS', done: false, ok: false, lastEventId: 'e2', polls: 1 });
    expect(result.events.map((e) => e.eventId)).toEqual(['e0', 'e1', 'e2']);
    expect(result.events[1]).toEqual({
      eventId: 'e1',
      timestamp: '2024-05-14T09:20:05.000Z',
      logicalId: 'VPC',
      resourceType: 'AWS::EC2::Subnet',
      status: 'CREATE_IN_PROGRESS',
    });
    expect(result.rootCause).toBeUndefined();
    expect(cfnMock.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    expect(cfnMock.commandCalls(DescribeStacksCommand)[0]?.args[0].input.StackName).toBe(STACK_ID);
  });

  it('returns only the events since the previous call and reads no further page', async () => {
    // Prepare
    stackIs('CREATE_IN_PROGRESS');
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        stackEvent('e4', 20, 'BastionInstance', 'CREATE_IN_PROGRESS'),
        stackEvent('e3', 15, 'VPC', 'CREATE_COMPLETE'),
        stackEvent('e2', 9, 'VPC', 'CREATE_IN_PROGRESS'),
        stackEvent('e1', 5, 'CacheBucket', 'CREATE_IN_PROGRESS'),
      ],
      NextToken: 'older',
    });
    // Act
    const result = await run({ deploy: deployed('create'), await: previousAwait('e2', 4) });
    // Assess
    expect(result.events.map((e) => e.eventId)).toEqual(['e3', 'e4']);
    expect(result).toMatchObject({ lastEventId: 'e4', polls: 5 });
    expect(cfnMock.commandCalls(DescribeStackEventsCommand)).toHaveLength(1);
  });

  it('pages back until it reaches the previous call’s last event', async () => {
    // Prepare
    stackIs('UPDATE_IN_PROGRESS');
    cfnMock
      .on(DescribeStackEventsCommand)
      .resolvesOnce({ StackEvents: [stackEvent('e9', 90, 'BastionInstance', 'UPDATE_IN_PROGRESS')], NextToken: 'p2' })
      .resolves({
        StackEvents: [
          stackEvent('e8', 80, 'VPC', 'UPDATE_COMPLETE'),
          stackEvent('e7', 70, 'VPC', 'UPDATE_IN_PROGRESS'),
        ],
      });
    // Act
    const result = await run({ deploy: deployed('update'), await: previousAwait('e7') });
    // Assess
    expect(result.events.map((e) => e.eventId)).toEqual(['e8', 'e9']);
    expect(cfnMock.commandCalls(DescribeStackEventsCommand)[1]?.args[0].input.NextToken).toBe('p2');
  });

  it('no new event: keeps the previous lastEventId', async () => {
    // Prepare
    stackIs('CREATE_IN_PROGRESS');
    eventsAre([start, stackEvent('e1', 5, 'VPC', 'CREATE_IN_PROGRESS')]);
    // Act
    const result = await run({ deploy: deployed('create'), await: previousAwait('e1') });
    // Assess
    expect(result).toMatchObject({ events: [], lastEventId: 'e1', polls: 2 });
  });

  it('stops at events older than deploy-stack’s startedAt when the start event is not there', async () => {
    // Prepare
    stackIs('UPDATE_IN_PROGRESS');
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        stackEvent('new', 10, 'VPC', 'UPDATE_IN_PROGRESS'),
        stackEvent('stale', -10, 'VPC', 'CREATE_COMPLETE'),
      ],
      NextToken: 'even-older',
    });
    // Act
    const result = await run({ deploy: deployed('update') });
    // Assess
    expect(result.events.map((e) => e.eventId)).toEqual(['new']);
    expect(cfnMock.commandCalls(DescribeStackEventsCommand)).toHaveLength(1);
  });

  it(`returns at most ${MAX_EVENTS_PER_CALL} events, the newest`, async () => {
    // Prepare
    stackIs('CREATE_IN_PROGRESS');
    const many = Array.from({ length: MAX_EVENTS_PER_CALL + 20 }, (_, i) =>
      stackEvent(`e${i}`, i + 1, 'VPC', 'CREATE_IN_PROGRESS'),
    );
    eventsAre([start, ...many]);
    // Act
    const result = await run({ deploy: deployed('create') });
    // Assess
    expect(result.events).toHaveLength(MAX_EVENTS_PER_CALL);
    expect(result.lastEventId).toBe(`e${MAX_EVENTS_PER_CALL + 19}`);
  });
});

describe('await-stack: done', () => {
  it.each([
    ['create', 'CREATE_COMPLETE'],
    ['update', 'UPDATE_COMPLETE'],
    ['noop', 'UPDATE_COMPLETE'],
    ['noop', 'UPDATE_ROLLBACK_COMPLETE'],
    ['recreate', 'DELETE_COMPLETE'],
    ['busy', 'UPDATE_ROLLBACK_COMPLETE'],
    ['busy', 'ROLLBACK_COMPLETE'],
  ] as const)('after %s, %s is done and ok, without a root cause', async (action, status) => {
    // Prepare
    stackIs(status);
    eventsAre([start, stackEvent('e1', 30, STACK, status)]);
    // Act
    const result = await run({ deploy: deployed(action) });
    // Assess
    expect(result).toMatchObject({ status, done: true, ok: true });
    expect(result.rootCause).toBeUndefined();
  });

  it('after recreate, a stack no longer found at all is done and ok (deploy-stack creates it next)', async () => {
    // Prepare
    cfnMock
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error(`Stack with id ${STACK_ID} does not exist`), { name: 'ValidationError' }));
    // Act
    const result = await run({ deploy: deployed('recreate') });
    // Assess
    expect(result).toMatchObject({ status: 'NONE', done: true, ok: true, events: [] });
    expect(cfnMock.commandCalls(DescribeStackEventsCommand)).toHaveLength(0);
  });

  it('after create, a stack that does not exist is done, not ok, and says so', async () => {
    // Prepare
    cfnMock
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error(`Stack with id ${STACK} does not exist`), { name: 'ValidationError' }));
    // Act
    const result = await run({ deploy: deployed('create', { stackId: undefined }) });
    // Assess
    expect(result).toMatchObject({ status: 'NONE', done: true, ok: false });
    expect(result.rootCause?.reason).toMatch(/does not exist/);
    expect(cfnMock.commandCalls(DescribeStacksCommand)[0]?.args[0].input.StackName).toBe(STACK);
  });

  it('busy ending in UPDATE_ROLLBACK_FAILED is done and not ok', async () => {
    // Prepare
    stackIs('UPDATE_ROLLBACK_FAILED');
    eventsAre([
      stackEvent('u0', 0, STACK, 'UPDATE_IN_PROGRESS', 'User Initiated'),
      stackEvent(
        'u1',
        5,
        'RunnersSecurityGroup',
        'UPDATE_FAILED',
        'Resource handler returned message: "limit exceeded"',
      ),
      stackEvent('u2', 9, STACK, 'UPDATE_ROLLBACK_FAILED'),
    ]);
    // Act
    const result = await run({ deploy: deployed('busy', { startedAt: undefined }) });
    // Assess
    expect(result).toMatchObject({ done: true, ok: false, rootCause: { logicalId: 'RunnersSecurityGroup' } });
  });

  it('await invoked by itself (no deploy in the event): the stack name, CREATE_COMPLETE is ok', async () => {
    // Prepare
    stackIs('CREATE_COMPLETE');
    eventsAre([start, stackEvent('e1', 30, STACK, 'CREATE_COMPLETE')]);
    // Act
    const result = await run({});
    // Assess
    expect(result).toMatchObject({ done: true, ok: true, polls: 1, lastEventId: 'e1' });
    expect(cfnMock.commandCalls(DescribeStacksCommand)[0]?.args[0].input.StackName).toBe(STACK);
  });
});

describe('await-stack: right after ExecuteChangeSet', () => {
  const CHANGE_SET = 'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/gro-abc/1';
  const executionIs = (ExecutionStatus: 'AVAILABLE' | 'EXECUTE_IN_PROGRESS' | 'EXECUTE_COMPLETE') =>
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ ChangeSetId: CHANGE_SET, Status: 'CREATE_COMPLETE', ExecutionStatus });

  it.each([
    ['update', 'UPDATE_COMPLETE', 'AVAILABLE'],
    ['update', 'UPDATE_COMPLETE', 'EXECUTE_IN_PROGRESS'],
    ['create', 'REVIEW_IN_PROGRESS', 'AVAILABLE'],
  ] as const)('after %s, %s while the change set is %s: not done yet', async (action, status, execution) => {
    // Prepare
    stackIs(status);
    eventsAre([]);
    executionIs(execution);
    // Act
    const result = await run({ deploy: deployed(action, { changeSetId: CHANGE_SET }) });
    // Assess
    expect(result).toMatchObject({ status, done: false, ok: false });
    expect(result.rootCause).toBeUndefined();
    expect(cfnMock.commandCalls(DescribeChangeSetCommand)[0]?.args[0].input).toEqual({
      StackName: STACK_ID,
      ChangeSetName: CHANGE_SET,
    });
  });

  it('a settled status once the change set has executed: done and ok', async () => {
    // Prepare
    stackIs('UPDATE_COMPLETE');
    eventsAre([stackEvent('u1', 30, STACK, 'UPDATE_COMPLETE')]);
    executionIs('EXECUTE_COMPLETE');
    // Act
    const result = await run({ deploy: deployed('update', { changeSetId: CHANGE_SET }) });
    // Assess
    expect(result).toMatchObject({ done: true, ok: true });
  });

  it('once a call has seen the operation running, the change set is not read again', async () => {
    // Prepare
    stackIs('UPDATE_COMPLETE');
    eventsAre([stackEvent('u1', 30, STACK, 'UPDATE_COMPLETE')]);
    const running = { ...previousAwait('u0'), status: 'UPDATE_IN_PROGRESS' };
    // Act
    const result = await run({ deploy: deployed('update', { changeSetId: CHANGE_SET }), await: running });
    // Assess
    expect(result).toMatchObject({ done: true, ok: true, polls: 2 });
    expect(cfnMock.commandCalls(DescribeChangeSetCommand)).toHaveLength(0);
  });

  it('a change set that cannot be read: the stack status stands', async () => {
    // Prepare
    stackIs('UPDATE_COMPLETE');
    eventsAre([stackEvent('u1', 30, STACK, 'UPDATE_COMPLETE')]);
    cfnMock
      .on(DescribeChangeSetCommand)
      .rejects(Object.assign(new Error('ChangeSet does not exist'), { name: 'ChangeSetNotFoundException' }));
    // Act
    const result = await run({ deploy: deployed('update', { changeSetId: CHANGE_SET }) });
    // Assess
    expect(result).toMatchObject({ done: true, ok: true });
  });
});

describe('await-stack: root cause', () => {
  it('a rolled-back create: the first failed resource, not the cancellations, not a later failure', async () => {
    // Prepare
    stackIs('ROLLBACK_COMPLETE', 'The following resource(s) failed to create: [RunnerSubnet, CacheBucket].');
    eventsAre([
      start,
      stackEvent('e1', 3, 'CacheBucket', 'CREATE_FAILED', 'Resource creation cancelled', {
        ResourceType: 'AWS::S3::Bucket',
      }),
      stackEvent(
        'e2',
        4,
        'RunnerSubnet',
        'CREATE_FAILED',
        'Value (eu-west-1z) for parameter availabilityZone is invalid.',
      ),
      stackEvent('e3', 5, 'BastionEIP', 'CREATE_FAILED', 'Resource creation cancelled'),
      stackEvent('e4', 6, STACK, 'ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [RunnerSubnet].'),
      stackEvent('e5', 7, 'NatEIP', 'DELETE_FAILED', 'later trouble'),
      stackEvent('e6', 30, STACK, 'ROLLBACK_COMPLETE'),
    ]);
    // Act
    const result = await run({ deploy: deployed('create') });
    // Assess
    expect(result).toMatchObject({ status: 'ROLLBACK_COMPLETE', done: true, ok: false });
    expect(result.rootCause).toEqual({
      logicalId: 'RunnerSubnet',
      resourceType: 'AWS::EC2::Subnet',
      status: 'CREATE_FAILED',
      reason: 'Value (eu-west-1z) for parameter availabilityZone is invalid.',
    });
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('a rolled-back update (UPDATE_ROLLBACK_COMPLETE) is not ok and names the failed update', async () => {
    // Prepare
    stackIs('UPDATE_ROLLBACK_COMPLETE');
    eventsAre([
      stackEvent('u0', 0, STACK, 'UPDATE_IN_PROGRESS', 'User Initiated'),
      stackEvent('u1', 4, 'RunnerLaunchTemplate', 'UPDATE_FAILED', 'The image id [ami-0] does not exist', {
        ResourceType: 'AWS::EC2::LaunchTemplate',
      }),
      stackEvent('u2', 40, STACK, 'UPDATE_ROLLBACK_COMPLETE'),
    ]);
    // Act
    const result = await run({ deploy: deployed('update') });
    // Assess
    expect(result).toMatchObject({
      ok: false,
      rootCause: { logicalId: 'RunnerLaunchTemplate', status: 'UPDATE_FAILED' },
    });
  });

  it('reads back to the operation start when the failure was reported by an earlier call', async () => {
    // Prepare
    stackIs('ROLLBACK_COMPLETE');
    const history = [
      start,
      stackEvent('e1', 4, 'RunnerSubnet', 'CREATE_FAILED', 'The CIDR 192.168.1.0/24 conflicts with another subnet'),
      stackEvent('e2', 5, 'VPC', 'CREATE_FAILED', 'Resource creation cancelled'),
      stackEvent('e3', 30, STACK, 'ROLLBACK_COMPLETE'),
    ];
    eventsAre(history);
    // Act
    const result = await run({ deploy: deployed('create'), await: previousAwait('e2', 7) });
    // Assess
    expect(result.events.map((e) => e.eventId)).toEqual(['e3']);
    expect(result.rootCause?.logicalId).toBe('RunnerSubnet');
    expect(cfnMock.commandCalls(DescribeStackEventsCommand)).toHaveLength(2);
  });

  it('no failed resource event: the stack status reason stands in', async () => {
    // Prepare
    stackIs('ROLLBACK_COMPLETE', 'Template error: unresolved resource dependencies [Nope]');
    eventsAre([start, stackEvent('e1', 9, STACK, 'ROLLBACK_COMPLETE')]);
    // Act
    const result = await run({ deploy: deployed('create') });
    // Assess
    expect(result.rootCause).toEqual({
      logicalId: STACK,
      resourceType: 'AWS::CloudFormation::Stack',
      status: 'ROLLBACK_COMPLETE',
      reason: 'Template error: unresolved resource dependencies [Nope]',
    });
  });
});

describe('await-stack: the manager failed its signal', () => {
  const INSTANCE = 'i-0123456789abcdef0';
  const LOG_BUCKET = 'fleet-logbucket-1a2b3c';
  const CANARY = 'glrt-CANARYcanaryCANARY1234';
  const signalFailed = () => {
    stackIs('ROLLBACK_COMPLETE');
    eventsAre([
      start,
      stackEvent(
        'e1',
        60,
        'BastionInstance',
        'CREATE_FAILED',
        'Failed to receive 1 resource signal(s) within the specified duration',
        {
          ResourceType: 'AWS::EC2::Instance',
          PhysicalResourceId: INSTANCE,
        },
      ),
      stackEvent('e2', 61, 'RunnerRole', 'CREATE_FAILED', 'Resource creation cancelled'),
      stackEvent('e3', 90, STACK, 'ROLLBACK_COMPLETE'),
    ]);
    cfnMock.on(DescribeStackResourcesCommand).resolves({
      StackResources: [
        {
          LogicalResourceId: 'LogBucket',
          PhysicalResourceId: LOG_BUCKET,
          ResourceType: 'AWS::S3::Bucket',
          ResourceStatus: 'DELETE_SKIPPED',
          Timestamp: new Date(),
        },
      ],
    });
  };
  const line = (source: string, msg: string) =>
    JSON.stringify({ time: '2024-05-14T09:21:00Z', level: 'info', msg, source });
  const gz = (lines: string[]) => gzipSync(Buffer.from(`${lines.join('\n')}\n`));
  const body = (bytes: Uint8Array) => ({ transformToByteArray: async () => bytes }) as never;
  const key = (epoch: number) => `runner-logs/${STACK}/${INSTANCE}/2024/05/14/09/${epoch}.log.gz`;

  it('adds the tail of cfn-init’s log read from the newest gzip objects, in order, tokens redacted', async () => {
    // Prepare
    signalFailed();
    s3Mock.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: key(1715678400), LastModified: new Date('2024-05-14T09:20:00Z') },
        { Key: key(1715678460), LastModified: new Date('2024-05-14T09:21:00Z') },
      ],
    });
    s3Mock.on(GetObjectCommand, { Key: key(1715678400) }).resolves({
      Body: body(gz([line('cfn-init', 'first: Running configSet default'), line('gitlab-runner', 'ignored')])),
    });
    s3Mock.on(GetObjectCommand, { Key: key(1715678460) }).resolves({
      Body: body(
        gz([
          line('cfn-init', 'second: Running command 10-write-config'),
          'not json at all cfn-init',
          line('log-shipper', 'metrics snapshot'),
          line('cfn-init', `third: token=${CANARY} was written`),
          line('cfn-init', 'last: Command 10-write-config failed'),
        ]),
      ),
    });
    // Act
    const result = await run({ deploy: deployed('create') });
    // Assess
    expect(result.rootCause).toMatchObject({ logicalId: 'BastionInstance', status: 'CREATE_FAILED' });
    const tail = result.rootCause?.cfnInitLogTail ?? [];
    expect(tail).toHaveLength(4);
    expect(tail[0]).toBe('first: Running configSet default');
    expect(tail.at(-1)).toBe('last: Command 10-write-config failed');
    expect(JSON.stringify(result)).not.toContain(CANARY);
    expect(logs.lines.join('\n')).not.toContain(CANARY);
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Bucket: LOG_BUCKET,
      Prefix: `runner-logs/${STACK}/${INSTANCE}/`,
    });
  });

  it('keeps the last 30 lines only, from the newest object', async () => {
    // Prepare
    signalFailed();
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: key(1715678460), LastModified: new Date() }] });
    const forty = Array.from({ length: 40 }, (_, i) => line('cfn-init', `line ${i + 1}`));
    s3Mock.on(GetObjectCommand).resolves({ Body: body(gz(forty)) });
    // Act
    const result = await run({ deploy: deployed('create') });
    // Assess
    const tail = result.rootCause?.cfnInitLogTail ?? [];
    expect(tail).toHaveLength(30);
    expect([tail[0], tail.at(-1)]).toEqual(['line 11', 'line 40']);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(1);
  });

  it('falls back to the whole stack prefix when nothing is under the instance', async () => {
    // Prepare
    signalFailed();
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [] })
      .resolves({ Contents: [{ Key: `runner-logs/${STACK}/i-0fedcba9876543210/x.log.gz`, LastModified: new Date() }] });
    s3Mock.on(GetObjectCommand).resolves({ Body: body(gz([line('cfn-init', 'from the stack prefix')])) });
    // Act
    const result = await run({ deploy: deployed('create') });
    // Assess
    expect(result.rootCause?.cfnInitLogTail).toEqual(['from the stack prefix']);
    expect(s3Mock.commandCalls(ListObjectsV2Command)[1]?.args[0].input.Prefix).toBe(`runner-logs/${STACK}/`);
  });

  it.each([
    ['no log object was shipped', () => s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] })],
    [
      'the log bucket is not readable',
      () =>
        s3Mock.on(ListObjectsV2Command).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' })),
    ],
    [
      'the object is not gzip JSON',
      () => {
        s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: key(1), LastModified: new Date() }] });
        s3Mock.on(GetObjectCommand).resolves({ Body: body(Buffer.from([0x1f, 0x8b, 0x00, 0x01])) });
      },
    ],
    [
      'the stack resources cannot be read',
      () => cfnMock.on(DescribeStackResourcesCommand).rejects(Object.assign(new Error('boom'), { $fault: 'server' })),
    ],
  ])('%s: the root cause without a tail, never an error', async (_what, breakIt) => {
    // Prepare
    signalFailed();
    breakIt();
    // Act
    const result = await run({ deploy: deployed('create') });
    // Assess
    expect(result.rootCause).toMatchObject({ logicalId: 'BastionInstance', reason: expect.stringMatching(/signal/) });
    expect(result.rootCause?.cfnInitLogTail).toBeUndefined();
  });

  it('does not read logs when another resource is the root cause', async () => {
    // Prepare
    stackIs('ROLLBACK_COMPLETE');
    eventsAre([start, stackEvent('e1', 4, 'CacheBucket', 'CREATE_FAILED', 'Bucket name already exists')]);
    // Act
    const result = await run({ deploy: deployed('create') });
    // Assess
    expect(result.rootCause?.logicalId).toBe('CacheBucket');
    expect(cfnMock.commandCalls(DescribeStackResourcesCommand)).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('await-stack: errors and bad input', () => {
  it('a DescribeStackEvents failing with 5xx after the retries is a typed StackError', async () => {
    // Prepare
    stackIs('CREATE_IN_PROGRESS');
    cfnMock.on(DescribeStackEventsCommand).rejects(
      Object.assign(new Error('We encountered an internal error'), {
        name: 'InternalFailure',
        $fault: 'server',
        $metadata: { httpStatusCode: 500, attempts: 5 },
      }),
    );
    // Act
    const attempt = run({ deploy: deployed('create') });
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'AWS_UNAVAILABLE' });
    await expect(attempt).rejects.toThrow('CloudFormation DescribeStackEvents for stack fleet failed after 5 attempts');
  });

  it.each([
    ['a previous await with polls 0', { await: { ...previousAwait('e1'), polls: 0 } }, /await\.polls/],
    ['a deploy with an unknown action', { deploy: { ...deployed('create'), action: 'explode' } }, /deploy\.action/],
    ['an invalid config', { config: { ...rawConfig, region: 'mars' } }, /config\.region/],
  ])('%s: EventValidationError naming the field, no AWS call', async (_what, event, message) => {
    // Act
    const attempt = run(event);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EventValidationError);
    await expect(attempt).rejects.toThrow(message);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('no config anywhere: ConfigError', async () => {
    // Prepare
    const saved = process.env.RUNNER_CONFIG;
    delete process.env.RUNNER_CONFIG;
    try {
      // Act
      const attempt = awaitStack.run({}, { cfn, s3 }, logs.log);
      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ConfigError);
      expect(cfnMock.calls()).toHaveLength(0);
    } finally {
      if (saved !== undefined) process.env.RUNNER_CONFIG = saved;
    }
  });
});
