import { type CloudFormationClient, DescribeStackEventsCommand, type StackEvent } from '@aws-sdk/client-cloudformation';
import { cfnCall } from '../shared/cfn-call.js';
import type { StackEventSummary } from '../shared/contracts.js';
import { redactTokens } from '../shared/redact.js';

/**
 * Reading a stack's events newest-first (as DescribeStackEvents pages them) only as far back as needed:
 * up to the last event already reported, the operation's start time, or the event that started the operation
 * (the stack's own `*_IN_PROGRESS` "User Initiated"), whichever comes first; at most `maxPages` pages.
 */
export interface EventWindow {
  /** Stop before this event (the previous call's lastEventId). */
  stopAtEventId?: string;
  /** Stop at events older than this (deploy-stack's startedAt). */
  since?: Date;
  maxPages: number;
}

export interface EventRead {
  /** Oldest first. */
  events: StackEvent[];
  /** True when the read covers the whole current operation (it reached its start or the stack's first event). */
  wholeOperation: boolean;
}

const STACK_TYPE = 'AWS::CloudFormation::Stack';

export const isStackItself = (e: StackEvent, stackName: string): boolean =>
  e.ResourceType === STACK_TYPE && e.LogicalResourceId === stackName;

/** The event a user's (or deploy-stack's) request writes first: the stack itself going *_IN_PROGRESS. */
export function isOperationStart(e: StackEvent, stackName: string): boolean {
  return (
    isStackItself(e, stackName) &&
    (e.ResourceStatus ?? '').endsWith('_IN_PROGRESS') &&
    /user initiated/i.test(e.ResourceStatusReason ?? '')
  );
}

export async function readStackEvents(
  cfn: CloudFormationClient,
  stackRef: string,
  stackName: string,
  window: EventWindow,
): Promise<EventRead> {
  const newestFirst: StackEvent[] = [];
  const done = (wholeOperation: boolean): EventRead => ({ events: newestFirst.reverse(), wholeOperation });
  let token: string | undefined;
  for (let page = 0; page < window.maxPages; page++) {
    const out = await cfnCall('DescribeStackEvents', stackName, () =>
      cfn.send(new DescribeStackEventsCommand({ StackName: stackRef, NextToken: token })),
    );
    for (const e of out.StackEvents ?? []) {
      if (window.stopAtEventId && e.EventId === window.stopAtEventId) return done(false);
      if (window.since && e.Timestamp && e.Timestamp < window.since) return done(true);
      newestFirst.push(e);
      if (isOperationStart(e, stackName)) return done(true);
    }
    token = out.NextToken;
    if (!token) return done(true);
  }
  return done(false);
}

const MAX_REASON = 500;

export function summarizeEvent(e: StackEvent): StackEventSummary {
  const reason = e.ResourceStatusReason ? redactTokens(e.ResourceStatusReason).slice(0, MAX_REASON) : undefined;
  return {
    eventId: e.EventId ?? `${e.LogicalResourceId}-${e.Timestamp?.toISOString()}`,
    timestamp: (e.Timestamp ?? new Date(0)).toISOString(),
    logicalId: e.LogicalResourceId ?? '?',
    resourceType: e.ResourceType ?? '?',
    status: e.ResourceStatus ?? '?',
    ...(reason ? { reason } : {}),
  };
}
