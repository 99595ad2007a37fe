import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { StackError } from '../../functions/shared/errors.js';
import { type DeployWithChangeSetInput, deployWithChangeSet } from '../../scripts/lib/change-set.js';

/**
 * deployWithChangeSet against a mocked CloudFormation: the paths moto cannot show (an empty change set fails on
 * AWS but executes on moto; rollbacks; see test/integration/moto-gaps.ts).
 */
const cfnMock = mockClient(CloudFormationClient);
const cfn = new CloudFormationClient({ region: 'eu-west-1' });
const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/fleet/abc';
const CHANGE_SET_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/fleet-1/def';
const input: DeployWithChangeSetInput = {
  stackName: 'fleet',
  templateBody: '{"Resources":{}}',
  parameters: [{ ParameterKey: 'TokenParameterVersion', ParameterValue: '2' }],
  type: 'UPDATE',
  pollIntervalMs: 1,
};

describe('deployWithChangeSet', () => {
  beforeEach(() => {
    cfnMock.reset();
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: STACK_ID });
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
  });

  it('creates the change set, waits for it, executes it and waits for the stack', async () => {
    // Prepare
    const changes = [{ Type: 'Resource' as const, ResourceChange: { LogicalResourceId: 'BastionInstance' } }];
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_PENDING' })
      .resolves({ Status: 'CREATE_COMPLETE', Changes: changes });
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [{ StackName: 'fleet', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }] })
      .resolves({ Stacks: [{ StackName: 'fleet', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] });
    // Act
    const result = await deployWithChangeSet(cfn, input);
    // Assess
    expect(result).toMatchObject({ stackId: STACK_ID, changeSetId: CHANGE_SET_ID, status: 'UPDATE_COMPLETE', changes });
    const create = cfnMock.commandCalls(CreateChangeSetCommand)[0]?.args[0].input;
    expect(create).toMatchObject({
      StackName: 'fleet',
      ChangeSetType: 'UPDATE',
      TemplateBody: input.templateBody,
      Parameters: input.parameters,
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    });
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)[0]?.args[0].input).toEqual({
      StackName: 'fleet',
      ChangeSetName: CHANGE_SET_ID,
    });
  });

  it('deletes an empty change set and reports NO_CHANGES without executing anything', async () => {
    // Prepare
    cfnMock.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason:
        "The submitted information didn't contain changes. Submit different information to create a change set.",
    });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    // Act
    const result = await deployWithChangeSet(cfn, input);
    // Assess
    expect(result.status).toBe('NO_CHANGES');
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('throws CHANGE_SET_FAILED with the reason when the change set cannot be created', async () => {
    // Prepare
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'FAILED', StatusReason: 'Parameter ManagerImageId is not a valid AMI' });
    // Act
    const attempt = deployWithChangeSet(cfn, input);
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'CHANGE_SET_FAILED' });
    await expect(attempt).rejects.toThrow('Parameter ManagerImageId is not a valid AMI');
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('throws STACK_FAILED naming the failed resources when the create rolls back', async () => {
    // Prepare
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', Changes: [] });
    cfnMock
      .on(DescribeStacksCommand)
      .resolves({ Stacks: [{ StackName: 'fleet', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }] });
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          StackId: STACK_ID,
          EventId: '2',
          StackName: 'fleet',
          Timestamp: new Date(Date.now() + 2_000),
          LogicalResourceId: 'BastionInstance',
          ResourceType: 'AWS::EC2::Instance',
          ResourceStatus: 'CREATE_FAILED',
          ResourceStatusReason: 'Failed to receive 1 resource signal(s) within the specified duration',
        },
        {
          StackId: STACK_ID,
          EventId: '1',
          StackName: 'fleet',
          Timestamp: new Date(Date.now() + 1_000),
          LogicalResourceId: 'CacheBucket',
          ResourceType: 'AWS::S3::Bucket',
          ResourceStatus: 'CREATE_COMPLETE',
        },
      ],
    });
    // Act
    const attempt = deployWithChangeSet(cfn, { ...input, type: 'CREATE' });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StackError);
    await expect(attempt).rejects.toMatchObject({ code: 'STACK_FAILED' });
    await expect(attempt).rejects.toThrow(/BastionInstance \(AWS::EC2::Instance\) CREATE_FAILED: Failed to receive 1/);
    await expect(attempt).rejects.toThrow(/delete the stack/);
  });

  it('gives up with STACK_TIMEOUT instead of polling forever', async () => {
    // Prepare
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_IN_PROGRESS' });
    // Act
    const attempt = deployWithChangeSet(cfn, { ...input, timeoutMs: 0 });
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'STACK_TIMEOUT' });
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });
});
