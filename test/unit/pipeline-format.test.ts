import { describe, expect, it } from '@jest/globals';
import { parseRunnerConfig } from '../../functions/shared/config/index.js';
import type { DeployResult } from '../../functions/shared/contracts.js';
import { StackFailedError } from '../../scripts/lib/pipeline-errors.js';
import { deployTitle, formatStackEvent, summaryLines } from '../../scripts/lib/pipeline-format.js';
import type { PipelineResult } from '../../scripts/lib/pipeline-runner.js';

/** What `npm run pipeline` prints: event lines like `cdk deploy`, task titles, the summary, the failure text. */
const deploy: DeployResult = {
  stackName: 'fleet',
  stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/fleet/abc',
  action: 'update',
  changeSetName: 'gro-0001',
  previousStatus: 'CREATE_COMPLETE',
  managerReplacement: false,
  replacements: [],
};
const { executor: dockerMachine } = parseRunnerConfig({
  stackName: 'fleet',
  region: 'eu-west-1',
  artifactBucket: 'artifacts',
  gitlab: { url: 'https://gitlab.example.com', tokenParameterName: '/gitlab-runner/token' },
});
const result: PipelineResult = {
  bucketCreated: false,
  token: {
    parameterName: '/gitlab-runner/token',
    version: 3,
    fingerprint: '0123456789ab',
    kind: 'runner-authentication',
  },
  render: {
    stackName: 'fleet',
    bucket: 'artifacts',
    templateKey: `runner/${'b'.repeat(64)}.json`,
    templateUrl: `https://artifacts.s3.amazonaws.com/runner/${'b'.repeat(64)}.json`,
    templateHash: 'b'.repeat(64),
    parameters: [],
    tokenParameterVersion: 3,
    warnings: [],
  },
  deploy,
  deploys: [deploy],
  await: { stackName: 'fleet', status: 'UPDATE_COMPLETE', done: true, ok: true, events: [], polls: 4 },
  events: [],
};

describe('pipeline output', () => {
  it('prints a stack event as time | status | type | logical id | reason', () => {
    // Act
    const line = formatStackEvent({
      eventId: 'e1',
      timestamp: '2025-03-04T12:00:01.250Z',
      logicalId: 'BastionInstance',
      resourceType: 'AWS::EC2::Instance',
      status: 'CREATE_FAILED',
      reason: 'Resource creation cancelled',
    });
    // Assess
    expect(line).toBe('12:00:01 | CREATE_FAILED | AWS::EC2::Instance | BastionInstance | Resource creation cancelled');
  });

  it('redacts a token that a resource status reason happens to carry', () => {
    // Act
    const line = formatStackEvent({
      eventId: 'e1',
      timestamp: '2025-03-04T12:00:01Z',
      logicalId: 'X',
      resourceType: 'T',
      status: 'CREATE_FAILED',
      reason: 'bad value glrt-abcdefghijklmnopqrstu',
    });
    // Assess
    expect(line).not.toContain('glrt-abcdefghijklmnopqrstu');
    expect(line).toContain('[REDACTED]');
  });

  it('titles the deploy task with the action and the change set', () => {
    // Act + Assess
    expect(deployTitle(deploy)).toBe('deploy-stack: update (change set gro-0001)');
    expect(
      deployTitle({ ...deploy, action: 'busy', changeSetName: undefined, previousStatus: 'UPDATE_IN_PROGRESS' }),
    ).toBe('deploy-stack: busy (stack is UPDATE_IN_PROGRESS, waiting for it)');
  });

  it('summarises action, stack id, template hash, token version and fingerprint', () => {
    // Act
    const text = summaryLines(result, { executor: dockerMachine }).join('\n');
    // Assess
    expect(text).toContain('Runner stack fleet: update (UPDATE_COMPLETE)');
    expect(text).toContain(deploy.stackId);
    expect(text).toContain('b'.repeat(64));
    expect(text).toContain('/gitlab-runner/token version 3, fingerprint 0123456789ab');
    expect(text).not.toContain('WARNING');
  });

  it('warns in the summary when a change set replaced the runner manager', () => {
    // Prepare
    const replaced = { ...deploy, managerReplacement: true, replacements: ['BastionInstance'] };
    // Act
    const text = summaryLines({ ...result, deploy: replaced, deploys: [replaced] }, { executor: dockerMachine }).join(
      '\n',
    );
    // Assess
    expect(text).toMatch(/WARNING: This change set may replace the runner manager \(BastionInstance\)/);
    expect(text).toContain('docker+machine VMs the old manager created become orphans');
  });

  it('a failed stack error names the resource, the reason, the cfn-init tail and the next step', () => {
    // Act
    const error = new StackFailedError('fleet', 'UPDATE_ROLLBACK_COMPLETE', {
      logicalId: 'BastionInstance',
      resourceType: 'AWS::EC2::Instance',
      status: 'UPDATE_FAILED',
      reason: 'Failed to receive 1 resource signal',
      cfnInitLogTail: ['line 1', 'Command 10_write_config failed'],
    });
    // Assess
    expect(error.message).toContain('Stack fleet ended in UPDATE_ROLLBACK_COMPLETE');
    expect(error.message).toContain('BastionInstance (AWS::EC2::Instance) UPDATE_FAILED:');
    expect(error.message).toContain('    Command 10_write_config failed');
    expect(error.hint).toMatch(/previous resources/);
  });
});
