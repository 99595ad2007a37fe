import {
  type Capability,
  type Change,
  type CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Parameter,
  type Tag,
} from '@aws-sdk/client-cloudformation';
import { StackError } from '../../functions/shared/errors.js';

/**
 * Deploy a template through a change set and wait for the stack to settle: the one "deploy and wait"
 * used by scripts and integration tests. The deploy-stack step does the same in non-blocking steps.
 */
export interface DeployWithChangeSetInput {
  stackName: string;
  templateBody: string;
  parameters: Parameter[];
  type: 'CREATE' | 'UPDATE';
  tags?: Tag[];
  /** Default: CAPABILITY_IAM and CAPABILITY_NAMED_IAM. */
  capabilities?: Capability[];
  /** Between two status reads; default 5 s (real AWS). Tests against moto pass ~100 ms. */
  pollIntervalMs?: number;
  /** Overall limit for change-set creation plus execution; default 45 min. */
  timeoutMs?: number;
}

export interface DeployWithChangeSetResult {
  stackId: string;
  changeSetId: string;
  changeSetName: string;
  /** Final stack status, or NO_CHANGES when the change set was empty (it is deleted, nothing executes). */
  status: string;
  changes: Change[];
}

const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE']);

export async function deployWithChangeSet(
  cfn: CloudFormationClient,
  input: DeployWithChangeSetInput,
): Promise<DeployWithChangeSetResult> {
  const { stackName, type } = input;
  const pollMs = input.pollIntervalMs ?? 5_000;
  const deadline = Date.now() + (input.timeoutMs ?? 45 * 60_000);
  const changeSetName = `${stackName}-${Date.now()}`.slice(0, 128);
  const startedAt = new Date(Date.now() - 1_000);

  const created = await cfn.send(
    new CreateChangeSetCommand({
      StackName: stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: type,
      TemplateBody: input.templateBody,
      Parameters: input.parameters,
      Tags: input.tags,
      Capabilities: input.capabilities ?? ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    }),
  );
  const changeSetId = created.Id ?? changeSetName;
  const stackId = created.StackId ?? stackName;

  let changes: Change[] = [];
  for (;;) {
    const cs = await cfn.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetId }));
    if (cs.Status === 'CREATE_COMPLETE') {
      changes = cs.Changes ?? [];
      break;
    }
    if (cs.Status === 'FAILED') {
      const reason = cs.StatusReason ?? 'no reason given';
      if (/didn't contain changes|No updates are to be performed/i.test(reason)) {
        await cfn.send(new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetId }));
        return { stackId, changeSetId, changeSetName, status: 'NO_CHANGES', changes: [] };
      }
      throw new StackError(
        'CHANGE_SET_FAILED',
        `Change set ${changeSetName} (${type}) for stack ${stackName} failed: ${reason}`,
        'Fix the template or parameters named in the reason, then deploy again (the stack itself is unchanged).',
      );
    }
    await pause(pollMs, deadline, `change set ${changeSetName} to be created`);
  }

  await cfn.send(new ExecuteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetId }));

  for (;;) {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackId }));
    const status = Stacks?.[0]?.StackStatus ?? 'UNKNOWN';
    if (SUCCESS.has(status)) return { stackId, changeSetId, changeSetName, status, changes };
    if (!status.endsWith('_IN_PROGRESS')) {
      const reasons = await failureReasons(cfn, stackId, startedAt);
      throw new StackError(
        'STACK_FAILED',
        `Stack ${stackName} ended in ${status} after change set ${changeSetName}:\n${reasons || '  (no failed resource events)'}`,
        status === 'ROLLBACK_COMPLETE'
          ? 'Fix the cause above, delete the stack (ROLLBACK_COMPLETE cannot be updated) and create it again.'
          : 'Fix the cause above and deploy again; the previous resources were kept by the rollback.',
      );
    }
    await pause(pollMs, deadline, `stack ${stackName} to leave ${status}`);
  }
}

/** `  LogicalId (Type) STATUS: reason` for every failed resource event since `since`, oldest first. */
async function failureReasons(cfn: CloudFormationClient, stackId: string, since: Date): Promise<string> {
  const { StackEvents = [] } = await cfn.send(new DescribeStackEventsCommand({ StackName: stackId }));
  return StackEvents.filter((e) => e.ResourceStatus?.endsWith('FAILED') && (!e.Timestamp || e.Timestamp >= since))
    .reverse()
    .map((e) => `  ${e.LogicalResourceId} (${e.ResourceType}) ${e.ResourceStatus}: ${e.ResourceStatusReason ?? ''}`)
    .join('\n');
}

async function pause(ms: number, deadline: number, what: string): Promise<void> {
  if (Date.now() + ms > deadline) {
    throw new StackError(
      'STACK_TIMEOUT',
      `Gave up waiting for ${what}.`,
      'Look at the stack events in the CloudFormation console; run the deploy again once the stack is stable.',
    );
  }
  await new Promise((resolve) => setTimeout(resolve, ms));
}
