import {
  type CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type ResourceToImport,
  type Tag,
} from '@aws-sdk/client-cloudformation';
import { readStackEvents, summarizeEvent } from '../../functions/await-stack/stack-events.js';
import { cfnCall } from '../../functions/shared/cfn-call.js';
import type { StackEventSummary } from '../../functions/shared/contracts.js';
import { StackError } from '../../functions/shared/errors.js';
import { redactTokens } from '../../functions/shared/redact.js';

/**
 * One change set, from creation to a settled stack, with the stack's events streamed while it runs (the way
 * `cdk deploy` shows them). Used by `npm run deploy` for the orchestrator stack; CREATE, UPDATE and IMPORT,
 * from a template body or URL. An empty change set is deleted and reported as `noChanges`.
 */
export interface ChangeSetSpec {
  stackName: string;
  type: 'CREATE' | 'UPDATE' | 'IMPORT';
  templateBody?: string;
  templateUrl?: string;
  resourcesToImport?: ResourceToImport[];
  tags?: Tag[];
  description: string;
}

export interface ChangeSetWatch {
  /** Between two status reads; default 5 s. */
  pollIntervalMs?: number;
  /** For change-set creation plus execution; default 30 min. */
  timeoutMs?: number;
  onEvent?: (event: StackEventSummary) => void;
  onStatus?: (status: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface ChangeSetRun {
  stackId: string;
  changeSetName: string;
  /** Final stack status (NO_CHANGES when the change set was empty). */
  status: string;
  noChanges: boolean;
}

const EMPTY = /didn't contain changes|No updates are to be performed/i;
const SUCCESS: Record<ChangeSetSpec['type'], string> = {
  CREATE: 'CREATE_COMPLETE',
  UPDATE: 'UPDATE_COMPLETE',
  IMPORT: 'IMPORT_COMPLETE',
};
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runChangeSet(
  cfn: CloudFormationClient,
  spec: ChangeSetSpec,
  watch: ChangeSetWatch = {},
): Promise<ChangeSetRun> {
  const now = watch.now ?? Date.now;
  const sleep = watch.sleep ?? realSleep;
  const pollMs = watch.pollIntervalMs ?? 5_000;
  const deadline = now() + (watch.timeoutMs ?? 30 * 60_000);
  const { stackName } = spec;
  const changeSetName = `gro-orchestrator-${spec.type.toLowerCase()}-${now()}`;
  const pause = async (what: string) => {
    if (now() + pollMs > deadline) {
      throw new StackError(
        'STACK_TIMEOUT',
        `Gave up waiting for ${what}.`,
        `Look at stack ${stackName} in the CloudFormation console; run \`npm run deploy\` again once it is stable.`,
      );
    }
    await sleep(pollMs);
  };

  const created = await cfnCall('CreateChangeSet', stackName, () =>
    cfn.send(
      new CreateChangeSetCommand({
        StackName: stackName,
        ChangeSetName: changeSetName,
        ChangeSetType: spec.type,
        TemplateBody: spec.templateBody,
        TemplateURL: spec.templateUrl,
        ResourcesToImport: spec.resourcesToImport,
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
        Tags: spec.tags,
        Description: spec.description,
      }),
    ),
  );
  const changeSetId = created.Id ?? changeSetName;
  const stackId = created.StackId ?? stackName;

  for (;;) {
    const cs = await cfnCall('DescribeChangeSet', stackName, () =>
      cfn.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetId })),
    );
    if (cs.Status === 'CREATE_COMPLETE') break;
    if (cs.Status === 'FAILED') {
      const reason = redactTokens(cs.StatusReason ?? 'no reason given');
      if (EMPTY.test(reason)) {
        await cfnCall('DeleteChangeSet', stackName, () =>
          cfn.send(new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetId })),
        );
        return { stackId, changeSetName, status: 'NO_CHANGES', noChanges: true };
      }
      throw new StackError(
        'CHANGE_SET_FAILED',
        `Change set ${changeSetName} (${spec.type}) for stack ${stackName} failed: ${reason}`,
        'Fix what the reason names, then run `npm run deploy` again (the stack itself is unchanged).',
      );
    }
    await pause(`change set ${changeSetName} to be created`);
  }

  const startedAt = new Date(now() - 1_000);
  // Events of earlier operations are not this run's: start after the newest one (an update's stack has some).
  let lastEventId = spec.type === 'CREATE' ? undefined : await newestEventId(cfn, stackId, stackName);
  await cfnCall('ExecuteChangeSet', stackName, () =>
    cfn.send(new ExecuteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetId })),
  );

  const failures: StackEventSummary[] = [];
  for (;;) {
    const { Stacks } = await cfnCall('DescribeStacks', stackName, () =>
      cfn.send(new DescribeStacksCommand({ StackName: stackId })),
    );
    const status = Stacks?.[0]?.StackStatus ?? 'UNKNOWN';
    watch.onStatus?.(status);
    const read = await readStackEvents(cfn, stackId, stackName, {
      stopAtEventId: lastEventId,
      since: startedAt,
      maxPages: 5,
    });
    for (const raw of read.events) {
      const event = summarizeEvent(raw);
      lastEventId = event.eventId;
      if (event.status.endsWith('_FAILED')) failures.push(event);
      watch.onEvent?.(event);
    }
    if (status === SUCCESS[spec.type]) return { stackId, changeSetName, status, noChanges: false };
    if (!status.endsWith('_IN_PROGRESS')) throw stackFailed(stackName, status, changeSetName, failures);
    await pause(`stack ${stackName} to leave ${status}`);
  }
}

async function newestEventId(
  cfn: CloudFormationClient,
  stackId: string,
  stackName: string,
): Promise<string | undefined> {
  const out = await cfnCall('DescribeStackEvents', stackName, () =>
    cfn.send(new DescribeStackEventsCommand({ StackName: stackId })),
  );
  return out.StackEvents?.[0]?.EventId;
}

function stackFailed(
  stackName: string,
  status: string,
  changeSetName: string,
  failures: StackEventSummary[],
): StackError {
  const reasons = failures
    .filter((f) => f.logicalId !== stackName)
    .map((f) => `  ${f.logicalId} (${f.resourceType}) ${f.status}: ${f.reason ?? ''}`)
    .join('\n');
  return new StackError(
    'STACK_FAILED',
    `Stack ${stackName} ended in ${status} after change set ${changeSetName}:\n${reasons || '  (no failed resource events)'}`,
    status === 'ROLLBACK_COMPLETE'
      ? 'Fix the cause above and run `npm run deploy` again (it deletes a stack that never got created).'
      : 'Fix the cause above and run `npm run deploy` again; the rollback kept the previous resources.',
  );
}
