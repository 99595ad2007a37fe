import {
  type Change,
  type CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  ExecuteChangeSetCommand,
  type Parameter,
  type Tag,
} from '@aws-sdk/client-cloudformation';
import { cfnCall } from '../shared/cfn-call.js';
import { StackError } from '../shared/errors.js';
import { redactTokens } from '../shared/redact.js';

/**
 * The change-set half of deploy-stack: create, wait for the *creation* (seconds, bounded), delete an empty one,
 * execute. The step never waits for the execution: await-stack does, one status read per state-machine loop.
 */
export interface ChangeSetRequest {
  stackName: string;
  changeSetName: string;
  type: 'CREATE' | 'UPDATE';
  templateUrl: string;
  parameters: Parameter[];
  tags: Tag[];
  description: string;
}

export interface WaitOptions {
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
  /** Overall limit for the change set's creation; default 60 s. */
  timeoutMs?: number;
  /** First pause between two DescribeChangeSet calls, doubled each time up to maxDelayMs; default 1 s. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export type ChangeSetOutcome =
  | { kind: 'ready'; changeSetId: string; stackId?: string; changes: Change[] }
  | { kind: 'empty'; changeSetId: string; stackId?: string; reason: string };

const EMPTY_CHANGE_SET = /didn't contain changes|No updates are to be performed/i;

/**
 * The role CloudFormation deploys the runner stack with (`RoleARN`), set by the orchestrator stack on the
 * deploy-stack function. Unset or empty: no role, CloudFormation acts with the caller's rights (a laptop's
 * `npm run pipeline`).
 */
export const CFN_EXECUTION_ROLE_ENV = 'CFN_EXECUTION_ROLE_ARN';

export function executionRoleArn(env: Record<string, string | undefined> = process.env): string | undefined {
  const arn = env[CFN_EXECUTION_ROLE_ENV]?.trim();
  return arn ? arn : undefined;
}

const MAX_CHANGE_PAGES = 10;

export async function createChangeSet(
  cfn: CloudFormationClient,
  req: ChangeSetRequest,
): Promise<{ changeSetId: string; stackId?: string }> {
  const out = await cfnCall('CreateChangeSet', req.stackName, () =>
    cfn.send(
      new CreateChangeSetCommand({
        StackName: req.stackName,
        ChangeSetName: req.changeSetName,
        ChangeSetType: req.type,
        TemplateURL: req.templateUrl,
        Parameters: req.parameters,
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
        RoleARN: executionRoleArn(),
        Tags: req.tags,
        Description: req.description,
        // Same token on an SDK retry: CloudFormation does not create a second change set.
        ClientToken: req.changeSetName,
      }),
    ),
  );
  return { changeSetId: out.Id ?? req.changeSetName, stackId: out.StackId };
}

/** Polls DescribeChangeSet with backoff until CREATE_COMPLETE or FAILED; an empty change set is deleted. */
export async function settleChangeSet(
  cfn: CloudFormationClient,
  req: ChangeSetRequest,
  created: { changeSetId: string; stackId?: string },
  opts: WaitOptions,
): Promise<ChangeSetOutcome> {
  const { changeSetId, stackId } = created;
  const started = opts.now().getTime();
  const timeout = opts.timeoutMs ?? 60_000;
  let delay = opts.firstDelayMs ?? 1_000;
  for (;;) {
    const cs = await describe(cfn, req.stackName, changeSetId);
    if (cs.Status === 'CREATE_COMPLETE') {
      return { kind: 'ready', changeSetId, stackId: cs.StackId ?? stackId, changes: await allChanges(cfn, req, cs) };
    }
    if (cs.Status === 'FAILED') {
      const reason = redactTokens(cs.StatusReason ?? 'no reason given');
      if (EMPTY_CHANGE_SET.test(reason)) {
        await cfnCall('DeleteChangeSet', req.stackName, () =>
          cfn.send(new DeleteChangeSetCommand({ StackName: req.stackName, ChangeSetName: changeSetId })),
        );
        return { kind: 'empty', changeSetId, stackId: cs.StackId ?? stackId, reason };
      }
      throw new StackError(
        'CHANGE_SET_FAILED',
        `Change set ${req.changeSetName} (${req.type}) for stack ${req.stackName} failed: ${reason}`,
        'Fix the template or parameter named in the reason (render-stack builds them from the config), then run the pipeline again; the stack itself is unchanged.',
      );
    }
    const elapsed = opts.now().getTime() - started;
    if (elapsed + delay > timeout) {
      throw new StackError(
        'CHANGE_SET_TIMEOUT',
        `Change set ${req.changeSetName} for stack ${req.stackName} was still ${cs.Status ?? 'unknown'} after ${Math.round(elapsed / 1000)} s.`,
        'CloudFormation is slow to compute it: run the pipeline again in a few minutes (the unexecuted change set does no harm; delete it from the console if you like).',
      );
    }
    await opts.sleep(delay);
    delay = Math.min(delay * 2, opts.maxDelayMs ?? 8_000);
  }
}

async function describe(
  cfn: CloudFormationClient,
  stackName: string,
  changeSetId: string,
  nextToken?: string,
): Promise<DescribeChangeSetCommandOutput> {
  return cfnCall('DescribeChangeSet', stackName, () =>
    cfn.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetId, NextToken: nextToken })),
  );
}

/** DescribeChangeSet pages its Changes: read the rest (bounded) so no replacement goes unseen. */
async function allChanges(
  cfn: CloudFormationClient,
  req: ChangeSetRequest,
  first: DescribeChangeSetCommandOutput,
): Promise<Change[]> {
  const changes = [...(first.Changes ?? [])];
  let token = first.NextToken;
  for (let page = 1; token && page < MAX_CHANGE_PAGES; page++) {
    const next = await describe(cfn, req.stackName, first.ChangeSetId ?? req.changeSetName, token);
    changes.push(...(next.Changes ?? []));
    token = next.NextToken;
  }
  return changes;
}

export async function executeChangeSet(
  cfn: CloudFormationClient,
  req: ChangeSetRequest,
  changeSetId: string,
): Promise<void> {
  await cfnCall('ExecuteChangeSet', req.stackName, () =>
    cfn.send(
      new ExecuteChangeSetCommand({
        StackName: req.stackName,
        ChangeSetName: changeSetId,
        // Same token on an SDK retry: CloudFormation does not start the update twice.
        ClientRequestToken: req.changeSetName,
      }),
    ),
  );
}
