import { CloudFormationClient, CreateChangeSetCommand } from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CFN_EXECUTION_ROLE_ENV,
  type ChangeSetRequest,
  createChangeSet,
  executionRoleArn,
} from '../../functions/deploy-stack/change-set.js';

/** deploy-stack passes the orchestrator's CloudFormation service role (CFN_EXECUTION_ROLE_ARN) as RoleARN. */
const cfnMock = mockClient(CloudFormationClient);
const cfn = new CloudFormationClient({ region: 'eu-west-1' });
const ROLE = 'arn:aws:iam::123456789012:role/fleet-orchestrator-RunnerStackDeployRole-ABC';
const request: ChangeSetRequest = {
  stackName: 'fleet',
  changeSetName: 'gro-0123456789ab-v1-20250101000000000',
  type: 'CREATE',
  templateUrl: 'https://my-artifacts.s3.eu-west-1.amazonaws.com/templates/fleet/x.json',
  parameters: [],
  tags: [],
  description: 'test',
};

describe('deploy-stack: CloudFormation service role', () => {
  let previous: string | undefined;
  beforeEach(() => {
    previous = process.env[CFN_EXECUTION_ROLE_ENV];
    cfnMock.reset();
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: 'cs-id', StackId: 'stack-id' });
  });
  afterEach(() => {
    if (previous === undefined) delete process.env[CFN_EXECUTION_ROLE_ENV];
    else process.env[CFN_EXECUTION_ROLE_ENV] = previous;
  });

  it('reads the role from CFN_EXECUTION_ROLE_ARN; unset, empty or blank means none', () => {
    // Act / Assess
    expect(executionRoleArn({ CFN_EXECUTION_ROLE_ARN: ` ${ROLE} ` })).toBe(ROLE);
    expect(executionRoleArn({})).toBeUndefined();
    expect(executionRoleArn({ CFN_EXECUTION_ROLE_ARN: '' })).toBeUndefined();
    expect(executionRoleArn({ CFN_EXECUTION_ROLE_ARN: '   ' })).toBeUndefined();
  });

  it('passes the role as RoleARN on CreateChangeSet when it is set', async () => {
    // Prepare
    process.env[CFN_EXECUTION_ROLE_ENV] = ROLE;
    // Act
    await createChangeSet(cfn, request);
    // Assess
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.RoleARN).toBe(ROLE);
  });

  it('sends no RoleARN when no role is set (CloudFormation uses the caller rights)', async () => {
    // Prepare
    delete process.env[CFN_EXECUTION_ROLE_ENV];
    // Act
    await createChangeSet(cfn, request);
    // Assess
    const input = cfnMock.commandCalls(CreateChangeSetCommand)[0]?.args[0].input;
    expect(input).toBeDefined();
    expect(input?.RoleARN).toBeUndefined();
  });
});
