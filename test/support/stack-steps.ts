import { createHash } from 'node:crypto';
import type { ResourceStatus, StackEvent } from '@aws-sdk/client-cloudformation';
import { parseRunnerConfig, type RunnerConfig } from '../../functions/shared/config/index.js';
import type { RenderResult } from '../../functions/shared/contracts.js';
import { createLogger, type Logger, setLogSink } from '../../functions/shared/logger.js';

/** Shared fixtures of the deploy-stack and await-stack unit tests (not a test file itself). */

export const STACK = 'fleet';
export const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/fleet/0f1e2d3c';
export const CHANGE_SET_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/gro-x/4b5a6978';
export const TEMPLATE_HASH = createHash('sha256').update('{"Resources":{}}').digest('hex');
export const TOKEN_VERSION = 3;

export const rawConfig = {
  stackName: STACK,
  region: 'eu-west-1',
  artifactBucket: 'fleet-artifacts',
  gitlab: { url: 'https://gitlab.example.com', tokenParameterName: '/gitlab-runner/fleet/token' },
  tags: { team: 'platform' },
};

export const config: RunnerConfig = parseRunnerConfig(rawConfig);

export const render: RenderResult = {
  stackName: STACK,
  bucket: 'fleet-artifacts',
  templateKey: `runner-stack/${TEMPLATE_HASH}.json`,
  templateUrl: `https://fleet-artifacts.s3.eu-west-1.amazonaws.com/runner-stack/${TEMPLATE_HASH}.json`,
  templateHash: TEMPLATE_HASH,
  parameters: [
    { ParameterKey: 'TokenParameterVersion', ParameterValue: String(TOKEN_VERSION) },
    { ParameterKey: 'ManagerImageId', ParameterValue: config.manager.imageId },
  ],
  tokenParameterVersion: TOKEN_VERSION,
  warnings: [],
};

/** Captures every log line the steps write (through the process-wide sink). */
export function captureLogs(): { lines: string[]; log: Logger; restore: () => void } {
  const lines: string[] = [];
  const previous = setLogSink((line) => lines.push(line));
  return { lines, log: createLogger('test'), restore: () => setLogSink(previous) };
}

/** A clock that only moves when the code under test sleeps; records every pause. */
export function fakeClock(start = Date.parse('2024-05-14T09:20:00Z')): {
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  pauses: number[];
} {
  let t = start;
  const pauses: number[] = [];
  return {
    now: () => new Date(t),
    sleep: async (ms: number) => {
      pauses.push(ms);
      t += ms;
    },
    pauses,
  };
}

/** A stack event as DescribeStackEvents returns it. */
export function stackEvent(
  id: string,
  secondsAfterStart: number,
  logicalId: string,
  status: string,
  reason?: string,
  extra: Partial<StackEvent> = {},
): StackEvent {
  const isStack = logicalId === STACK;
  return {
    StackId: STACK_ID,
    StackName: STACK,
    EventId: id,
    Timestamp: new Date(Date.parse('2024-05-14T09:20:00Z') + secondsAfterStart * 1000),
    LogicalResourceId: logicalId,
    ResourceType: isStack ? 'AWS::CloudFormation::Stack' : (extra.ResourceType ?? 'AWS::EC2::Subnet'),
    ResourceStatus: status as ResourceStatus,
    ...(reason ? { ResourceStatusReason: reason } : {}),
    ...extra,
  };
}
